"""The trained IMDB classifier as a product: the ``train`` command as functions (one whole run:
data, word2vec start, fit, test once, save; and the seed loop that keeps the best seed on
validation), the saved folder, and :class:`Classifier`, which predicts raw review strings."""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import keras
import numpy as np

from .. import models, stats, text
from ..io.errors import UsageError
from ..io import environment, paths, saving
from ..training import (
    TrainConfig,
    encode_tokens,
    evaluate,
    fit,
    load_test,
    predict_proba,
    prepare_data,
    prepare_model,
)

__all__ = ["MODEL_FILE", "VOCAB_FILE", "CONFIG_FILE", "FILES", "default_model_dir", "train_model", "train_seeds",
           "save_classifier", "Prediction", "Classifier", "review_problem"]

MODEL_FILE = "model.keras"
VOCAB_FILE = "vocabulary.json"
CONFIG_FILE = "training.json"
FILES = (MODEL_FILE, VOCAB_FILE, CONFIG_FILE)


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
    truncated = float(np.mean(text.lengths(data.train_tokens) > config.length))
    lost = "beginning" if config.truncating == "pre" else "end"
    say(f"  {data.summary()}; {truncated:.1%} of training reviews are longer than "
        f"{config.length} tokens and lose their {lost}; {data.seconds:.1f} s")
    model = prepare_model(config, data, verbose=verbose)
    say(f"step 2/4 fit: {model.count_params():,} parameters, up to {config.epochs} epochs, "
        f"batches of {config.batch_size}, learning rate {config.network.learning_rate:g} ({config.lr_schedule}), "
        f"early stopping on {config.monitor} (patience {config.patience})")
    result = fit(model, *data.batches(config.batch_size, config.seed), epochs=config.epochs,
                 patience=config.patience, monitor=config.monitor, run_dir=out / "checkpoints",
                 run_key=config.resume_key(data.vocab), verbose="auto" if verbose else 0)
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


def save_classifier(out_dir, model, vocab, config: TrainConfig, metrics: dict | None = None) -> Path:
    """Write ``model.keras``, ``vocabulary.json`` and ``training.json`` into ``out_dir``, all
    or nothing (:func:`lstm_tutorial.io.saving.save_model_folder`); :meth:`Classifier.load` reads them."""
    return saving.save_model_folder(out_dir, model, vocab, config, metrics, names=FILES)


@dataclass
class Prediction:
    """One review's result: the label, P(positive), and the text it came from."""

    label: str
    probability: float  # P(positive)
    text: str

    @property
    def confidence(self) -> float:
        """Probability of the predicted label."""
        return self.probability if self.label == "positive" else 1.0 - self.probability


class Classifier:
    """A trained model with the vocabulary and settings it was trained with.

    ``Classifier.load(folder).predict(["raw review", ...])`` cleans and tokenizes the
    raw strings exactly as in training (:mod:`lstm_tutorial.text`), encodes them with
    the saved vocabulary and returns :class:`Prediction` objects.
    """

    def __init__(self, model, vocab, config: TrainConfig, metrics: dict | None = None):
        self.model, self.vocab, self.config, self.metrics = model, vocab, config, metrics or {}

    @classmethod
    def load(cls, folder) -> "Classifier":
        """The classifier saved in ``folder`` by :func:`save_classifier` (files checked)."""
        model, vocab, config, info = saving.load_model_folder(
            folder, names=FILES, vocab_class=text.Vocabulary, config_class=TrainConfig,
            how_to_train="train one with `python -m lstm_tutorial train --model bilstm` or pass --model FOLDER")
        return cls(model, vocab, config, info.get("metrics", {}))

    def tokens(self, texts: Sequence[str]) -> list[list[str]]:
        for i, t in enumerate(texts):
            problem = review_problem(t)
            if problem:
                raise UsageError(f"review {i + 1}: {problem}")
        return text.preprocess(list(texts), remove_stopwords=self.config.remove_stopwords)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return encode_tokens(self.vocab, self.tokens(texts), self.config)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(positive) for each raw review string."""
        if isinstance(texts, str):
            texts = [texts]
        if len(texts) == 0:
            return np.zeros(0, dtype="float32")
        return predict_proba(self.model, self.encode(texts))

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if isinstance(texts, str):
            texts = [texts]
        probs = self.predict_proba(texts)
        return [Prediction("positive" if p >= 0.5 else "negative", float(p), t) for p, t in zip(probs, texts)]


def review_problem(review) -> str | None:
    """Why ``review`` cannot be classified (a sentence), or None when it can."""
    if not isinstance(review, str):
        return f"not text (got {type(review).__name__})"
    if "\x00" in review:
        return "not text (contains NUL bytes; binary data?)"
    if not review.strip():
        return "empty review: nothing to classify"
    if not any(any(ch.isalnum() for ch in tok) for tok in text.tokenize(text.clean(review))):
        return "no words in this review (only markup, punctuation or symbols)"
    return None
