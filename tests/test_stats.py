"""stats.py: the Wilson interval against known answers, the seed summary, the one rule for
"a real difference" (compare) against closed forms and simulation, and train_seeds on a tiny
aclImdb-shaped fixture (best model chosen on validation only)."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lstm_tutorial import stats
from lstm_tutorial.errors import UsageError


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


def test_format_interval_prints_both_ends():
    text = stats.format_interval(0.5, 100)
    assert text == "95% interval 0.4038-0.5962"


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


def test_train_seeds_refuses_repeated_or_no_seeds():
    from lstm_tutorial import training

    config = training.default_config("lstm", fast=True)
    with pytest.raises(UsageError, match="each seed once"):
        stats.train_seeds(config, [1, 1], verbose=False)
    with pytest.raises(UsageError, match="at least one seed"):
        stats.train_seeds(config, [], verbose=False)


# ----------------------------------------------------------------------------- train_seeds
def test_train_seeds_keeps_every_run_and_the_best_on_validation(tmp_path, monkeypatch, capsys):
    pytest.importorskip("keras")
    pytest.importorskip("gensim")
    from test_training import build_fixture_imdb

    from lstm_tutorial import training
    from lstm_tutorial.io import datasets as data

    root = tmp_path / "imdb"
    counts = build_fixture_imdb(root)
    monkeypatch.setattr(data, "EXPECTED_COUNTS", counts)
    monkeypatch.setenv("LSTM_TUTORIAL_DATA", str(root))
    monkeypatch.setenv("LSTM_TUTORIAL_HOME", str(tmp_path / "home"))
    config = training.default_config("lstm", fast=True, epochs=1)
    out = tmp_path / "models" / "lstm"
    result = stats.train_seeds(config, [3, 5], out_dir=out)
    printed = capsys.readouterr().out

    runs = result["runs"]
    assert [r["seed"] for r in runs] == [3, 5]
    for r in runs:
        saved = json.loads((out / "seeds" / f"seed-{r['seed']}" / "training.json").read_text())
        assert saved["config"]["seed"] == r["seed"]
        assert saved["metrics"]["test_accuracy"] == pytest.approx(r["test_accuracy"])
    best = max(runs, key=lambda r: r["val_accuracy"])
    assert result["best_seed"] == best["seed"]
    top = json.loads((out / "training.json").read_text())
    assert top["config"]["seed"] == best["seed"] and top["metrics"]["chosen_seed"] == best["seed"]
    assert top["metrics"]["seed_summary"]["mean"] == pytest.approx(np.mean([r["test_accuracy"] for r in runs]))
    # the top-level model is the chosen seed's: same vocabulary file, same predictions
    chosen = out / "seeds" / f"seed-{best['seed']}"
    assert (out / "vocabulary.json").read_bytes() == (chosen / "vocabulary.json").read_bytes()
    reviews = ["a wonderful moving film", "boring and awful"]
    np.testing.assert_allclose(training.Classifier.load(out).predict_proba(reviews),
                               training.Classifier.load(chosen).predict_proba(reviews), atol=1e-6)
    assert "test accuracy over seeds:" in printed and result["summary"]["text"] in printed


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
    """Closed form: difference +- t(0.975, n_a + n_b - 2) * sqrt(s_a^2/n_a + s_b^2/n_b)."""
    a, b = [0.90, 0.91, 0.905], [0.87, 0.88, 0.875]
    c = stats.compare(a, b)
    se = np.sqrt(np.var(a, ddof=1) / 3 + np.var(b, ddof=1) / 3)
    t_975_4 = 2.7764451051977987  # Student's t, 4 degrees of freedom, from tables
    assert c.difference == pytest.approx(np.mean(a) - np.mean(b))
    assert c.high - c.difference == pytest.approx(t_975_4 * se, rel=1e-9)
    assert c.seed_se == pytest.approx(se) and c.sample_se == 0.0 and not c.sample_measured
    assert c.real and c.verdict() == "better" and "seeds only" in str(c)
    assert stats.compare(b, a).verdict() == "worse"


def test_compare_says_within_noise_when_the_spread_covers_the_gap_or_a_side_has_one_seed():
    assert stats.compare([0.90, 0.93, 0.87], [0.89, 0.92, 0.86]).verdict() == "within noise"
    one_seed = stats.compare([0.99], [0.50, 0.51, 0.49])
    assert not one_seed.real and one_seed.verdict() == "within noise"


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

    false, found = 0, 0
    for _ in range(150):
        shared_u = rng.random(600)
        a_acc, a_ex = runs(0.80)
        shared_u = rng.random(600)  # the two models err on different examples
        b_acc, b_ex = runs(0.80)
        false += stats.compare(a_acc, b_acc, a_examples=a_ex, b_examples=b_ex, n_boot=200).real
        c_acc, c_ex = runs(0.86)
        found += stats.compare(c_acc, b_acc, a_examples=c_ex, b_examples=b_ex, n_boot=200).real
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
    c = stats.compare([0.75, 0.75, 0.75], [0.70, 0.70, 0.70], a_examples=a, b_examples=b, paired=False)
    expected = np.sqrt(0.75 * 0.25 / 200 + 0.7 * 0.3 / 400)
    assert c.sample_measured and c.seed_se == pytest.approx(0.0, abs=1e-12)
    assert c.sample_se == pytest.approx(expected, rel=0.1)
    assert not c.real                           # 5 points on a few hundred reviews: within noise
    with pytest.raises(UsageError):
        stats.compare([0.75, 0.75], [0.7, 0.7], a_examples=a, b_examples=b)   # paired needs the same examples


def test_compare_takes_a_sample_error_measured_elsewhere():
    plain = stats.compare([0.90, 0.91, 0.92], [0.88, 0.88, 0.88])
    with_se = stats.compare([0.90, 0.91, 0.92], [0.88, 0.88, 0.88], sample_se=0.01)
    assert with_se.sample_measured and with_se.sample_se == 0.01
    assert (with_se.high - with_se.low) > (plain.high - plain.low)
    with pytest.raises(UsageError):
        stats.compare([0.9, 0.9], [0.8, 0.8], sample_se=-1.0)
    with pytest.raises(UsageError):
        stats.compare([0.9, 0.9], [0.8, 0.8], a_examples=[1, 0], b_examples=[1, 1], sample_se=0.01)
