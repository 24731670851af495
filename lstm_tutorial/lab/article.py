"""The PyTorch IMDB article's set-up, rebuilt in Keras so notebook 03 can imitate it.

The article (65 % for a plain RNN, 82.4 % for a BiLSTM) differs from this package's pipeline in four
ways, each rebuilt here and explained in notebook 03: stopwords removed first and letters instead of
words (:func:`article_clean`), its vocabulary rule (:func:`article_vocabulary`) and the last hidden
state as readout (``models.build_classifier(..., readout="last")``); its budget is not rebuilt.
Its tokenizer, NLTK's ``word_tokenize``, needs the Punkt model; on the cleaned text (only a-z and
whitespace) it splits exactly on whitespace, so :func:`article_tokenize` uses ``str.split``.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Sequence

from ..io.errors import UsageError
from ..text import Vocabulary, english_stopwords

__all__ = ["ARTICLE_SETTINGS", "ARTICLE_REPORTED", "article_clean", "article_tokenize",
           "article_tokenize_all", "article_vocabulary"]

#: The article's hyper-parameters, as printed in it.
ARTICLE_SETTINGS = {"batch_size": 64, "embedding_dim": 128, "hidden_size": 128, "epochs": 15, "learning_rate": 1e-3,
                    "optimizer": "AdamW", "min_freq": 2, "max_vocab": 30_000, "validation_fraction": 0.2,
                    "sequence_length": None,  # the whole review
                    "readout": "last", "remove_stopwords": True}

#: The accuracies the article reports (its RNN figure comes from an earlier article).
ARTICLE_REPORTED = {"rnn": 0.65, "bilstm": 0.824}

_TAG = re.compile(r"<.*?>")
_LINK = re.compile(r"https?://\S+|www\.\S+")
_NOT_LETTER = re.compile(r"[^a-z\s]")


def _stopwords() -> frozenset[str]:
    return english_stopwords(raw=True)  # the list exactly as NLTK ships it, as the article uses it


def article_clean(text: str, letters: bool = True, stopwords: Iterable[str] | None = None) -> str:
    """The article's cleaning function, step by step; ``letters=False`` stops before its last step,
    which spaces out the characters.

    >>> article_clean("Not a <b>good</b> film!", stopwords={"a", "not"})
    'g o o d   f i l m'
    >>> article_clean("Not a <b>good</b> film!", letters=False, stopwords={"a", "not"})
    'good film'
    """
    if not isinstance(text, str):
        raise UsageError(f"article_clean() needs a str, got {type(text).__name__}")
    stop = _stopwords() if stopwords is None else frozenset(stopwords)
    text = text.lower()
    text = " ".join(word for word in text.split() if word not in stop)
    text = _TAG.sub("", text)
    text = _LINK.sub("", text)
    text = _NOT_LETTER.sub("", text)
    if letters:
        text = " ".join(text)  # the article's last step: joins the characters of a str
    return text


def article_tokenize(text: str, letters: bool = True, stopwords: Iterable[str] | None = None) -> list[str]:
    """Tokens as the article's model sees them: single letters (default) or words."""
    return article_clean(text, letters=letters, stopwords=stopwords).split()


def article_tokenize_all(texts: Sequence[str], letters: bool = True) -> list[list[str]]:
    """:func:`article_tokenize` over many reviews (the stopword list is loaded once)."""
    if isinstance(texts, str):
        raise UsageError("article_tokenize_all() needs a list of texts, not one str")
    stop = _stopwords()
    return [article_tokenize(t, letters=letters, stopwords=stop) for t in texts]


def article_vocabulary(token_lists: Iterable[Sequence[str]], min_freq: int = 2, max_vocab: int = 30_000):
    """The article's vocabulary rule as a :class:`lstm_tutorial.text.Vocabulary`: tokens counted at least
    ``min_freq`` times in first-seen order (the article slices a ``Counter``'s insertion order, not its most
    common entries), cut so that padding, unknown and the tokens make at most ``max_vocab`` ids."""
    if max_vocab < 3:
        raise UsageError(f"max_vocab must be at least 3 (padding, unknown and one token), not {max_vocab}")
    counts = Counter(t for tokens in token_lists for t in tokens)
    return Vocabulary([w for w, c in counts.items() if c >= min_freq][: max_vocab - 2])
