"""The linear baseline an LSTM has to earn its cost against on IMDB (notebook 03): scikit-learn's TF-IDF
of word unigrams and bigrams ("not good" keeps some word order) and a logistic regression, on the raw
texts. It trains in under a minute on a CPU; the settings are this data set's well-known strong
defaults, not tuned on the test set.
"""
from __future__ import annotations

import time
from typing import Sequence

import numpy as np
from sklearn import metrics
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from ..io.errors import UsageError

#: Every setting of the baseline, in one place (printed by the benchmark and notebook 03).
LINEAR_BASELINE_SETTINGS = {"ngram_range": (1, 2), "min_df": 2, "max_features": 200_000, "sublinear_tf": True,
                            "C": 4.0, "max_iter": 1000}


def fit_linear_baseline(texts: Sequence[str], labels, **changes):
    """The fitted scikit-learn pipeline (``predict_proba(texts)``); ``changes`` override
    :data:`LINEAR_BASELINE_SETTINGS` (e.g. ``C=1``)."""
    unknown = set(changes) - set(LINEAR_BASELINE_SETTINGS)
    if unknown:
        raise UsageError(f"unknown baseline settings {sorted(unknown)}; known: {sorted(LINEAR_BASELINE_SETTINGS)}")
    texts = list(texts)
    labels = np.asarray(labels)
    if len(texts) != len(labels) or not texts:
        raise UsageError(f"need as many labels as texts (got {len(texts)} texts, {len(labels)} labels)")
    settings = {**LINEAR_BASELINE_SETTINGS, **changes}
    vectorizer = TfidfVectorizer(ngram_range=tuple(settings["ngram_range"]), min_df=settings["min_df"],
                                 max_features=settings["max_features"], sublinear_tf=settings["sublinear_tf"])
    classifier = LogisticRegression(C=settings["C"], max_iter=settings["max_iter"])
    return make_pipeline(vectorizer, classifier).fit(texts, labels)


def run_linear_baseline(train_texts, train_labels, test_texts, test_labels, **changes) -> dict:
    """Fit on the training texts, score on the test texts: ``{"accuracy", "train_seconds", "predict_seconds",
    "reviews_per_second", "probabilities"}`` (of the positive class, one per test review)."""
    start = time.perf_counter()
    pipeline = fit_linear_baseline(train_texts, train_labels, **changes)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    probabilities = pipeline.predict_proba(list(test_texts))[:, 1]
    predict_seconds = time.perf_counter() - start
    y = np.asarray(test_labels)
    return {"accuracy": float(np.mean((probabilities >= 0.5) == (y == 1))), "train_seconds": train_seconds,
            "predict_seconds": predict_seconds, "reviews_per_second": len(y) / max(predict_seconds, 1e-9),
            "probabilities": probabilities}


# Blending a recurrent model with the linear baseline: they make different mistakes (the linear
# one weighs words wherever they stand, the recurrent one reads them in order), so an average can
# beat both. The weight is chosen on the validation split by log loss: on 2,500 reviews accuracy
# moves in steps of 0.04 points and ties often, while the log loss changes smoothly.

#: The weights of the recurrent model that :func:`choose_blend_weight` tries.
BLEND_WEIGHTS = tuple(np.round(np.linspace(0.0, 1.0, 21), 2))


def _probabilities(p, name: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64).reshape(-1)
    if p.size == 0 or not np.all((p >= 0) & (p <= 1)):
        raise UsageError(f"{name} must be probabilities between 0 and 1 (one per review)")
    return p


def blend(p_recurrent, p_linear, weight: float) -> np.ndarray:
    """``weight * p_recurrent + (1 - weight) * p_linear``: the blended probability."""
    if not 0.0 <= weight <= 1.0:
        raise UsageError(f"the blend weight is between 0 and 1, not {weight}")
    a, b = _probabilities(p_recurrent, "p_recurrent"), _probabilities(p_linear, "p_linear")
    if a.shape != b.shape:
        raise UsageError(f"both models must score the same reviews ({a.size} and {b.size} probabilities)")
    return weight * a + (1.0 - weight) * b


def log_loss(p, labels, eps: float = 1e-7) -> float:
    """Mean binary cross-entropy (natural log) of probabilities ``p`` for 0/1 ``labels``, ``p`` clipped to [eps, 1 - eps]."""
    p = np.clip(_probabilities(p, "p"), eps, 1 - eps)
    y = np.asarray(labels, dtype=np.float64).reshape(-1)
    if y.shape != p.shape:
        raise UsageError(f"need one label per probability ({p.size} probabilities, {y.size} labels)")
    return float(metrics.log_loss(y, p, labels=[0, 1]))


def choose_blend_weight(p_recurrent, p_linear, labels, weights=BLEND_WEIGHTS) -> dict:
    """The recurrent model's weight in the blend with the lowest log loss on (validation) ``labels``:
    ``{"weight", "log_loss", "weights", "log_losses"}``. A tie goes to the smaller weight, so equal
    evidence favours the cheaper model."""
    losses = [log_loss(blend(p_recurrent, p_linear, float(w)), labels) for w in weights]
    best = int(np.argmin(losses))
    return {"weight": float(weights[best]), "log_loss": losses[best],
            "weights": [float(w) for w in weights], "log_losses": losses}
