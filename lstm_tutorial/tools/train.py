"""The ``train`` command as functions: one whole run (data, word2vec start, fit, test once,
save), and the seed loop that repeats it and keeps the best seed on validation."""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import keras

from .. import models, stats, text
from ..errors import UsageError
from ..io import environment, paths
from ..training import (
    CONFIG_FILE,
    MODEL_FILE,
    VOCAB_FILE,
    Classifier,
    TrainConfig,
    evaluate,
    fit,
    load_test,
    prepare_data,
    prepare_model,
    save_classifier,
)

__all__ = ["default_model_dir", "train_model", "train_seeds"]


def default_model_dir(model: str = "bilstm") -> Path:
    """Where ``train --model NAME`` saves by default: ``models/NAME``."""
    return paths.output_dir("models") / model


def train_model(config: TrainConfig, out_dir=None, verbose: bool = True) -> dict:
    """The whole ``train`` command as a function: returns a summary dict."""
    environment.quiet_tensorflow()
    t_start = time.perf_counter()
    keras.utils.set_random_seed(config.seed)
    out = Path(out_dir) if out_dir else default_model_dir(config.model)
    say = print if verbose else (lambda *a, **k: None)
    say(f"train {models.DISPLAY_NAMES[config.model]} on IMDB ({environment.mode()} mode)")
    say("step 1/4 data: reading and tokenizing the training reviews (cached after the first run)")
    data = prepare_data(config, verbose=verbose)
    truncated = text.truncation_share(data.train_tokens, config.length)
    lost = "beginning" if config.truncating == "pre" else "end"
    say(f"  {data.summary()}; {truncated:.1%} of training reviews are longer than "
        f"{config.length} tokens and lose their {lost}; {data.seconds:.1f} s")
    model = prepare_model(config, data, verbose=verbose)
    say(f"step 2/4 fit: {model.count_params():,} parameters, up to {config.epochs} epochs, "
        f"batches of {config.batch_size}, learning rate {config.learning_rate:g} ({config.lr_schedule}), "
        f"early stopping on {config.monitor} (patience {config.patience})")
    result = fit(model, data, config, run_dir=out / "checkpoints", verbose="auto" if verbose else 0)
    say(f"  {result.epochs_run} epochs, {result.seconds_per_epoch:.0f} s per epoch; best epoch "
        f"{result.best_epoch} (validation accuracy {result.best_val_accuracy:.4f})")
    say("step 3/4 test: the official test set, once")
    x_test, y_test = load_test(config, data.vocab, verbose=verbose)
    test = evaluate(model, x_test, y_test)
    say(f"  test accuracy {test['accuracy']:.4f} on {test['count']:,} reviews ({test['seconds']:.0f} s)")
    metrics = {"test_accuracy": test["accuracy"], "test_loss": test["loss"], "test_count": test["count"],
               "parameters": int(model.count_params()), "preprocessing_seconds": data.seconds,
               "total_seconds": time.perf_counter() - t_start, **result.to_dict()}
    save_classifier(out, model, data.vocab, config, metrics)
    say(f"step 4/4 saved: {out / MODEL_FILE}, {out / VOCAB_FILE}, {out / CONFIG_FILE}")
    say(f"test accuracy: {test['accuracy']:.4f}  (total {metrics['total_seconds'] / 60:.1f} min)")
    return {"out_dir": str(out), "metrics": metrics, "model": model, "vocab": data.vocab, "fit": result}


def train_seeds(config, seeds: Sequence[int], out_dir=None, verbose: bool = True) -> dict:
    """Train ``config`` once per seed into ``out_dir/seeds/seed-N``; save the best on validation as ``out_dir``.

    Returns ``{"runs", "summary" (of test accuracies), "best_seed", "out_dir"}``.
    """
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise UsageError("give at least one seed, e.g. --seeds 0 1 2")
    if len(set(seeds)) != len(seeds):
        raise UsageError(f"each seed once, please (got {seeds})")
    out = Path(out_dir) if out_dir else default_model_dir(config.model)
    say = print if verbose else (lambda *a, **k: None)
    runs = []
    for k, seed in enumerate(seeds, start=1):
        say(f"=== seed {seed} ({k} of {len(seeds)}) ===")
        folder = out / "seeds" / f"seed-{seed}"
        result = train_model(replace(config, seed=seed), out_dir=folder, verbose=verbose)
        m = result["metrics"]
        runs.append({"seed": seed, "test_accuracy": float(m["test_accuracy"]),
                     "val_accuracy": float(m["best_val_accuracy"]), "test_count": int(m["test_count"]),
                     "seconds": float(m["total_seconds"]), "out_dir": str(folder)})
    summary = stats.summarise_seeds([r["test_accuracy"] for r in runs])
    best = max(runs, key=lambda r: r["val_accuracy"])  # validation only: the test set chooses nothing
    clf = Classifier.load(best["out_dir"])
    metrics = {**clf.metrics, "seeds": runs, "seed_summary": {k: v for k, v in summary.items()},
               "chosen_seed": best["seed"], "chosen_by": "validation accuracy"}
    save_classifier(out, clf.model, clf.vocab, clf.config, metrics)
    say("")
    say("| seed | validation accuracy | test accuracy | 95% interval | minutes |")
    say("|---:|---:|---:|---|---:|")
    for r in runs:
        low, high = stats.accuracy_interval(r["test_accuracy"], r["test_count"])
        say(f"| {r['seed']} | {r['val_accuracy']:.4f} | {r['test_accuracy']:.4f} | {low:.4f}-{high:.4f} "
            f"| {r['seconds'] / 60:.1f} |")
    say(f"test accuracy over seeds: {summary['text']}")
    say(f"saved the best on validation (seed {best['seed']}) to {out}")
    return {"runs": runs, "summary": summary, "best_seed": best["seed"], "out_dir": str(out)}
