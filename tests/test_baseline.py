"""The linear baseline learns a separable toy problem and refuses bad input."""
import numpy as np
import pytest

from lstm_tutorial.lab import baseline
from lstm_tutorial.io.errors import UsageError

pytest.importorskip("sklearn")


def _toy(n=200, seed=0):
    rng = np.random.default_rng(seed)
    good = ["wonderful", "great", "moving", "superb"]
    bad = ["awful", "boring", "dull", "terrible"]
    filler = ["the", "film", "plot", "actor", "scene", "was", "a"]
    texts, labels = [], []
    for _ in range(n):
        label = int(rng.integers(2))
        words = list(rng.choice(filler, 8)) + [rng.choice(good if label else bad)]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    return texts, np.array(labels)


def test_baseline_learns_sentiment_words_and_not_noise():
    texts, labels = _toy()
    test_texts, test_labels = _toy(100, seed=1)
    result = baseline.run_linear_baseline(texts, labels, test_texts, test_labels, min_df=1)
    assert result["accuracy"] > 0.95
    # Shuffled labels carry no signal: held-out accuracy must fall to about chance.
    shuffled = np.random.default_rng(2).permutation(labels)
    noise = baseline.run_linear_baseline(texts, shuffled, test_texts, test_labels, min_df=1)
    assert noise["accuracy"] < 0.75


def test_baseline_rejects_mismatched_input_and_unknown_settings():
    with pytest.raises(UsageError, match="as many labels"):
        baseline.fit_linear_baseline(["a b"], [0, 1])
    with pytest.raises(UsageError, match="unknown baseline settings"):
        baseline.fit_linear_baseline(["a b"], [0], alpha=1)


# ------------------------------------------------------------------ blending

def test_log_loss_matches_the_closed_form():
    p = np.array([0.9, 0.2, 0.6])
    y = np.array([1, 0, 0])
    expected = -(np.log(0.9) + np.log(0.8) + np.log(0.4)) / 3
    assert baseline.log_loss(p, y) == pytest.approx(expected, rel=1e-12)


@pytest.mark.slow
def test_blend_weight_recovers_the_mixture_that_generated_the_labels():
    # Labels drawn from q = 0.3 * a + 0.7 * b: the expected log loss is lowest at w = 0.3
    # (the true probabilities), so a large sample must pick 0.3 from the 0.05 grid.
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.01, 0.99, 200_000), rng.uniform(0.01, 0.99, 200_000)
    y = (rng.uniform(size=a.size) < 0.3 * a + 0.7 * b).astype(int)
    chosen = baseline.choose_blend_weight(a, b, y)
    assert chosen["weight"] == pytest.approx(0.3)
    assert chosen["log_loss"] == min(chosen["log_losses"])
    assert len(chosen["weights"]) == len(baseline.BLEND_WEIGHTS)


def test_blend_weight_goes_to_the_only_informative_model():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 5000)
    informative = np.where(y == 1, 0.8, 0.2)
    noise = rng.uniform(0.01, 0.99, y.size)
    assert baseline.choose_blend_weight(informative, noise, y)["weight"] == 1.0
    assert baseline.choose_blend_weight(noise, informative, y)["weight"] == 0.0


def test_blend_refuses_bad_input():
    with pytest.raises(UsageError, match="between 0 and 1"):
        baseline.blend([0.5], [0.5], 1.5)
    with pytest.raises(UsageError, match="same reviews"):
        baseline.blend([0.5, 0.5], [0.5], 0.5)
    with pytest.raises(UsageError, match="probabilities"):
        baseline.blend([1.5], [0.5], 0.5)
