"""Why did the model say that? Per-token contributions by occlusion (notebook 03)::

    contribution_i = P(positive | tokens) - P(positive | tokens without token i)

``mode="remove"`` deletes the token, ``mode="unknown"`` puts the out-of-vocabulary id 1 in its
place. One batch of ``n + 1`` forward passes, no gradients: it works for any model and measures
what the model does, interactions included (so the contributions need not add up to the total).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..io.errors import UsageError

MODES = ("remove", "unknown")


@dataclass(frozen=True)
class TokenContribution:
    position: int
    token: str
    contribution: float       # P(full) - P(without this token)
    p_without: float          # P(positive) with the token occluded
    p_full: float             # P(positive) of the whole review


def occlusion_ids(predict: Callable[[np.ndarray], np.ndarray], ids: Sequence[int], mode: str = "remove",
                  unknown_id: int = 1) -> tuple[float, np.ndarray, np.ndarray]:
    """``(p_full, p_without, contributions)`` for one id sequence (no padding inside); ``predict`` maps
    a right-padded ``(batch, length)`` int32 array to P(positive) per row."""
    if mode not in MODES:
        raise UsageError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    ids = [int(i) for i in ids]
    if not ids:
        raise UsageError("occlusion needs at least one token")
    if any(i <= 0 for i in ids):
        raise UsageError("pass the real token ids only (no padding id 0)")
    n = len(ids)
    batch = np.zeros((n + 1, n), dtype=np.int32)
    batch[0] = ids
    for i in range(n):
        if mode == "remove":
            row = ids[:i] + ids[i + 1:]
            if not row:  # a one-token review without its token: the unknown word stands in
                row = [unknown_id]
        else:
            row = ids[:i] + [unknown_id] + ids[i + 1:]
        batch[i + 1, :len(row)] = row
    p = np.asarray(predict(batch), dtype="float64").reshape(-1)
    if p.shape != (n + 1,):
        raise UsageError(f"predict returned {p.shape[0]} probabilities for {n + 1} rows")
    return float(p[0]), p[1:], p[0] - p[1:]


def occlusion(classifier, review: str, mode: str = "remove") -> list[TokenContribution]:
    """Per-token contributions for a raw review (tokenized and cut as in training) and a
    :class:`lstm_tutorial.tools.classifier.Classifier`."""
    from .. import training

    tokens = classifier.tokens([review])[0]
    ids_row = training.encode_tokens(classifier.vocab, [tokens], classifier.config)[0]
    n = int(np.count_nonzero(ids_row))  # real tokens; the padding (id 0) is on the right
    ids = ids_row[:n]
    cut_front = classifier.config.truncating == "pre" and len(tokens) > n
    tokens = (tokens[-n:] if cut_front else tokens[:n]) or ["[UNK]"]  # an empty review is one unknown word

    predict = functools.partial(training.predict_proba, classifier.model)
    p_full, p_without, contrib = occlusion_ids(predict, ids, mode=mode)
    return [TokenContribution(i, tok, float(c), float(pw), p_full)
            for i, (tok, c, pw) in enumerate(zip(tokens, contrib, p_without))]


def most_confident_mistakes(y_true, probabilities, k: int = 5) -> list[tuple[int, float]]:
    """Indices (and P(positive)) of the ``k`` wrong predictions made with most confidence."""
    y = np.asarray(y_true).reshape(-1)
    p = np.asarray(probabilities).reshape(-1)
    wrong = np.flatnonzero((p >= 0.5) != (y >= 0.5))
    confidence = np.abs(p[wrong] - 0.5)
    top = wrong[np.argsort(-confidence, kind="stable")[:k]]
    return [(int(i), float(p[i])) for i in top]
