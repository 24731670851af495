"""Benchmark: test accuracy of the trained classifiers (mean +- std over seeds) beside
the linear baseline (TF-IDF uni+bigrams + logistic regression) trained in the same run.

    # the three seed runs of the default `train` command (minutes each on a CPU)
    for s in 0 1 2; do python -m lstm_tutorial train --model bilstm --seed $s --out models/bilstm-seed$s; done
    python benchmarks/bench_imdb_accuracy.py models/bilstm-seed0 models/bilstm-seed1 models/bilstm-seed2

    python benchmarks/bench_imdb_accuracy.py --train --seeds 0 1 2   # train the seeds here first

What is measured, in one process:

* the **linear baseline** (:func:`lstm_tutorial.baseline.run_linear_baseline`): fitted on
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
    args = parser.parse_args(argv)

    from lstm_tutorial import baseline, data, runtime, seeds, text, training

    runtime.quiet_tensorflow()
    import keras
    import tensorflow as tf

    folders = [Path(f) for f in args.folders]
    if args.train:
        config = training.default_config(args.model, fast=False)
        result = seeds.train_seeds(config, args.seeds, out_dir=args.out)
        folders = [Path(r["out_dir"]) for r in result["runs"]]
    if not folders:
        parser.error("give saved model folders (one per seed) or --train")
    missing = [str(f) for f in folders if not (f / training.CONFIG_FILE).is_file()]
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
    clfs = [training.Classifier.load(f) for f in folders]
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
        rows.append({"folder": str(folder), "seed": clf.config.seed, "accuracy": accuracy,
                     "saved_accuracy": clf.metrics.get("test_accuracy"),
                     "val_accuracy": clf.metrics.get("best_val_accuracy"),
                     "best_epoch": clf.metrics.get("best_epoch"),
                     "train_seconds": clf.metrics.get("total_seconds"), "infer_seconds": seconds,
                     "reviews_per_second": n / seconds})
        print(f"  {folder}: seed {clf.config.seed}, test accuracy {accuracy:.4f} "
              f"(saved by train: {clf.metrics.get('test_accuracy')}), {n / seconds:.0f} reviews/s", flush=True)

    accs = [r["accuracy"] for r in rows]
    summary = seeds.summarise_seeds(accs)
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
    low, high = seeds.accuracy_interval(lin["accuracy"], n)
    print()
    print(f"{n:,} test reviews; a single accuracy's 95% interval here is about ±{(high - low) / 2 * 100:.2f} points")
    print("| model | test accuracy | vs linear (points) | train s | vs linear | inference reviews/s | vs linear |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for model, shown, acc, tr, rps in table:
        print(f"| {model} | {shown} | {100 * (acc - lin['accuracy']):+.2f} | {tr:.0f} | "
              f"{tr / lin['train_seconds']:.1f}x | {rps:.0f} | {rps / lin['reviews_per_second']:.2f}x |")
    print("\nper seed: " + ", ".join(f"seed {r['seed']} {r['accuracy']:.4f} (validation {r['val_accuracy']:.4f}, "
                                      f"best epoch {r['best_epoch']}, train {r['train_seconds']:.0f} s)" for r in rows))
    result = {"linear": {k: v for k, v in lin.items() if k != "probabilities"}, "seeds": rows,
              "seed_summary": summary, "ensemble_accuracy": ens_acc, "ensemble_reviews_per_second": n / ens_infer,
              "tokenize_seconds": tokenize_s, "test_reviews": n}
    print("\n" + json.dumps(result, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
