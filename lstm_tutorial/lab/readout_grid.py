"""A grid of small IMDB runs: readout x recurrent layer, and the PyTorch article's set-up (notebook 03).

Every run of :func:`grid_specs` shares one :class:`GridBudget` (reviews, length, sizes, early
stopping on a validation part of the training reviews); :func:`run_grid` appends each run to a
JSON file and skips those already there, so ``benchmarks/bench_readout_grid.py`` resumes.
"""
from __future__ import annotations

import functools
import json
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..io.errors import UsageError
from ..io import datasets, environment, paths
from ..io.environment import DictConfig
from .. import models

FORMAT = "lstm_tutorial.readout_grid"  # the name grid files carry (the module lives in lab/ since)

#: Review-length buckets (tokens of the review before truncation) for accuracy by length.
LENGTH_BUCKETS = ((0, 100), (100, 200), (200, 400), (400, 10**9))

LAYERS = ("rnn", "lstm", "gru", "bilstm")


@dataclass(frozen=True)
class GridBudget(DictConfig):
    """Everything shared by every run of the grid."""

    train_reviews: int = 3000        # drawn from the training split, validation part included
    validation_fraction: float = 0.2
    test_reviews: int = 2000         # a fixed seeded subset of the official test split
    length: int = 100                # word tokens per review (the last ones are kept)
    letter_length: int = 200         # letters per review in the article's letter set-up
    max_tokens: int = 30_000         # the article's cap; at this budget it does not bind
    min_count: int = 2
    network: models.ModelConfig = models.ModelConfig(embedding_dim=32, units=32, dropout=0.4)  # each run sets readout
    batch_size: int = 64
    epochs: int = 10                 # a cap that early stopping should never reach
    patience: int = 2
    seeds: tuple = (0, 1, 2)
    data_seed: int = 42              # which reviews and which split: the same for every run

    FAST = dict(train_reviews=800, test_reviews=400, length=60, letter_length=120, embedding_dim=16, units=8,
                epochs=4, patience=2, seeds=(0,))

    def to_dict(self) -> dict:   # seeds as a JSON list
        return {**super().to_dict(), "seeds": list(self.seeds)}

    @classmethod
    def from_dict(cls, payload: dict) -> "GridBudget":
        budget = super().from_dict(payload)
        return replace(budget, seeds=tuple(budget.seeds))


#: The budget of fast mode and tests: seconds, not minutes; its accuracies mean little.
FAST_BUDGET = GridBudget.for_mode(fast=True)


@dataclass(frozen=True)
class RunSpec(DictConfig):
    group: str                 # grid, article, article_words, stopwords
    layer: str                 # rnn, lstm, gru, bilstm
    readout: str               # last, pool
    tokens: str = "words"      # words (this package's tokenizer) or article_letters / article_words
    remove_stopwords: bool = False
    seed: int = 0

    @property
    def key(self) -> str:
        stop = "nostop" if self.remove_stopwords else "stop"
        return f"{self.group}/{self.layer}/{self.readout}/{self.tokens}/{stop}/seed{self.seed}"

    @property
    def cell(self) -> str:
        """The run's key without the seed: runs of one cell differ only by seed."""
        return self.key.rsplit("/", 1)[0]


def grid_specs(seeds: Sequence[int] = (0, 1, 2)) -> list[RunSpec]:
    """Every run of the benchmark, cheapest groups first within each seed."""
    specs = []
    for seed in seeds:
        for layer in LAYERS:
            for readout in ("last", "pool"):
                specs.append(RunSpec("grid", layer, readout, seed=seed))
        for layer in ("rnn", "bilstm"):
            specs.append(RunSpec("article", layer, "last", "article_letters", True, seed))
            specs.append(RunSpec("article_words", layer, "last", "article_words", True, seed))
        specs.append(RunSpec("stopwords", "bilstm", "pool", "words", True, seed))
    return specs


# --- Data --------------------------------------------------------------------------------

@functools.cache
def _tokens(split: str, tokens: str, remove_stopwords: bool):
    """Token lists and labels of a split in one of the three tokenizations (memoised)."""
    from . import article
    from .. import text

    if tokens == "words":
        return text.preprocess_imdb(split, remove_stopwords=remove_stopwords)
    if tokens not in ("article_letters", "article_words"):
        raise UsageError(f"unknown tokens {tokens!r}: words, article_letters or article_words")
    if not remove_stopwords:
        raise UsageError("the article's set-up always removes stopwords")
    texts, labels = _raw_imdb(split)
    return article.article_tokenize_all(texts, letters=tokens == "article_letters"), np.asarray(labels)


