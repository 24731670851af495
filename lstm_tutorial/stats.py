"""How much of a result is the model and how much is luck: the course's statistics.

Two kinds of noise hide in one test accuracy: the test sample (:func:`accuracy_interval`,
:func:`paired_difference_interval`) and the training run (:func:`train_seeds`,
:func:`summarise_seeds`). :func:`compare` adds both up and is the one place that decides
whether two models really differ: every "better", "worse" or "within noise" in the notebooks comes from it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import UsageError

__all__ = ["accuracy_interval", "summarise_seeds", "train_seeds", "format_interval",
           "paired_difference_interval", "compare", "Comparison"]


def accuracy_interval(accuracy: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of an accuracy on ``n`` examples: unlike ``p +- z sqrt(p(1-p)/n)``, inside [0, 1]."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise UsageError(f"an interval needs at least one example, not n={n!r}")
    if not 0.0 <= accuracy <= 1.0:
        raise UsageError(f"an accuracy is between 0 and 1, not {accuracy}")
    if not 0.0 < confidence < 1.0:
        raise UsageError(f"confidence is between 0 and 1 (e.g. 0.95), not {confidence}")
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p, n = float(accuracy), int(n)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def format_interval(accuracy: float, n: int, confidence: float = 0.95) -> str:
    """``"95% interval 0.8963-0.9037"`` for an accuracy on ``n`` examples."""
    low, high = accuracy_interval(accuracy, n, confidence)
    return f"{confidence:.0%} interval {low:.4f}-{high:.4f}"


def _bootstrap_means(values: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """The mean of ``values`` resampled with replacement ``n_boot`` times."""
    rng = np.random.default_rng(seed)
    # Resample in chunks: 2,000 x 25,000 indices at once would need 400 MB.
    return np.concatenate([values[rng.integers(0, values.size, size=(min(200, n_boot - i), values.size))].mean(axis=1)
                           for i in range(0, n_boot, 200)])


def paired_difference_interval(correct_a, correct_b, confidence: float = 0.95,
                               n_boot: int = 2000, seed: int = 0) -> dict:
    """Accuracy of A minus B on the same reviews (right/wrong per review), with a paired bootstrap interval.

    Reviews both models get right or wrong cancel, so the interval is narrower than for two
    independent accuracies. Returns ``{"difference", "low", "high", "std"}``.
    """
    a = np.asarray(correct_a, dtype=np.float64).reshape(-1)
    b = np.asarray(correct_b, dtype=np.float64).reshape(-1)
    if a.size == 0 or a.shape != b.shape:
        raise UsageError(f"need the same non-empty set of reviews for both models ({a.size} and {b.size})")
    if not 0.0 < confidence < 1.0:
        raise UsageError(f"confidence is between 0 and 1 (e.g. 0.95), not {confidence}")
    d = a - b
    means = _bootstrap_means(d, n_boot, seed)
    tail = (1 - confidence) / 2
    return {"difference": float(d.mean()), "low": float(np.quantile(means, tail)),
            "high": float(np.quantile(means, 1 - tail)), "std": float(means.std(ddof=1))}


def summarise_seeds(values: Sequence[float]) -> dict:
    """Mean, std (ddof=1; 0.0 for one seed), min, max, n and a ``text`` line of per-seed scores."""
    arr = np.asarray([float(v) for v in values], dtype=np.float64)
    if arr.size == 0:
        raise UsageError("summarise_seeds() needs at least one value")
    if not np.all(np.isfinite(arr)):
        raise UsageError(f"every per-seed value must be a number, got {list(values)}")
    std = float(arr.std(ddof=1)) if arr.size > 1 else 0.0
    mean = float(arr.mean())
    text = (f"{mean:.4f} +- {std:.4f} ({arr.size} seeds, {arr.min():.4f}-{arr.max():.4f})"
            if arr.size > 1 else f"{mean:.4f} (1 seed)")
    return {"mean": mean, "std": std, "min": float(arr.min()), "max": float(arr.max()),
            "n": int(arr.size), "text": text}


@dataclass(frozen=True)
class Comparison:
    """The verdict of :func:`compare` on "A minus B" (in the metric's own units)."""

    difference: float      # mean over A's seeds minus mean over B's seeds
    low: float             # the interval of the difference (95 % unless asked otherwise)
    high: float
    seed_se: float         # standard error of the difference from the seeds' spread
    sample_se: float       # ... from the test sample (paired bootstrap); 0 when not measured
    n_seeds: tuple         # (seeds of A, seeds of B)
    higher_is_better: bool
    sample_measured: bool  # whether per-example scores were given

    @property
    def real(self) -> bool:
        """True when the interval excludes zero (and both sides have two seeds or more)."""
        return bool(min(self.n_seeds) >= 2 and (self.low > 0 or self.high < 0))

    @property
    def a_better(self) -> bool:
        return self.real and ((self.difference > 0) == self.higher_is_better)

    def verdict(self, better: str = "better", worse: str = "worse", same: str = "within noise") -> str:
        """One word for a sentence: ``better``/``worse`` (A against B) or ``within noise``."""
        if not self.real:
            return same
        return better if self.a_better else worse

    def __str__(self) -> str:
        noise = "seeds + test sample" if self.sample_measured else "seeds only"
        return (f"{self.difference:+.4f} (95% interval {self.low:+.4f} to {self.high:+.4f}, "
                f"{noise}, {self.n_seeds[0]} vs {self.n_seeds[1]} seeds): {self.verdict()}")


def _bootstrap_se(scores: np.ndarray, n_boot: int, seed: int) -> float:
    """Standard deviation of the mean of ``scores`` over ``n_boot`` resamples with replacement."""
    if scores.size == 0:
        raise UsageError("need at least one example per model")
    return float(_bootstrap_means(scores, n_boot, seed).std(ddof=1))


def _sample_se(a_examples, b_examples, paired: bool, sample_se, confidence, n_boot, seed):
    """The test-sample part of the standard error and whether it was measured at all."""
    if (a_examples is None) != (b_examples is None):
        raise UsageError("give the per-example scores of both models, or of neither")
    if a_examples is not None and sample_se is not None:
        raise UsageError("give the per-example scores or sample_se, not both")
    if a_examples is not None:
        ea = np.atleast_2d(np.asarray(a_examples, dtype=np.float64)).mean(axis=0)
        eb = np.atleast_2d(np.asarray(b_examples, dtype=np.float64)).mean(axis=0)
        if paired:
            return paired_difference_interval(ea, eb, confidence, n_boot, seed)["std"], True
        # different examples: nothing to pair, each mean has its own sampling noise
        return math.hypot(_bootstrap_se(ea, n_boot, seed), _bootstrap_se(eb, n_boot, seed + 1)), True
    if sample_se is None:
        return 0.0, False
    if not (math.isfinite(sample_se) and sample_se >= 0):
        raise UsageError(f"sample_se is a standard error (0 or more), not {sample_se}")
    return sample_se, True


def compare(a_seeds: Sequence[float], b_seeds: Sequence[float], *, a_examples=None, b_examples=None,
            paired: bool = True, sample_se: float | None = None, higher_is_better: bool = True,
            confidence: float = 0.95,
            n_boot: int = 2000, seed: int = 0) -> Comparison:
    """Whether model A really differs from model B: the one rule of this course.

    ``a_seeds``/``b_seeds`` are each model's score per training seed; optional
    ``a_examples``/``b_examples`` its per-example scores on the *same* test examples (one row
    per seed, or one row). The standard error adds the seeds' spread
    (``sqrt(s_a**2 / n_a + s_b**2 / n_b)``) and the test sample's (a paired bootstrap; with
    ``paired=False`` for different examples, two separate ones; or ``sample_se`` measured
    elsewhere). The interval is ``difference +- t * se`` with Student's t on ``n_a + n_b - 2``
    degrees of freedom, so few seeds give a wide interval; one seed can never be real.
    """
    a = np.asarray([float(v) for v in a_seeds], dtype=np.float64)
    b = np.asarray([float(v) for v in b_seeds], dtype=np.float64)
    if a.size == 0 or b.size == 0:
        raise UsageError("compare() needs at least one score per model")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise UsageError(f"every per-seed score must be a number, got {list(a)} and {list(b)}")
    if not 0.0 < confidence < 1.0:
        raise UsageError(f"confidence is between 0 and 1 (e.g. 0.95), not {confidence}")
    var_a = a.var(ddof=1) if a.size > 1 else 0.0
    var_b = b.var(ddof=1) if b.size > 1 else 0.0
    seed_se = math.sqrt(var_a / a.size + var_b / b.size)
    sample_se, measured = _sample_se(a_examples, b_examples, paired, sample_se, confidence, n_boot, seed)
    sample_se = float(sample_se)
    from scipy.stats import t as student_t

    dof = max(a.size + b.size - 2, 1)
    half = float(student_t.ppf(0.5 + confidence / 2, dof)) * math.sqrt(seed_se ** 2 + sample_se ** 2)
    diff = float(a.mean() - b.mean())
    return Comparison(diff, diff - half, diff + half, float(seed_se), float(sample_se),
                      (int(a.size), int(b.size)), bool(higher_is_better), measured)


def train_seeds(config, seeds: Sequence[int], out_dir=None, verbose: bool = True) -> dict:
    """Train ``config`` once per seed into ``out_dir/seeds/seed-N``; save the best on validation as ``out_dir``.

    Returns ``{"runs", "summary" (of test accuracies), "best_seed", "out_dir"}``.
    """
    from . import training

    seeds = [int(s) for s in seeds]
    if not seeds:
        raise UsageError("give at least one seed, e.g. --seeds 0 1 2")
    if len(set(seeds)) != len(seeds):
        raise UsageError(f"each seed once, please (got {seeds})")
    out = Path(out_dir) if out_dir else training.default_model_dir(config.model)
    say = print if verbose else (lambda *a, **k: None)
    runs = []
    for k, seed in enumerate(seeds, start=1):
        say(f"=== seed {seed} ({k} of {len(seeds)}) ===")
        folder = out / "seeds" / f"seed-{seed}"
        result = training.train_model(replace(config, seed=seed), out_dir=folder, verbose=verbose)
        m = result["metrics"]
        runs.append({"seed": seed, "test_accuracy": float(m["test_accuracy"]),
                     "val_accuracy": float(m["best_val_accuracy"]), "test_count": int(m["test_count"]),
                     "seconds": float(m["total_seconds"]), "out_dir": str(folder)})
    summary = summarise_seeds([r["test_accuracy"] for r in runs])
    best = max(runs, key=lambda r: r["val_accuracy"])  # validation only: the test set chooses nothing
    clf = training.Classifier.load(best["out_dir"])
    metrics = {**clf.metrics, "seeds": runs, "seed_summary": {k: v for k, v in summary.items()},
               "chosen_seed": best["seed"], "chosen_by": "validation accuracy"}
    training.save_classifier(out, clf.model, clf.vocab, clf.config, metrics)
    say("")
    say("| seed | validation accuracy | test accuracy | 95% interval | minutes |")
    say("|---:|---:|---:|---|---:|")
    for r in runs:
        low, high = accuracy_interval(r["test_accuracy"], r["test_count"])
        say(f"| {r['seed']} | {r['val_accuracy']:.4f} | {r['test_accuracy']:.4f} | {low:.4f}-{high:.4f} "
            f"| {r['seconds'] / 60:.1f} |")
    say(f"test accuracy over seeds: {summary['text']}")
    say(f"saved the best on validation (seed {best['seed']}) to {out}")
    return {"runs": runs, "summary": summary, "best_seed": best["seed"], "out_dir": str(out)}
