"""How much of a result is the model and how much is luck: the course's statistics.

Two noises hide in one test accuracy: the test sample (:func:`accuracy_interval`) and the
training run (:func:`summarise_seeds`). :func:`compare` adds both up and is the one place that
decides whether two models really differ; :func:`holm` adjusts many verdicts at once. The
statistics are SciPy's and statsmodels'; this module keeps the books (which noise, which df).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import numpy as np

from .io.errors import UsageError

__all__ = ["accuracy_interval", "summarise_seeds", "paired_difference_interval", "compare", "Comparison", "holm"]


def accuracy_interval(accuracy: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of an accuracy on ``n`` examples: unlike ``p +- z sqrt(p(1-p)/n)``, inside [0, 1].

    Computed by ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise UsageError(f"an interval needs at least one example, not n={n!r}")
    if not 0.0 <= accuracy <= 1.0:
        raise UsageError(f"an accuracy is between 0 and 1, not {accuracy}")
    _check_confidence(confidence)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(float(accuracy) * int(n), int(n), alpha=1 - confidence, method="wilson")
    return max(0.0, float(low)), min(1.0, float(high))


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise UsageError(f"confidence is between 0 and 1 (e.g. 0.95), not {confidence}")


def paired_difference_interval(correct_a, correct_b, confidence: float = 0.95,
                               n_boot: int = 2000, seed: int = 0) -> dict:
    """Mean of A minus B on the same examples (e.g. right/wrong per review), with its interval:
    :func:`compare` for two fixed models, so only the test sample's noise counts (a paired
    bootstrap). Returns ``{"difference", "low", "high", "std"}`` (``std``: its standard error)."""
    a = np.asarray(correct_a, dtype=np.float64).reshape(-1)
    b = np.asarray(correct_b, dtype=np.float64).reshape(-1)
    if a.size == 0 or a.shape != b.shape:
        raise UsageError(f"need the same non-empty set of examples for both models ({a.size} and {b.size})")
    c = compare(float(a.mean()), float(b.mean()), a_examples=a, b_examples=b, same_examples=True,
                confidence=confidence, n_boot=n_boot, seed=seed)
    return {"difference": c.difference, "low": c.low, "high": c.high, "std": c.sample_se}


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


#: The designs :func:`compare` knows, as :attr:`Comparison.design` names them.
WELCH, PAIRED_SEEDS, FIXED_BASELINE, TWO_FIXED = ("Welch", "paired seeds", "against a fixed baseline",
                                                  "two fixed models")


@dataclass(frozen=True)
class Comparison:
    """The verdict of :func:`compare` on "A minus B" (in the metric's own units)."""

    difference: float      # mean over A's seeds minus mean over B's seeds
    low: float             # the interval of the difference (95 % unless asked otherwise)
    high: float
    seed_se: float         # standard error of the difference from the seeds' spread
    sample_se: float       # ... from the test sample (bootstrap, or given); 0 when not measured
    n_seeds: tuple         # (seeds of A, seeds of B); 0 for a fixed model given as one number
    higher_is_better: bool
    sample_measured: bool  # whether per-example scores (or sample_se) were given
    dof: float = math.nan  # degrees of freedom of the t (Welch-Satterthwaite; inf: normal); nan: no test
    p_value: float = math.nan  # two-sided, from the t with ``dof``; nan when no test was possible
    design: str = WELCH    # "Welch", "paired seeds", "against a fixed baseline" or "two fixed models"
    confidence: float = 0.95
    note: str = ""         # why no verdict was possible (then ``real`` is False), else ""
    p_adjusted: float | None = None  # set by holm(): the verdict then uses it
    adjust_method: str | None = None

    @property
    def noise(self) -> str:
        """Which noise the interval holds: seeds + test sample, seeds only, test sample only."""
        seeds = (self.n_seeds[0] >= 2 if self.design == PAIRED_SEEDS
                 else any(n >= 2 for n in self.n_seeds))
        if seeds and self.sample_measured:
            return "seeds + test sample"
        if seeds:
            return "seeds only"
        return "test sample only" if self.sample_measured else "no noise measured"

    @property
    def real(self) -> bool:
        """True when the interval excludes zero (after :func:`holm`: when the adjusted p-value is below 1 - confidence).

        Never real when no noise could be measured (``note`` says why): an arm of one seed
        without test-sample noise, or a standard error of 0.
        """
        if self.note or not (self.seed_se > 0 or self.sample_se > 0):
            return False
        if self.p_adjusted is not None:
            return bool(self.p_adjusted < 1 - self.confidence)
        return bool(self.low > 0 or self.high < 0)

    @property
    def a_better(self) -> bool:
        return self.real and ((self.difference > 0) == self.higher_is_better)

    def verdict(self, better: str = "better", worse: str = "worse", same: str = "within noise") -> str:
        """One word for a sentence: ``better``/``worse`` (A against B) or ``within noise``."""
        if not self.real:
            return same
        return better if self.a_better else worse

    def __str__(self) -> str:
        na, nb = self.n_seeds
        seeds = {PAIRED_SEEDS: f"{na} seeds each", FIXED_BASELINE: f"{max(na, nb)} seed{'s' * (max(na, nb) != 1)}",
                 TWO_FIXED: "no seeds"}.get(self.design, f"{na} vs {nb} seeds")
        test = f"df {self.dof:.1f}" if math.isfinite(self.dof) else ("normal" if self.dof == math.inf else "no test")
        p = f"p = {self.p_value:.2g}" if math.isfinite(self.p_value) else "p undefined"
        if self.p_adjusted is not None:
            p += f", {self.adjust_method}-adjusted {self.p_adjusted:.2g}"
        why = f" ({self.note})" if self.note else ""
        return (f"{self.difference:+.4f} ({self.confidence:.0%} interval {self.low:+.4f} to {self.high:+.4f}, "
                f"{self.design}, {self.noise}, {seeds}, {test}, {p}): {self.verdict()}{why}")


def _diff_of_means(x, y, axis=-1):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def _bootstrap_se(ea: np.ndarray, eb: np.ndarray, same_examples: bool, n_boot: int, seed: int) -> float:
    """Bootstrap standard error of ``mean(ea) - mean(eb)``: resampling the examples together
    (``same_examples``) or each model's separately.

    ``scipy.stats.bootstrap`` (percentile method: the standard error does not depend on the
    method, and BCa would add a jackknife over all the examples). Timed on IMDB's size,
    25,000 examples x 2,000 resamples: under a second with ``batch=200`` (about four times
    longer without: the whole 2,000 x 25,000 index array at once), about twice the time of
    the hand-written vectorised resampler it replaces. Fast enough, so the library's.
    """
    from scipy.stats import bootstrap

    if min(ea.size, eb.size) < 2:
        raise UsageError("the test-sample noise needs at least two examples per model")
    if n_boot < 2:
        raise UsageError(f"n_boot is a number of bootstrap resamples (e.g. 2000), not {n_boot}")
    res = bootstrap((ea, eb), _diff_of_means, paired=same_examples, vectorized=True, n_resamples=int(n_boot),
                    batch=200, method="percentile", rng=np.random.default_rng(seed))
    return float(res.standard_error)


def _sample_se(a_examples, b_examples, same_examples: bool, sample_se, n_boot, seed):
    """The test-sample part of the standard error and whether it was measured at all."""
    if (a_examples is None) != (b_examples is None):
        raise UsageError("give the per-example scores of both models, or of neither")
    if a_examples is not None and sample_se is not None:
        raise UsageError("give the per-example scores or sample_se, not both")
    if a_examples is not None:
        # one row per seed (or one row): the per-example score averaged over seeds
        ea = np.atleast_2d(np.asarray(a_examples, dtype=np.float64)).mean(axis=0)
        eb = np.atleast_2d(np.asarray(b_examples, dtype=np.float64)).mean(axis=0)
        if not (np.all(np.isfinite(ea)) and np.all(np.isfinite(eb))):
            raise UsageError("every per-example score must be a number")
        if same_examples and ea.shape != eb.shape:
            raise UsageError(f"same_examples=True needs the scores of both models on the same examples "
                             f"({ea.size} and {eb.size}); for different examples pass same_examples=False")
        return _bootstrap_se(ea, eb, same_examples, n_boot, seed), True
    if sample_se is None:
        return 0.0, False
    if not (math.isfinite(sample_se) and sample_se >= 0):
        raise UsageError(f"sample_se is a standard error (0 or more), not {sample_se}")
    return float(sample_se), True


def _arm(values, name: str) -> tuple[np.ndarray, bool]:
    """Per-seed scores as an array, and whether they are one fixed number (a deterministic model)."""
    fixed = isinstance(values, numbers.Real) or (isinstance(values, np.ndarray) and values.ndim == 0)
    try:
        arr = np.asarray([float(values)] if fixed else [float(v) for v in values], dtype=np.float64)
    except (TypeError, ValueError):
        raise UsageError(f"{name} is a list of per-seed scores or one number, not {values!r}") from None
    if arr.size == 0:
        raise UsageError("compare() needs at least one score per model")
    if not np.all(np.isfinite(arr)):
        raise UsageError(f"every per-seed score must be a number, got {list(arr)} for {name}")
    return arr, bool(fixed)


def _check_arms(a, a_fixed, b, b_fixed, same_seeds: bool) -> None:
    """Refuse designs the rule cannot read: unpaired seeds with ``same_seeds``, copies of one number."""
    if same_seeds:
        if a_fixed or b_fixed:
            raise UsageError("same_seeds=True pairs per-seed scores: give both models' scores per seed, "
                             "or a fixed baseline as one number without same_seeds")
        if a.size != b.size:
            raise UsageError(f"same_seeds=True needs the same seeds for both models, in the same order "
                             f"({a.size} and {b.size} scores)")
        return
    for name, arr, fixed in (("a_seeds", a, a_fixed), ("b_seeds", b, b_fixed)):
        if not fixed and arr.size >= 2 and np.all(arr == arr[0]):
            raise UsageError(
                f"{name} holds {arr.size} identical scores ({arr[0]!r}): a deterministic model is one number, "
                f"not copies. Pass {name}={float(arr[0])!r} instead: copies invent seed degrees of freedom "
                f"(and if these are seeds that tied, the number gives the same interval)")


def _seed_components(a, a_fixed, b, b_fixed, same_seeds: bool) -> tuple[list, bool]:
    """The seeds' variance components ``(s**2 / n, n - 1)``, and whether an arm has one seed only."""
    if same_seeds:
        d = a - b
        return ([(float(d.var(ddof=1)) / d.size, d.size - 1)] if d.size >= 2 else []), d.size == 1
    arms = [(x, fixed) for x, fixed in ((a, a_fixed), (b, b_fixed)) if not fixed]
    return ([(float(x.var(ddof=1)) / x.size, x.size - 1) for x, _ in arms if x.size >= 2],
            any(x.size == 1 for x, _ in arms))


def compare(a_seeds: Sequence[float] | float, b_seeds: Sequence[float] | float, *, a_examples=None,
            b_examples=None, same_examples: bool = True, same_seeds: bool = False,
            sample_se: float | None = None, higher_is_better: bool = True, confidence: float = 0.95,
            n_boot: int = 2000, seed: int = 0) -> Comparison:
    """Whether model A really differs from model B: the one rule of this course.

    ``a_seeds``/``b_seeds``: each model's score per training seed, or **one number** for a
    deterministic model (never ``[x] * n``: exact copies raise). The design is Welch's for two
    seeded models (Welch-Satterthwaite df, as ``scipy.stats.ttest_ind(equal_var=False)``), the
    per-seed differences with ``same_seeds=True`` (``ttest_rel``), or one sample against a
    fixed baseline (``ttest_1samp``). The test sample's noise is added from per-example scores
    (``a_examples``/``b_examples``; a bootstrap, paired when ``same_examples``) or a given
    ``sample_se``, as a term with infinite df; the total df are Satterthwaite's. With 2-3 seeds
    and such a term the 95 % interval covers about 87-94 % (``benchmarks/bench_stats_coverage.py``).
    Real means the interval excludes zero; a one-seed arm without test-sample noise never is.
    """
    a, a_fixed = _arm(a_seeds, "a_seeds")
    b, b_fixed = _arm(b_seeds, "b_seeds")
    _check_confidence(confidence)
    _check_arms(a, a_fixed, b, b_fixed, same_seeds)
    components, one_seed = _seed_components(a, a_fixed, b, b_fixed, same_seeds)
    seed_se = math.sqrt(sum(v for v, _ in components))
    s_se, measured = _sample_se(a_examples, b_examples, same_examples, sample_se, n_boot, seed)
    if s_se > 0:
        components.append((s_se ** 2, math.inf))
    design = (PAIRED_SEEDS if same_seeds else TWO_FIXED if a_fixed and b_fixed
              else FIXED_BASELINE if a_fixed or b_fixed else WELCH)
    diff = float(a.mean() - b.mean())
    common = dict(seed_se=seed_se, sample_se=s_se, n_seeds=(0 if a_fixed else int(a.size), 0 if b_fixed else int(b.size)),
                  higher_is_better=bool(higher_is_better), sample_measured=measured, design=design,
                  confidence=float(confidence))
    if one_seed and s_se == 0:
        return Comparison(diff, -math.inf, math.inf, note="one seed and no test-sample noise: "
                          "its seed spread is unknown", **common)
    variance = sum(v for v, _ in components)
    if variance == 0:
        return Comparison(diff, diff, diff, note="no noise measured: the standard error is 0", **common)
    # Satterthwaite: the test sample's term (df inf) adds nothing to the denominator
    denominator = sum(v * v / df for v, df in components if math.isfinite(df))
    dof = variance ** 2 / denominator if denominator > 0 else math.inf
    from scipy.stats import t as student_t

    se = math.sqrt(variance)
    half = float(student_t.ppf(0.5 + confidence / 2, dof)) * se
    p_value = float(2 * student_t.sf(abs(diff) / se, dof))
    return Comparison(diff, diff - half, diff + half, dof=float(dof), p_value=p_value, **common)


def holm(comparisons):
    """The same comparisons with p-values adjusted by Holm's step-down method, for making many
    verdicts at once: the family-wise error stays at 1 - confidence.

    ``statsmodels.stats.multitest.multipletests`` on the comparisons' p-values (a comparison
    without one, see :attr:`Comparison.note`, counts as p = 1: it is one of the verdicts
    made, and never real). Each comes back with ``p_adjusted`` set, and its ``real`` then
    means "adjusted p below 1 - confidence"; the intervals stay the per-comparison ones.
    Takes a list (returns a list) or a dict of name -> Comparison (returns a dict).
    """
    from statsmodels.stats.multitest import multipletests

    keys = list(comparisons) if isinstance(comparisons, Mapping) else None
    items = [comparisons[k] for k in keys] if keys is not None else list(comparisons)
    if not all(isinstance(c, Comparison) for c in items):
        raise UsageError("holm() takes the Comparison objects that compare() returns")
    if not items:
        return {} if keys is not None else []
    levels = {c.confidence for c in items}
    if len(levels) > 1:
        raise UsageError(f"the comparisons use different confidence levels ({sorted(levels)}): adjust them separately")
    p = [c.p_value if math.isfinite(c.p_value) else 1.0 for c in items]
    _, p_adj, _, _ = multipletests(p, alpha=1 - levels.pop(), method="holm")
    out = [replace(c, p_adjusted=float(q), adjust_method="holm") for c, q in zip(items, p_adj)]
    return dict(zip(keys, out)) if keys is not None else out