_raw_imdb = functools.cache(datasets.load_imdb)


@dataclass
class RunData:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    test_lengths: np.ndarray   # tokens per test review before truncation
    vocab_size: int
    length: int


def test_indices(budget: GridBudget, n: int) -> np.ndarray:
    """The fixed subset of the official test reviews every run is scored on."""
    order = np.random.default_rng(budget.data_seed + 1).permutation(n)
    return order[: budget.test_reviews]


def prepare_run_data(spec: RunSpec, budget: GridBudget) -> RunData:
    """Ids for one run: train/validation from the budget's reviews, the vocabulary fitted on train only, the test subset."""
    from . import article
    from .. import text
    from .. import training

    tokens, labels = _tokens("train", spec.tokens, spec.remove_stopwords)
    train_idx, val_idx = training.split_indices(len(tokens), budget.validation_fraction,
                                                budget.train_reviews, budget.data_seed)
    train_tokens = [tokens[i] for i in train_idx]
    if spec.tokens.startswith("article"):
        vocab = article.article_vocabulary(train_tokens, budget.min_count, budget.max_tokens)
    else:
        vocab = text.Vocabulary.fit(train_tokens, max_tokens=budget.max_tokens, min_count=budget.min_count)
    length = budget.letter_length if spec.tokens == "article_letters" else budget.length
    cfg = training.TrainConfig(length=length, truncating="pre")

    def encode(idx, toks):
        return training.encode_tokens(vocab, [toks[i] for i in idx], cfg)

    test_tokens, test_labels = _tokens("test", spec.tokens, spec.remove_stopwords)
    t_idx = test_indices(budget, len(test_tokens))
    return RunData(
        x_train=encode(train_idx, tokens), y_train=labels[train_idx].astype("float32"),
        x_val=encode(val_idx, tokens), y_val=labels[val_idx].astype("float32"),
        x_test=encode(t_idx, test_tokens), y_test=test_labels[t_idx].astype("float32"),
        test_lengths=np.array([len(test_tokens[i]) for i in t_idx]),
        vocab_size=vocab.size, length=length)


# --- Runs --------------------------------------------------------------------------------

def bucket_counts(lengths: np.ndarray, correct: np.ndarray, buckets=LENGTH_BUCKETS) -> list[dict]:
    """Per length bucket ``(lo, hi]``: how many reviews, how many classified right."""
    lengths, correct = np.asarray(lengths), np.asarray(correct, dtype=bool)
    if lengths.shape != correct.shape:
        raise UsageError("lengths and correct must have the same shape")
    out = []
    for lo, hi in buckets:
        sel = (lengths > lo) & (lengths <= hi)
        out.append({"lo": int(lo), "hi": int(hi), "n": int(sel.sum()), "correct": int(correct[sel].sum())})
    return out


def run_one(spec: RunSpec, budget: GridBudget, verbose: int = 0) -> dict:
    """Train and score one run; a JSON-ready record."""
    import keras

    from .. import training

    t0 = time.perf_counter()
    data = prepare_run_data(spec, budget)
    prep_seconds = time.perf_counter() - t0
    keras.utils.set_random_seed(spec.seed)
    model = models.build_classifier(spec.layer, budget.network, vocab_size=data.vocab_size, readout=spec.readout)
    prepared = training.PreparedData(None, data.x_train, data.y_train, data.x_val, data.y_val)
    t1 = time.perf_counter()
    fit = training.fit(model, *prepared.batches(budget.batch_size, spec.seed), epochs=budget.epochs,
                       patience=budget.patience, verbose=verbose)
    train_seconds = time.perf_counter() - t1
    test = training.evaluate(model, data.x_test, data.y_test)
    correct = (np.asarray(test["probabilities"]) >= 0.5) == (data.y_test == 1)
    return {
        **spec.to_dict(), "key": spec.key, "cell": spec.cell,
        "test_accuracy": float(test["accuracy"]),
        "best_val_accuracy": float(fit.best_val_accuracy),
        "best_epoch": int(fit.best_epoch), "epochs_run": int(fit.epochs_run),
        "stopped_early": bool(fit.epochs_run < budget.epochs),
        "val_accuracy": [round(v, 4) for v in fit.history.get("val_accuracy", [])],
        "train_seconds": round(train_seconds, 1), "prep_seconds": round(prep_seconds, 1),
        "seconds_per_epoch": round(fit.seconds_per_epoch, 2),
        "n_train": int(len(data.y_train)), "n_val": int(len(data.y_val)), "n_test": int(len(data.y_test)),
        "vocab_size": int(data.vocab_size), "length": int(data.length),
        "length_buckets": bucket_counts(data.test_lengths, correct),
    }


