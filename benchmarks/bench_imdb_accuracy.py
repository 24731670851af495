"""Benchmark: test accuracy of the trained classifiers (mean +- std over seeds) beside
the linear baseline (TF-IDF uni+bigrams + logistic regression) trained in the same run.

    # the three seed runs of the default `train` command (minutes each on a CPU)
    for s in 0 1 2; do python -m lstm_tutorial train --model bilstm --seed $s --out models/bilstm-seed$s; done
    python benchmarks/bench_imdb_accuracy.py models/bilstm-seed0 models/bilstm-seed1 models/bilstm-seed2

    python benchmarks/bench_imdb_accuracy.py --train --seeds 0 1 2   # train the seeds here first

What is measured, in one process:

* the **linear baseline** (:func:`lstm_tutorial.lab.baseline.run_linear_baseline`): fitted on
  all 25,000 training reviews, scored on the 25,000 test reviews; train seconds and
  inference reviews/s are measured here;
* each **saved classifier** (one per seed): its predictions on the raw test reviews,
  made here (inference reviews/s = test reviews / (the shared cleaning + tokenizing
  time + that model's encoding and prediction time)); its train seconds are the whole
  ``train`` command's, read from its ``training.json`` (data preparation, word vectors,
  fitting and the test pass included; a cold cache or a busy machine makes them longer);
* the **seed ensemble**: the mean of the seed models' probabilities, reported on its own
  line (its inference costs all the models; its train time is the sum of theirs).
  Nothing was chosen on the test set: the ensemble weights are fixed (equal).

* the **blend** of each seed model with a linear model (:func:`lstm_tutorial.lab.baseline.blend`):
  a linear model fitted on that seed's training part only (the 90 % the seed model
  trained on), the recurrent model's weight chosen by log loss on that seed's
  validation split (:func:`lstm_tutorial.lab.baseline.choose_blend_weight`), then scored
  once on the test set;
* **paired differences** against the baseline on the same test reviews, one seed model at
  a time, with a 95 % interval from a paired bootstrap's standard error
  (:func:`lstm_tutorial.stats.paired_difference_interval`, :func:`lstm_tutorial.stats.compare`
  of two fixed models: the test sample's noise only), and how often the two models
  disagree and who is right then.

Ratios are against the linear baseline of the same run: accuracy as a difference in
points, time and speed as factors. The neural models train on 90 % of the training
reviews (10 % is their validation split); the baseline, which needs no early stopping,
trains on all of them, as a practitioner would.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", help="saved classifier folders, one per seed")
    parser.add_argument("--train", action="store_true", help="train the seeds first (train --seeds)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--model", default="bilstm")
    parser.add_argument("--out", default=None, help="with --train: output folder (default: models/<model>)")
    parser.add_argument("--write", default=None, metavar="JSON",
                        help="also write the figures to this file (notebook 03 reads notebooks/data/imdb_accuracy.json)")
    args = parser.parse_args(argv)

    from lstm_tutorial import stats, text, training
    from lstm_tutorial.lab import baseline
    from lstm_tutorial.tools import classifier
    from lstm_tutorial.lab import readout_grid as grid
    from lstm_tutorial.io import datasets as data
    from lstm_tutorial.io import environment

    environment.quiet_tensorflow()
    import keras
    import tensorflow as tf

    folders = [Path(f) for f in args.folders]
    if args.train:
        config = training.TrainConfig.for_mode(model=args.model, fast=False)
        result = classifier.train_seeds(config, args.seeds, out_dir=args.out)
        folders = [Path(r["out_dir"]) for r in result["runs"]]
    if not folders:
        parser.error("give saved model folders (one per seed) or --train")
    missing = [str(f) for f in folders if not (f / classifier.CONFIG_FILE).is_file()]
    if missing:
        parser.error(f"no saved classifier in {', '.join(missing)}; train them first "
                     f"(python -m lstm_tutorial train --model bilstm --seed N --out FOLDER)")
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, CPU cores: {os.cpu_count()}, "
          f"GPU: {bool(tf.config.list_physical_devices('GPU'))}", flush=True)

    train_texts, train_labels = data.load_imdb("train")
    test_texts, test_labels = data.load_imdb("test")
    y = np.asarray(test_labels)
    n = len(y)

    # ------------------------------------------------------------------ linear baseline
    lin = baseline.run_linear_baseline(train_texts, train_labels, test_texts, test_labels)
    print(f"linear baseline: accuracy {lin['accuracy']:.4f}, train {lin['train_seconds']:.0f} s, "
          f"{lin['reviews_per_second']:.0f} reviews/s", flush=True)

    # ------------------------------------------------------------------ saved classifiers
    clfs = [classifier.Classifier.load(f) for f in folders]
    t0 = time.perf_counter()
    remove = {c.config.remove_stopwords for c in clfs}
    tokens = {flag: text.preprocess(test_texts, remove_stopwords=flag) for flag in remove}
    tokenize_s = (time.perf_counter() - t0) / max(len(remove), 1)
    rows, probs = [], []
    for folder, clf in zip(folders, clfs):
        t0 = time.perf_counter()
        x = training.encode_tokens(clf.vocab, tokens[clf.config.remove_stopwords], clf.config)
        p = training.predict_proba(clf.model, x)
        seconds = tokenize_s + time.perf_counter() - t0
        accuracy = float(np.mean((p >= 0.5) == (y == 1)))
        probs.append(p)
        # The folder's name, not its full path: the output file is committed.
        rows.append({"folder": folder.name, "seed": clf.config.seed, "accuracy": accuracy,
                     "saved_accuracy": clf.metrics.get("test_accuracy"),
                     "val_accuracy": clf.metrics.get("best_val_accuracy"),
                     "best_epoch": clf.metrics.get("best_epoch"),
                     "train_seconds": clf.metrics.get("total_seconds"), "infer_seconds": seconds,
                     "reviews_per_second": n / seconds})
        print(f"  {folder}: seed {clf.config.seed}, test accuracy {accuracy:.4f} "
              f"(saved by train: {clf.metrics.get('test_accuracy')}), {n / seconds:.0f} reviews/s", flush=True)

    # ------------------------------------------------------------------ blends, chosen on validation
    train_tokens, train_token_labels = {}, None
    for flag in remove:
        train_tokens[flag], train_token_labels = text.preprocess_imdb("train", remove_stopwords=flag)
    if not np.array_equal(np.asarray(train_token_labels), np.asarray(train_labels)):
        raise SystemExit("the token cache and the raw training texts are in different orders; "
                         "delete data/cache and run again")
    lin_correct = (lin["probabilities"] >= 0.5) == (y == 1)
    linear_by_split = {}
    for row, clf, p in zip(rows, clfs, probs):
        cfg = clf.config
        train_idx, val_idx = training.split_indices(len(train_labels), cfg.validation_fraction,
                                                    cfg.train_limit, cfg.seed)
        x_val = training.encode_tokens(clf.vocab, [train_tokens[cfg.remove_stopwords][i] for i in val_idx], cfg)
        p_val = training.predict_proba(clf.model, x_val)
        y_val = np.asarray(train_labels)[val_idx]
        key = (cfg.seed, cfg.validation_fraction, cfg.train_limit)   # what decides the split
        if key not in linear_by_split:   # models with the same split share one linear model
            part = baseline.fit_linear_baseline([train_texts[i] for i in train_idx],
                                                np.asarray(train_labels)[train_idx])
            linear_by_split[key] = (part.predict_proba([train_texts[i] for i in val_idx])[:, 1],
                                    part.predict_proba(list(test_texts))[:, 1])
        lin_val, lin_test = linear_by_split[key]
        chosen = baseline.choose_blend_weight(p_val, lin_val, y_val)
        p_blend = baseline.blend(p, lin_test, chosen["weight"])
        correct = (p >= 0.5) == (y == 1)
        blend_correct = (p_blend >= 0.5) == (y == 1)
        disagree = (p >= 0.5) != (lin["probabilities"] >= 0.5)
        row.update({
            "blend_weight": chosen["weight"],
            "blend_val_log_loss": chosen["log_loss"],
            "val_log_loss_recurrent": baseline.log_loss(p_val, y_val),
            "val_log_loss_linear": baseline.log_loss(lin_val, y_val),
            "blend_accuracy": float(blend_correct.mean()),
            "vs_linear": stats.paired_difference_interval(correct, lin_correct),
            "blend_vs_linear": stats.paired_difference_interval(blend_correct, lin_correct),
            "disagree_share": float(disagree.mean()),
            "recurrent_right_when_disagreeing": float(correct[disagree].mean()),
            "_blend_correct": blend_correct,
        })
        print(f"  seed {cfg.seed}: blend weight {chosen['weight']:.2f} (validation log loss "
              f"{row['val_log_loss_recurrent']:.4f} recurrent, {row['val_log_loss_linear']:.4f} linear, "
              f"{chosen['log_loss']:.4f} blend), blend test accuracy {row['blend_accuracy']:.4f}", flush=True)

    # ------------------------------------------------------------------ where each model loses: by review length
    # notebook 03's length buckets, with the last one split where the models start to cut reviews
    test_lengths = text.lengths(next(iter(tokens.values())))
    longest = max(c.config.length for c in clfs)
    buckets = [(lo, min(hi, longest)) for lo, hi in grid.LENGTH_BUCKETS if lo < longest] + [(longest, 10**9)]

    def share_right(correct) -> np.ndarray:
        counts = grid.bucket_counts(test_lengths, correct, buckets)
        return np.array([c["correct"] / max(c["n"], 1) for c in counts])

    sizes = [c["n"] for c in grid.bucket_counts(test_lengths, lin_correct, buckets)]
    linear_by_length = share_right(lin_correct)
    recurrent_by_length = np.mean([share_right((p >= 0.5) == (y == 1)) for p in probs], axis=0)
    blend_by_length = np.mean([share_right(r["_blend_correct"]) for r in rows], axis=0)
    by_length = [{"tokens": f"{lo + 1}-{hi}" if hi < 10**9 else f"over {lo}", "reviews": size,
                  "linear": float(lin_b), "recurrent": float(rec_b), "blend": float(blend_b)}
                 for (lo, hi), size, lin_b, rec_b, blend_b
                 in zip(buckets, sizes, linear_by_length, recurrent_by_length, blend_by_length) if size]
    print("\naccuracy by review length (tokens; recurrent and blend: mean over seeds):")
    for b in by_length:
        print(f"  {b['tokens']:>10}: {b['reviews']:>6,} reviews, linear {b['linear']:.4f}, "
              f"recurrent {b['recurrent']:.4f}, blend {b['blend']:.4f}")
    for r in rows:
        r.pop("_blend_correct")

    accs = [r["accuracy"] for r in rows]
    summary = stats.summarise_seeds(accs)
    mean_p = np.mean(probs, axis=0)
    ens_acc = float(np.mean((mean_p >= 0.5) == (y == 1)))
    train_s = [r["train_seconds"] or float("nan") for r in rows]
    infer_s = [r["infer_seconds"] for r in rows]
    ens_infer = tokenize_s + sum(s - tokenize_s for s in infer_s)
    name = clfs[0].config.model
    from lstm_tutorial.models import DISPLAY_NAMES

    label = DISPLAY_NAMES.get(name, name)
    table = [
        ("TF-IDF uni+bigrams + logistic regression", f"{lin['accuracy']:.4f}", lin["accuracy"],
         lin["train_seconds"], lin["reviews_per_second"]),
        (f"{label}, word2vec start ({len(rows)} seeds)", f"{summary['mean']:.4f} ± {summary['std']:.4f}",
         summary["mean"], float(np.mean(train_s)), float(np.mean([r["reviews_per_second"] for r in rows]))),
        (f"{label}, mean of the {len(rows)} seeds' probabilities", f"{ens_acc:.4f}", ens_acc,
         float(np.sum(train_s)), n / ens_infer),
    ]
    blend_summary = stats.summarise_seeds([r["blend_accuracy"] for r in rows])
    table.append((f"{label} + linear, blended (weight chosen on validation, {len(rows)} seeds)",
                  f"{blend_summary['mean']:.4f} ± {blend_summary['std']:.4f}", blend_summary["mean"],
                  float(np.mean(train_s)) + lin["train_seconds"],
                  1.0 / (1.0 / float(np.mean([r["reviews_per_second"] for r in rows])) + 1.0 / lin["reviews_per_second"])))
    low, high = stats.accuracy_interval(lin["accuracy"], n)
    print()
    print(f"{n:,} test reviews; a single accuracy's 95% interval here is about ±{(high - low) / 2 * 100:.2f} points")
    print("| model | test accuracy | vs linear (points) | train s | vs linear | inference reviews/s | vs linear |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for model, shown, acc, tr, rps in table:
        print(f"| {model} | {shown} | {100 * (acc - lin['accuracy']):+.2f} | {tr:.0f} | "
              f"{tr / lin['train_seconds']:.1f}x | {rps:.0f} | {rps / lin['reviews_per_second']:.2f}x |")
    print("\nper seed: " + ", ".join(f"seed {r['seed']} {r['accuracy']:.4f} (validation {r['val_accuracy']:.4f}, "
                                      f"best epoch {r['best_epoch']}, train {r['train_seconds']:.0f} s)" for r in rows))
    print("\npaired with the linear baseline on the same test reviews (95% interval from a paired bootstrap, points):")
    for r in rows:
        a, b = r["vs_linear"], r["blend_vs_linear"]
        print(f"  seed {r['seed']}: {label} {100 * a['difference']:+.2f} ({100 * a['low']:+.2f} to {100 * a['high']:+.2f}); "
              f"blend {100 * b['difference']:+.2f} ({100 * b['low']:+.2f} to {100 * b['high']:+.2f}); "
              f"the two disagree on {100 * r['disagree_share']:.1f}% of reviews, "
              f"{label} right on {100 * r['recurrent_right_when_disagreeing']:.1f}% of those")
    result = {"linear": {k: v for k, v in lin.items() if k != "probabilities"}, "seeds": rows,
              "seed_summary": summary, "blend_summary": blend_summary, "ensemble_accuracy": ens_acc, "ensemble_reviews_per_second": n / ens_infer,
              "tokenize_seconds": tokenize_s, "test_reviews": n, "by_length": by_length}
    result["environment"] = {"tensorflow": tf.__version__, "keras": keras.__version__,
                             "cpu_cores": os.cpu_count(), "gpu": bool(tf.config.list_physical_devices("GPU"))}
    print("\n" + json.dumps(result, default=float))
    if args.write:
        from lstm_tutorial.io.paths import atomic_write

        with atomic_write(Path(args.write), "w", encoding="utf-8") as handle:
            handle.write(json.dumps(result, default=float, indent=1) + "\n")
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
