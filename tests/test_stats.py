"""stats.py: the Wilson interval against known answers, the seed summary, the one rule for
"a real difference" (compare) against SciPy's own t-tests, closed forms and simulation (its
95 % intervals cover the true difference 95 % of the time, where the rule before issue 25,
kept here as ``old_rule``, did not) and Holm's adjustment."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats

from lstm_tutorial import stats
from lstm_tutorial.io.errors import UsageError


# ----------------------------------------------------------------------------- interval
@pytest.mark.parametrize("accuracy, n, low, high", [
    (0.5, 100, 0.4038, 0.5962),   # textbook Wilson interval for 50 of 100
    (0.0, 10, 0.0, 0.2775),       # no success in 10: the upper bound is not 0
    (1.0, 10, 0.7225, 1.0),       # mirror image
    (0.8, 50, 0.6696, 0.8876),    # 40 of 50
])
def test_wilson_interval_matches_known_answers(accuracy, n, low, high):
    got = stats.accuracy_interval(accuracy, n)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_interval_on_the_imdb_test_set_is_about_four_tenths_of_a_point():
    low, high = stats.accuracy_interval(0.90, 25_000)
    assert low < 0.90 < high
    # normal approximation: 1.96 * sqrt(0.9 * 0.1 / 25000) = 0.00372
    assert (high - low) / 2 == pytest.approx(1.96 * math.sqrt(0.09 / 25_000), rel=0.01)
    # a wider confidence gives a wider interval; more reviews a narrower one
    low99, high99 = stats.accuracy_interval(0.90, 25_000, confidence=0.99)
    assert low99 < low and high99 > high
    low_small, high_small = stats.accuracy_interval(0.90, 2_500)
    assert high_small - low_small > 3 * (high - low)


@pytest.mark.parametrize("args", [(0.5, 0), (1.5, 10), (-0.1, 10), (0.5, 10, 1.0)])
def test_interval_rejects_nonsense(args):
    with pytest.raises(UsageError):
        stats.accuracy_interval(*args)


# ----------------------------------------------------------------------------- summary
def test_summarise_seeds_gives_mean_and_sample_std():
    values = [0.9004, 0.9031, 0.8996]
    s = stats.summarise_seeds(values)
    assert s["mean"] == pytest.approx(np.mean(values))
    assert s["std"] == pytest.approx(np.std(values, ddof=1))  # n - 1: three seeds are a sample
    assert s["std"] == pytest.approx(0.001834, abs=1e-6)
    assert (s["min"], s["max"], s["n"]) == (0.8996, 0.9031, 3)
    assert s["text"] == "0.9010 +- 0.0018 (3 seeds, 0.8996-0.9031)"


def test_summarise_one_seed_has_no_spread_and_says_so():
    s = stats.summarise_seeds([0.88])
    assert s["std"] == 0.0 and s["text"] == "0.8800 (1 seed)"


def test_summarise_rejects_empty_and_nan():
    with pytest.raises(UsageError):
        stats.summarise_seeds([])
    with pytest.raises(UsageError):
        stats.summarise_seeds([0.9, float("nan")])


def test_paired_difference_interval_matches_the_closed_form_standard_error():
    # 25,000 reviews, models that disagree on 4 %: the standard error of the mean
    # difference is sqrt(var(d) / n), and the bootstrap must find about that.
    rng = np.random.default_rng(0)
    n = 25_000
    a = rng.uniform(size=n) < 0.90
    b = a.copy()
    flip = rng.uniform(size=n) < 0.04
    b[flip] = ~b[flip]
    d = a.astype(float) - b.astype(float)
    se = d.std(ddof=1) / np.sqrt(n)
    out = stats.paired_difference_interval(a, b, n_boot=2000, seed=1)
    assert out["difference"] == pytest.approx(d.mean())
    assert out["std"] == pytest.approx(se, rel=0.1)
    assert out["low"] < out["difference"] < out["high"]
    assert out["high"] - out["low"] == pytest.approx(2 * 1.96 * se, rel=0.15)
    # narrower than the difference of two independent accuracies (sqrt(2) times one
    # accuracy's interval, about +-0.53 points here): agreeing reviews cancel
    low, high = stats.accuracy_interval(a.mean(), n)
    assert out["high"] - out["low"] < 0.8 * np.sqrt(2) * (high - low)


def test_paired_difference_interval_excludes_zero_only_for_a_real_difference():
    rng = np.random.default_rng(2)
    a = rng.uniform(size=5000) < 0.9
    better = a | (rng.uniform(size=5000) < 0.3)      # right wherever a is, and more
    assert stats.paired_difference_interval(better, a)["low"] > 0
    same = stats.paired_difference_interval(a, a)
    assert same["low"] == same["high"] == 0.0
    with pytest.raises(UsageError):
        stats.paired_difference_interval([1, 0], [1])


# ------------------------------------------------------------------ the one rule: compare()
def test_compare_without_examples_is_the_t_interval_of_two_seed_means():
    """Closed form: difference +- t(0.975, df) * sqrt(s_a^2/n_a + s_b^2/n_b), Welch-Satterthwaite df,
    which is n_a + n_b - 2 = 4 here because both spreads and both sizes are equal."""
    a, b = [0.90, 0.91, 0.905], [0.87, 0.88, 0.875]
    c = stats.compare(a, b)
    se = np.sqrt(np.var(a, ddof=1) / 3 + np.var(b, ddof=1) / 3)
    t_975_4 = 2.7764451051977987  # Student's t, 4 degrees of freedom, from tables
    assert c.difference == pytest.approx(np.mean(a) - np.mean(b))
    assert c.dof == pytest.approx(4.0, rel=1e-12)
    assert c.high - c.difference == pytest.approx(t_975_4 * se, rel=1e-9)
    assert c.seed_se == pytest.approx(se) and c.sample_se == 0.0 and not c.sample_measured
    assert c.real and c.verdict() == "better" and "seeds only" in str(c) and "Welch" in str(c)
    assert stats.compare(b, a).verdict() == "worse"


def test_compare_with_unequal_spreads_uses_welch_satterthwaite_df():
    """Spreads 1:12, 3 and 5 seeds: df from Welch-Satterthwaite (about 2, the wide arm's n - 1),
    not the pooled n_a + n_b - 2 = 6 of the old rule."""
    a, b = [0.70, 0.85, 0.95], [0.80, 0.81, 0.795, 0.805, 0.80]
    c = stats.compare(a, b)
    va, vb = np.var(a, ddof=1) / 3, np.var(b, ddof=1) / 5
    assert c.dof == pytest.approx((va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 4), rel=1e-12)
    assert 2.0 < c.dof < 2.1
    half = scipy.stats.t.ppf(0.975, c.dof) * np.sqrt(va + vb)
    assert (c.low, c.high) == pytest.approx((c.difference - half, c.difference + half), rel=1e-12)


def test_compare_says_within_noise_when_the_spread_covers_the_gap_or_a_side_has_one_seed():
    assert stats.compare([0.90, 0.93, 0.87], [0.89, 0.92, 0.86]).verdict() == "within noise"
    # one seed and no test-sample noise: its seed spread is unknown, so never real (not an error)
    one_seed = stats.compare([0.99], [0.50, 0.51, 0.49])
    assert not one_seed.real and one_seed.verdict() == "within noise"
    assert "one seed" in one_seed.note and "one seed" in str(one_seed)
    assert (one_seed.low, one_seed.high) == (-math.inf, math.inf) and math.isnan(one_seed.p_value)
    for c in (stats.compare([0.99], [0.50]), stats.compare([0.99], 0.5), stats.compare([0.99], [0.5], same_seeds=True)):
        assert not c.real and c.note
    # two fixed numbers, nothing measured: the standard error is 0, never real
    fixed = stats.compare(0.9, 0.8)
    assert not fixed.real and "standard error is 0" in fixed.note and fixed.low == fixed.high == pytest.approx(0.1)


def test_compare_lower_is_better_for_errors():
    c = stats.compare([2.0, 2.1, 2.05], [2.6, 2.5, 2.55], higher_is_better=False)
    assert c.difference < 0 and c.real and c.verdict() == "better"


def test_compare_sample_noise_matches_the_closed_form_of_a_paired_difference():
    """The bootstrap's standard error of a mean paired difference is std(d)/sqrt(n)."""
    rng = np.random.default_rng(3)
    a = (rng.random(4000) < 0.85).astype(float)
    b = np.where(rng.random(4000) < 0.9, a, 1 - a)  # agrees with A on 90 % of examples
    c = stats.compare([a.mean()], [b.mean()], a_examples=a, b_examples=b, n_boot=2000)
    d = a - b
    assert c.sample_se == pytest.approx(d.std(ddof=1) / np.sqrt(d.size), rel=0.1)


def seeds_or_number(acc):
    """Per-seed accuracies, or the one number they share when every seed ties exactly.

    Accuracies on n examples are k/n, so seeds can tie; compare() refuses equal scores as
    copies of a fixed model's. The number gives the same interval: a tied arm adds no
    variance and no degrees of freedom under Welch-Satterthwaite."""
    acc = np.asarray(acc, float)
    return float(acc[0]) if acc.size > 1 and np.all(acc == acc[0]) else acc


def test_compare_is_calibrated_on_simulated_seeds_and_test_samples():
    """Two models of the same true accuracy: 'real' in about 5 % of repeats, not more;
    a true gap of 3 points with this noise: found almost always."""
    rng = np.random.default_rng(0)

    def runs(p_true, n_seeds=3, n=600):
        # each seed: a model whose true accuracy moves by training noise, scored on one
        # shared test set (the same examples for both models, as in the notebooks)
        p = p_true + rng.normal(0, 0.01, n_seeds)
        u = shared_u
        correct = (u[None, :] < p[:, None]).astype(float)
        return correct.mean(axis=1), correct

    arm = seeds_or_number   # 8 of the 450 arms below have three seeds that tie exactly
    false, found = 0, 0
    for _ in range(150):
        shared_u = rng.random(600)
        a_acc, a_ex = runs(0.80)
        shared_u = rng.random(600)  # the two models err on different examples
        b_acc, b_ex = runs(0.80)
        false += stats.compare(arm(a_acc), arm(b_acc), a_examples=a_ex, b_examples=b_ex, n_boot=200).real
        c_acc, c_ex = runs(0.86)
        found += stats.compare(arm(c_acc), arm(b_acc), a_examples=c_ex, b_examples=b_ex, n_boot=200).real
    assert false / 150 <= 0.08
    assert found / 150 >= 0.8


def test_compare_refuses_bad_input():
    with pytest.raises(UsageError):
        stats.compare([], [0.5])
    with pytest.raises(UsageError):
        stats.compare([0.5, float("nan")], [0.5])
    with pytest.raises(UsageError):
        stats.compare([0.5], [0.5], a_examples=[1, 0])


def test_compare_unpaired_examples_adds_both_sampling_errors():
    """Two buckets of different reviews: each mean's binomial error, added in quadrature."""
    a = np.r_[np.ones(150), np.zeros(50)]       # 0.75 on 200 reviews
    b = np.r_[np.ones(280), np.zeros(120)]      # 0.70 on 400 reviews
    c = stats.compare(0.75, 0.70, a_examples=a, b_examples=b, same_examples=False)
    expected = np.sqrt(0.75 * 0.25 / 200 + 0.7 * 0.3 / 400)
    assert c.sample_measured and c.seed_se == 0.0 and c.design == "two fixed models"
    assert c.sample_se == pytest.approx(expected, rel=0.1)
    assert c.dof == math.inf and c.noise == "test sample only"
    assert not c.real                           # 5 points on a few hundred reviews: within noise
    with pytest.raises(UsageError, match="same_examples=False"):
        stats.compare(0.75, 0.7, a_examples=a, b_examples=b)   # same_examples needs the same examples


def test_compare_takes_a_sample_error_measured_elsewhere():
    ten = [0.90, 0.91, 0.92, 0.905, 0.915, 0.90, 0.925, 0.91, 0.895, 0.92]
    plain = stats.compare(ten, 0.88)
    with_se = stats.compare(ten, 0.88, sample_se=0.005)
    assert with_se.sample_measured and with_se.sample_se == 0.005 and with_se.seed_se == plain.seed_se
    assert (with_se.high - with_se.low) > (plain.high - plain.low)

    def total_se(c):
        return (c.high - c.difference) / scipy.stats.t.ppf(0.975, c.dof)

    assert total_se(with_se) == pytest.approx(math.hypot(plain.seed_se, 0.005))
    # Satterthwaite: next to 3 seeds (2 df) a known term (df infinite) raises the df (2 -> 32
    # here), so the t quantile falls from 4.30 to 2.04 and the interval gets narrower although
    # the standard error grew: most of the variance is then known, not estimated from 3 seeds.
    three = stats.compare([0.90, 0.91, 0.92], 0.88)
    big = stats.compare([0.90, 0.91, 0.92], 0.88, sample_se=0.01)
    assert total_se(big) > total_se(three)
    assert big.dof == pytest.approx(32.0) and (big.high - big.low) < (three.high - three.low)
    with pytest.raises(UsageError):
        stats.compare([0.9, 0.91], [0.8, 0.81], sample_se=-1.0)
    with pytest.raises(UsageError):
        stats.compare([0.9, 0.91], [0.8, 0.81], a_examples=[1, 0], b_examples=[1, 1], sample_se=0.01)


# ------------------------------------------------------------- the libraries' answers (no sample noise)
@pytest.mark.parametrize("confidence", [0.95, 0.90])
def test_compare_is_scipys_welch_interval(confidence):
    rng = np.random.default_rng(5)
    a, b = 0.85 + rng.normal(0, 0.01, 3), 0.84 + rng.normal(0, 0.12, 5)
    c = stats.compare(a, b, confidence=confidence)
    ref = scipy.stats.ttest_ind(a, b, equal_var=False)
    ci = ref.confidence_interval(confidence)
    assert (c.low, c.high) == pytest.approx((ci.low, ci.high), abs=1e-9)
    assert c.dof == pytest.approx(ref.df, abs=1e-9) and c.p_value == pytest.approx(ref.pvalue, abs=1e-9)


@pytest.mark.parametrize("confidence", [0.95, 0.99])
def test_compare_same_seeds_is_scipys_paired_interval(confidence):
    rng = np.random.default_rng(6)
    shared = rng.normal(0, 0.05, 4)                       # each seed's data moves both models alike
    a, b = 0.86 + shared + rng.normal(0, 0.004, 4), 0.85 + shared + rng.normal(0, 0.004, 4)
    c = stats.compare(a, b, same_seeds=True, confidence=confidence)
    ref = scipy.stats.ttest_rel(a, b)
    ci = ref.confidence_interval(confidence)
    assert (c.low, c.high) == pytest.approx((ci.low, ci.high), abs=1e-9)
    assert c.dof == 3 and c.p_value == pytest.approx(ref.pvalue, abs=1e-9)
    assert c.design == "paired seeds" and "paired seeds" in str(c)
    # the seed effect cancels: real when paired, within noise when taken as independent
    assert c.real and not stats.compare(a, b).real


def test_compare_against_a_number_is_scipys_one_sample_interval():
    a = [0.871, 0.879, 0.866, 0.874]
    c = stats.compare(a, 0.86)
    ref = scipy.stats.ttest_1samp(a, 0.86)
    ci = ref.confidence_interval()
    assert (c.low, c.high) == pytest.approx((ci.low - 0.86, ci.high - 0.86), abs=1e-9)
    assert c.dof == 3 and c.p_value == pytest.approx(ref.pvalue, abs=1e-9)
    assert c.n_seeds == (4, 0) and c.design == "against a fixed baseline" and "seeds only" in str(c)
    # a fixed model on either side; the baseline is the one without seeds
    flipped = stats.compare(0.86, a)
    assert flipped.difference == pytest.approx(-c.difference) and flipped.dof == 3 and flipped.n_seeds == (0, 4)


def test_compare_adds_the_test_sample_with_satterthwaite_df():
    """Seed part s^2/n on n - 1 df plus a known sample term (df infinite): Satterthwaite."""
    a, se_sample = [0.871, 0.879, 0.866], 0.004
    c = stats.compare(a, 0.86, sample_se=se_sample)
    v = np.var(a, ddof=1) / 3
    assert c.dof == pytest.approx((v + se_sample ** 2) ** 2 / (v ** 2 / 2), rel=1e-12)
    assert c.dof > 2                                    # more than the seeds' 2 df alone
    half = scipy.stats.t.ppf(0.975, c.dof) * np.sqrt(v + se_sample ** 2)
    assert c.high - c.difference == pytest.approx(half, rel=1e-12)
    assert c.noise == "seeds + test sample" and "seeds + test sample" in str(c)
    # paired seeds: the per-seed differences' variance instead of the seeds'
    b = [0.861, 0.871, 0.855]
    p = stats.compare(a, b, same_seeds=True, sample_se=se_sample)
    vd = np.var(np.subtract(a, b), ddof=1) / 3
    assert p.dof == pytest.approx((vd + se_sample ** 2) ** 2 / (vd ** 2 / 2), rel=1e-12)
    # Welch with a sample term: each arm's component keeps its own df
    w = stats.compare(a, [0.85, 0.87, 0.86, 0.855], sample_se=se_sample)
    va, vb = np.var(a, ddof=1) / 3, np.var([0.85, 0.87, 0.86, 0.855], ddof=1) / 4
    assert w.dof == pytest.approx((va + vb + se_sample ** 2) ** 2 / (va ** 2 / 2 + vb ** 2 / 3), rel=1e-12)


def test_compare_with_only_the_test_sample_uses_the_normal_quantile():
    c = stats.compare(0.88, 0.86, sample_se=0.005)
    assert c.dof == math.inf and c.noise == "test sample only"
    assert c.high - c.difference == pytest.approx(1.959963984540054 * 0.005, rel=1e-12)
    assert c.p_value == pytest.approx(2 * scipy.stats.norm.sf(0.02 / 0.005), rel=1e-9)
    assert c.real and "normal" in str(c)


def test_one_seed_against_a_fixed_baseline_with_sample_noise_can_be_real():
    rng = np.random.default_rng(7)
    base = (rng.random(5000) < 0.85).astype(float)
    model = np.where(rng.random(5000) < 0.15, 1.0, base)      # right wherever the baseline is, and more
    c = stats.compare([model.mean()], base.mean(), a_examples=model, b_examples=base, n_boot=500)
    assert c.design == "against a fixed baseline" and c.noise == "test sample only" and c.dof == math.inf
    assert c.real and c.a_better and not c.note
    d = model - base
    assert c.sample_se == pytest.approx(d.std(ddof=1) / np.sqrt(d.size), rel=0.1)


def test_compare_refuses_copies_of_a_deterministic_score():
    with pytest.raises(UsageError, match=r"Pass b_seeds=0\.88"):
        stats.compare([0.90, 0.91, 0.92], [0.88] * 3)
    with pytest.raises(UsageError, match=r"Pass a_seeds=0\.5"):
        stats.compare([0.5, 0.5], [0.6, 0.61])
    assert stats.compare([0.90, 0.91, 0.92], [0.88]).n_seeds == (3, 1)   # one seed is not a copy
    # paired seeds: the per-seed differences carry A's spread alone, so equal scores (e.g. an
    # accuracy of 1.0 on every seed) are allowed and give what the number gives
    paired = stats.compare([0.90, 0.91, 0.92], [0.88] * 3, same_seeds=True)
    plain = stats.compare([0.90, 0.91, 0.92], 0.88)
    assert (paired.low, paired.high, paired.dof) == pytest.approx((plain.low, plain.high, plain.dof))


def test_compare_same_seeds_needs_two_lists_of_the_same_length():
    with pytest.raises(UsageError, match="same seeds"):
        stats.compare([0.9, 0.91, 0.92], [0.8, 0.81], same_seeds=True)
    with pytest.raises(UsageError, match="one number without same_seeds"):
        stats.compare([0.9, 0.91, 0.92], 0.8, same_seeds=True)
    with pytest.raises(UsageError, match="list of per-seed scores or one number"):
        stats.compare("0.9", 0.8)


def test_comparison_text_names_the_design_and_the_noise():
    rng = np.random.default_rng(8)
    ex = (rng.random((3, 400)) < 0.8).astype(float)
    texts = {
        "Welch, seeds only": stats.compare([0.8, 0.82, 0.81], [0.7, 0.72, 0.69]),
        "paired seeds, seeds + test sample": stats.compare([0.8, 0.82, 0.81], [0.7, 0.72, 0.69], same_seeds=True,
                                                           a_examples=ex, b_examples=ex[::-1], n_boot=200),
        "against a fixed baseline, test sample only": stats.compare([0.8], 0.7, sample_se=0.01),
        "against a fixed baseline, seeds + test sample": stats.compare([0.8, 0.82, 0.81], 0.7, sample_se=0.01),
    }
    for expected, c in texts.items():
        assert expected in str(c), str(c)
    assert "p = " in str(texts["Welch, seeds only"])


# ----------------------------------------------------------------------------- holm
def test_holm_adjusts_the_p_values_with_statsmodels():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(9)
    comps = [stats.compare(0.8 + gap + rng.normal(0, 0.01, 3), 0.8 + rng.normal(0, 0.01, 3))
             for gap in (0.0, 0.015, 0.02, 0.05)]
    adjusted = stats.holm(comps)
    expected = multipletests([c.p_value for c in comps], alpha=0.05, method="holm")
    assert [c.p_adjusted for c in adjusted] == pytest.approx(list(expected[1]))
    assert [c.real for c in adjusted] == list(expected[0])
    assert all(c.p_adjusted >= c.p_value for c in adjusted) and sum(c.real for c in adjusted) <= sum(c.real for c in comps)
    assert all("holm-adjusted" in str(c) for c in adjusted)
    # the interval and the unadjusted p-value stay; a comparison without a test counts as p = 1
    assert (adjusted[3].low, adjusted[3].p_value) == (comps[3].low, comps[3].p_value)
    named = stats.holm({"none": stats.compare([0.9], [0.5, 0.51, 0.49]), "gap": comps[3]})
    assert named["none"].p_adjusted == 1.0 and not named["none"].real
    assert named["gap"].p_adjusted == pytest.approx(min(1.0, 2 * comps[3].p_value))
    assert stats.holm([]) == []
    with pytest.raises(UsageError):
        stats.holm([comps[0], stats.compare([0.8, 0.82, 0.81], [0.7, 0.72, 0.69], confidence=0.9)])


# ------------------------------------------- coverage: the new rule against the old one (issue 25)
def old_rule(a, b, sample_se=0.0, confidence=0.95):
    """compare() before issue 25, as a reference: Welch's standard error but Student's t on the
    pooled n_a + n_b - 2 degrees of freedom, a fixed baseline as [x] * n copies, paired seeds
    taken as independent. Returns the interval (low, high)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    var_a = a.var(ddof=1) if a.size > 1 else 0.0
    var_b = b.var(ddof=1) if b.size > 1 else 0.0
    se = math.sqrt(var_a / a.size + var_b / b.size + sample_se ** 2)
    half = scipy.stats.t.ppf(0.5 + confidence / 2, max(a.size + b.size - 2, 1)) * se
    diff = a.mean() - b.mean()
    return diff - half, diff + half


#: The simulated designs (what each repeat draws). The fixed-baseline cases: seed sd, seeds, examples.
COVERAGE_CASES = {
    "a": "Welch: sd 0.12 on 3 seeds vs sd 0.01 on 5 (spreads 12:1)",
    "a'": "Welch, the other way round: sd 0.01 on 3 seeds vs sd 0.12 on 5",
    "b": "paired seeds: seed effect sd 0.05 shared by both arms + sd 0.005 each, 5 seeds",
    "c": "fixed baseline + test sample: 5 seeds (sd 0.05), 2,000 shared Bernoulli examples",
    "c3": "fixed baseline + test sample: 3 seeds (sd 0.02), 2,000 examples",
    "c-imdb": "fixed baseline + test sample, IMDB-like: 3 seeds (sd 0.004), 25,000 examples",
}
_FIXED_BASELINE = {"c": (0.05, 5, 2000), "c3": (0.02, 3, 2000), "c-imdb": (0.004, 3, 25_000)}


def simulate_case(case: str, reps: int, rng) -> tuple[float, list[dict]]:
    """``reps`` simulated experiments of one design: ``(true difference, [trial, ...])``, each trial
    ``{"new": (args, kwargs) for compare, "old": (a, b, sample_se) for old_rule}``."""
    if case in ("a", "a'"):
        (sd_a, n_a), (sd_b, n_b) = ((0.12, 3), (0.01, 5)) if case == "a" else ((0.01, 3), (0.12, 5))
        a = 0.82 + rng.normal(0, sd_a, (reps, n_a))
        b = 0.80 + rng.normal(0, sd_b, (reps, n_b))
        return 0.02, [{"new": ((x, y), {}), "old": (x, y, 0.0)} for x, y in zip(a, b)]
    if case == "b":
        shared = rng.normal(0, 0.05, (reps, 5))
        a = 0.81 + shared + rng.normal(0, 0.005, (reps, 5))
        b = 0.80 + shared + rng.normal(0, 0.005, (reps, 5))
        return 0.01, [{"new": ((x, y), {"same_seeds": True}), "old": (x, y, 0.0)} for x, y in zip(a, b)]
    if case in _FIXED_BASELINE:
        # Each example has a difficulty u; the deterministic baseline is right when u < 0.85.
        # Seed k's model has a true accuracy q_k = 0.87 + N(0, sd) and is right when w < q_k,
        # w being the example's u 90 % of the time (the models find the same examples hard)
        # and a fresh draw otherwise. Both are scored on one shared test sample: the
        # baseline's accuracy on it is noisy too. True difference: 0.87 - 0.85.
        sd, k, n = _FIXED_BASELINE[case]
        trials, chunk = [], max(1, 500_000 // (k * n))
        for start in range(0, reps, chunk):
            r = min(chunk, reps - start)
            u = rng.random((r, 1, n))
            w = np.where(rng.random((r, k, n)) < 0.9, u, rng.random((r, k, n)))
            q = 0.87 + rng.normal(0, sd, (r, k, 1))
            right_a, right_b = (w < q).astype(float), (u[:, 0] < 0.85).astype(float)
            acc_a, acc_b = right_a.mean(axis=2), right_b.mean(axis=1)
            # the test-sample standard error of the paired difference of per-example means,
            # in closed form (what compare()'s bootstrap measures; far faster in a loop)
            d = right_a.mean(axis=1) - right_b
            se = d.std(axis=1, ddof=1) / math.sqrt(n)
            trials += [{"new": ((seeds_or_number(x), float(y)), {"sample_se": float(s)}),
                        "old": (x, [float(y)] * k, float(s)), "examples": (ea, eb)}
                       for x, y, s, ea, eb in zip(acc_a, acc_b, se, right_a, right_b)]
        return 0.02, trials
    raise ValueError(f"no simulated design {case!r}; known: {sorted(COVERAGE_CASES)}")


def coverage(case: str, reps: int, seed: int = 0, bootstrap: bool = False) -> dict:
    """How often the 95 % intervals of the new and the old rule cover the true difference, and their mean widths.

    ``bootstrap``: a fixed-baseline case through compare()'s own bootstrap over the
    examples (400 resamples) instead of the closed-form standard error (slow: about a
    second per ten repeats on 2,000 examples)."""
    truth, trials = simulate_case(case, reps, np.random.default_rng(seed))
    new_hits, old_hits, new_width, old_width = 0, 0, 0.0, 0.0
    for trial in trials:
        args, kwargs = trial["new"]
        if bootstrap and "examples" in trial:
            kwargs = {"a_examples": trial["examples"][0], "b_examples": trial["examples"][1], "n_boot": 400}
        c = stats.compare(*args, **kwargs)
        low, high = old_rule(*trial["old"])
        new_hits += c.low <= truth <= c.high
        old_hits += low <= truth <= high
        new_width += c.high - c.low
        old_width += high - low
    n = len(trials)
    return {"new": new_hits / n, "old": old_hits / n, "new_width": new_width / n, "old_width": old_width / n}


@pytest.mark.slow
def test_new_rule_covers_95_percent_where_the_old_one_did_not():
    """4,000 simulated experiments per design, fixed seed: the new rule's 95 % intervals cover
    the true difference 93-97 % of the time in every design; the old rule under-covers with
    unequal spreads (a) and against a fixed baseline (c: [x] * 5 copies gave 8 df, not 4),
    and over-covers, several times wider, when the seeds are paired (b).

    Not everywhere: with 2 or 3 seeds and a test-sample term of 5-100 % of the seeds'
    variance, Satterthwaite's df (estimated from so few seeds) makes the new rule cover only
    87-94 % (benchmarks/bench_stats_coverage.py tabulates it), hence 5 seeds in (c)."""
    got = {case: coverage(case, 4000, seed=25) for case in ("a", "b", "c")}
    for case, r in got.items():
        assert 0.93 <= r["new"] <= 0.97, (case, r)
    assert got["a"]["old"] < 0.93 and got["c"]["old"] < 0.93
    assert got["b"]["old"] > 0.99 and got["b"]["new_width"] < 0.3 * got["b"]["old_width"]