def load_results(path) -> dict:
    """Read a grid file; raise a clear error when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no grid results at {path}; run python benchmarks/bench_readout_grid.py")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UsageError(f"{path} is not valid JSON ({exc}); delete it and re-run the benchmark") from None
    if payload.get("format") != FORMAT or not isinstance(payload.get("runs"), list):
        raise UsageError(f"{path} is not a readout-grid file (format {payload.get('format')!r})")
    return payload


def _write(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with paths.atomic_write(path, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=1, sort_keys=True)


def run_grid(specs: Iterable[RunSpec], budget: GridBudget, path=None, verbose: bool = True) -> dict:
    """Run every spec not yet in ``path`` (rewritten after each run); a file of another budget is refused."""
    payload = {"format": FORMAT, "format_version": 1, "budget": budget.to_dict(), "runs": [],
               "environment": {}}
    if path is not None:
        path = Path(path)
        if path.is_file():
            old = load_results(path)
            if GridBudget.from_dict(old["budget"]) != budget:
                raise UsageError(f"{path} holds runs with another budget; move it away to start a new grid")
            payload = old
    done = {r["key"] for r in payload["runs"]}
    env = environment.environment(seed=0)
    payload["environment"] = {"cpu_count": os.cpu_count(), "tensorflow": env.tensorflow,
                              "keras": env.keras, "device": env.device}
    specs = list(specs)
    t_all = time.perf_counter()
    for i, spec in enumerate(specs, 1):
        if spec.key in done:
            continue
        record = run_one(spec, budget)
        payload["runs"].append(record)
        done.add(spec.key)
        if path is not None:
            _write(path, payload)
        if verbose:
            print(f"[{i}/{len(specs)}] {spec.key}: test {record['test_accuracy']:.4f}, val "
                  f"{record['best_val_accuracy']:.4f}, best epoch {record['best_epoch']}/{record['epochs_run']} "
                  f"({record['train_seconds']:.0f} s; {time.perf_counter() - t_all:.0f} s so far)", flush=True)
    return payload


# --- Summaries ---------------------------------------------------------------------------

def summarise(runs: Sequence[dict], metric: str = "test_accuracy") -> dict:
    """Per cell (runs that differ only by seed): mean, sample std, n, seeds, values."""
    cells: dict = {}
    for r in runs:
        cells.setdefault(r["cell"], []).append(r)
    out = {}
    for cell, rs in cells.items():
        values = np.array([r[metric] for r in rs], dtype=float)
        out[cell] = {"mean": float(values.mean()), "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
                     "n": int(len(values)), "seeds": sorted(int(r["seed"]) for r in rs),
                     "values": [float(v) for v in values],
                     "group": rs[0]["group"], "layer": rs[0]["layer"], "readout": rs[0]["readout"],
                     "tokens": rs[0]["tokens"], "remove_stopwords": bool(rs[0]["remove_stopwords"])}
    return out


def cell_name(group: str, layer: str, readout: str, tokens: str = "words", remove_stopwords: bool = False) -> str:
    """The cell key :func:`summarise` uses for these settings."""
    return RunSpec(group, layer, readout, tokens, remove_stopwords).cell


def bucket_accuracy(runs: Sequence[dict]) -> list[dict]:
    """Accuracy per length bucket over ``runs`` (one cell's seeds): mean, std, per-seed ``values`` and
    ``examples`` for ``stats.compare(..., same_examples=False)`` (two buckets hold different reviews)."""
    if not runs:
        return []
    out = []
    for j, b in enumerate(runs[0]["length_buckets"]):
        counts = [(r["length_buckets"][j]["correct"], r["length_buckets"][j]["n"]) for r in runs]
        per_seed = [right / n for right, n in counts if n]
        # The file keeps counts, not which reviews were right: one row of 1s and 0s per seed
        # with that count is what stats.compare(..., same_examples=False) needs for the sampling noise.
        examples = [np.r_[np.ones(right), np.zeros(n - right)] for right, n in counts if n]
        out.append({"lo": b["lo"], "hi": b["hi"], "n": b["n"],
                    "mean": float(np.mean(per_seed)) if per_seed else float("nan"),
                    "std": float(np.std(per_seed, ddof=1)) if len(per_seed) > 1 else 0.0,
                    "values": [float(v) for v in per_seed], "examples": examples})
    return out
