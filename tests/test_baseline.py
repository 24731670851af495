"""The linear baseline learns a separable toy problem and refuses bad input."""
import numpy as np
import pytest

from lstm_tutorial import baseline
from lstm_tutorial.errors import UsageError

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
