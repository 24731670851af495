"""From raw review text to integer ids: cleaning, tokens, stopwords, vocabulary::

    train_tokens, y_train = text.preprocess_imdb("train")      # cached on disk
    vocab = text.Vocabulary.fit(train_tokens, max_tokens=20000, min_count=2)
    x_train = vocab.encode(train_tokens, length=256)          # int32 (25000, 256)

Cleaning and tokenizing are a few regular expressions (no library offers them for this
data); the stopwords are NLTK's English list; the ids come from Keras' ``StringLookup`` and
``pad_sequences``, the counts (with the ``min_count`` that ``StringLookup.adapt`` lacks)
from ``collections.Counter``. NLTK and Keras load only in the functions that need them.
"""
from __future__ import annotations

import functools
import hashlib
import html
import itertools
import json
import re
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .io import caches, datasets, nltk_data, paths
from .io.errors import CorruptDataError, UsageError

__all__ = ["clean", "TOKEN_PATTERN", "tokenize", "NEGATION_WORDS", "english_stopwords", "remove_stopwords",
           "TEXT_VERSION", "preprocess", "preprocess_imdb", "lengths",
           "Vocabulary"]

# -------------------- Cleaning

# One pass removes both HTML tags (IMDB reviews contain "<br /><br />" between
# paragraphs) and URLs; both are replaced by a space so that words on either side
# do not merge ("good.<br />Bad" -> "good. bad").
_TAG_OR_URL = re.compile(r"<[^>]*>|(?:https?://|www\.)\S+", re.IGNORECASE)
# Typographic quotes -> ASCII, so that "don’t" splits like "don't".
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00b4": "'"})


def clean(text: str) -> str:
    """Lower-case ``text`` without HTML tags, HTML entities, URLs or extra whitespace.

    >>> clean("Great film!<br /><br />See http://imdb.com &amp; ENJOY")
    'great film! see & enjoy'

    Tags are removed before entities are unescaped, so an escaped ``&lt;3`` in a
    review stays the text ``<3`` instead of being mistaken for a tag.
    """
    if not isinstance(text, str):
        raise UsageError(f"clean() needs a str, got {type(text).__name__}")
    text = _TAG_OR_URL.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    # split() with no argument also splits on \t, \n and non-breaking spaces
    return " ".join(text.lower().translate(_QUOTES).split())


# -------------------- Tokenization

#: The token rule. Applied after "n't" and "cannot" have been split off (see
#: tokenize), it keeps: "n't"; words, numbers and hyphenated compounds ("well-made");
#: the clitics 's 'm 'd 'll 're 've; "..." as one token; and every other symbol as a
#: token of its own ("7/10" -> "7", "/", "10").
TOKEN_PATTERN = r"(?!n't)\w+(?:-\w+)*|n't\b|'(?:s|m|d|ll|re|ve)\b|\.\.+|[^\w\s]"
# The standard ``re`` module, not NLTK's RegexpTokenizer: NLTK >= 3.9 runs a caller's
# pattern through the ``regex`` engine's ReDoS guard, about 3x slower; this one is linear.
_TOKEN = re.compile(TOKEN_PATTERN, re.IGNORECASE)
_NT = re.compile(r"(n't)", re.IGNORECASE)
_CANNOT = re.compile(r"\b(can)(not)\b", re.IGNORECASE)


def tokenize(text: str) -> list[str]:
    """Split (cleaned) text into tokens; contractions split as in NLTK's Treebank tokenizer.

    >>> tokenize("i don't like it, it's bad... 7/10")
    ['i', 'do', "n't", 'like', 'it', ',', 'it', "'s", 'bad', '...', '7', '/', '10']

    Splitting "don't" into "do" + "n't" keeps negations visible to the model and to the
    stopword list. Unlike Treebank, "7/10" becomes "7", "/", "10" (ratings), and it is several
    times faster (``benchmarks/bench_preprocessing.py`` measures NLTK's tokenizers beside it).
    """
    if not isinstance(text, str):
        raise UsageError(f"tokenize() needs a str, got {type(text).__name__}")
    text = _CANNOT.sub(r"\1 \2", _NT.sub(r" \1", text.replace("\u2019", "'")))
    return _TOKEN.findall(text)


# -------------------- Stopwords

#: Words that carry negation. NLTK's English stopword list contains many of them
#: (``NEGATION_WORDS & english_stopwords()`` lists them); removing them turns "not good" into "good".
#: The list holds the stubs a tokenizer splitting at the apostrophe leaves ("didn" from
#: "didn't"; :func:`tokenize` makes them only from odd apostrophes such as "didn`t").
#: "won" and "don" are left out: :func:`tokenize` turns "won't" and "don't" into
#: "wo"/"do" + "n't", so as tokens they are the verb ("won an award") and the name ("Don").
NEGATION_WORDS = frozenset(
    {"no", "not", "nor", "n't", "never", "none", "nobody", "nothing", "neither", "nowhere",
     "cannot", "without"}
    | {w + "n't" for w in ("do", "does", "did", "is", "are", "was", "were", "has", "have",
                           "had", "could", "should", "would", "might", "must", "need",
                           "sha", "wo", "ca", "ai")}
    | {"doesn", "didn", "isn", "aren", "wasn", "weren", "hasn", "haven", "hadn",
       "couldn", "shouldn", "wouldn", "mightn", "mustn", "needn", "shan", "ain"}
)

@functools.cache
def english_stopwords(keep_negations: bool = False, raw: bool = False) -> frozenset[str]:
    """NLTK's English stopword list (179 words in NLTK's 2024 data), ready for our tokens.

    NLTK's list has whitespace tokens ("don't", "it's"); :func:`tokenize` makes "do", "n't",
    "it", "'s". So the clitic pieces of every contracted entry are added ("n't", "'s", "'ll",
    ...); ``raw=True`` gives the list as NLTK ships it. ``keep_negations=True`` leaves out
    :data:`NEGATION_WORDS`, the usual fix for sentiment tasks. Read from ``NLTK_DATA`` or
    NLTK's folders, downloaded once if missing, else a ``DataUnavailableError`` says how to get it.
    """
    words = nltk_data.stopwords()
    if not raw:  # only the clitic pieces: "couldn't" adds "n't", not "could"
        words |= {p for w in words if "'" in w for p in tokenize(w) if p.startswith("'") or p == "n't"}
    if keep_negations:
        words -= NEGATION_WORDS
    return words


def remove_stopwords(tokens: Sequence[str], stopwords: Iterable[str] | None = None) -> list[str]:
    """``tokens`` without stopwords (default: :func:`english_stopwords`).

    >>> remove_stopwords(["i", "do", "n't", "like", "it"])   # doctest: +SKIP
    ['like']
    """
    stop = english_stopwords() if stopwords is None else stopwords
    if not isinstance(stop, (set, frozenset)):
        stop = frozenset(stop)
    return [t for t in tokens if t not in stop]


# -------------------- Whole-corpus preprocessing (cached on disk by the tools part)

#: Version of the cleaning + tokenizing rules; part of every cache key, so changing
#: the rules (bump the number) or the pattern never serves stale token lists.
TEXT_VERSION = "1-" + hashlib.sha1(
    (TOKEN_PATTERN + _TAG_OR_URL.pattern + repr(sorted(_QUOTES.items()))).encode()
).hexdigest()[:8]


def preprocess(texts: Sequence[str], remove_stopwords: bool = False) -> list[list[str]]:
    """Clean and tokenize every text (and drop stopwords if asked): a list of token lists.

    One process: worker processes measured slower, as their start-up and the pickling
    of the token lists back cost more than they save.
    """
    if isinstance(texts, str):
        raise UsageError("preprocess() needs a list of texts, not one str; use tokenize(clean(text))")
    stop = english_stopwords() if remove_stopwords else frozenset()
    intern = sys.intern  # one shared str object per distinct token: ~6x less memory
    return [[intern(w) for w in tokenize(clean(t)) if w not in stop] for t in texts]


def preprocess_imdb(split: str = "train", remove_stopwords: bool = False, *, source=None,
                    refresh: bool = False,
                    verbose: bool = False) -> tuple[list[list[str]], np.ndarray]:
    """Token lists and labels of an IMDB split, cached in ``paths.cache_dir()``.

    The cache is keyed on all the tokens depend on: the split, which copy of the data
    (``source``), the stopword list when stopwords are removed, and the cleaning rules
    (:data:`TEXT_VERSION`). ``refresh=True`` rebuilds it.
    """
    if split not in {"train", "test", "unsup"}:
        raise UsageError(f"split must be 'train', 'test' or 'unsup', not {split!r}")

    stop = english_stopwords() if remove_stopwords else None
    path = caches.token_cache_path(split, datasets.data_key(source), stop, TEXT_VERSION)
    t0 = time.perf_counter()
    if not refresh and path.is_file():
        token_lists, labels = caches.load_tokens(path)
        how = "from cache"
    else:
        texts, labels = datasets.load_imdb(split, source=source)
        token_lists = preprocess(texts, remove_stopwords=remove_stopwords)
        labels = np.asarray(labels, dtype=np.int64)
        caches.save_tokens(path, token_lists, labels, TEXT_VERSION)
        how = "loaded and tokenized"
    if verbose:
        print(f"{split}: {len(token_lists):,} reviews {how} in {time.perf_counter() - t0:.1f} s")
    return token_lists, labels


# -------------------- Sequence lengths

def lengths(token_lists: Sequence[Sequence[str]]) -> np.ndarray:
    """Number of tokens of each review, as an int64 array."""
    return np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))


# -------------------- Vocabulary

#: Id 0: padding (Keras' mask token); id 1: out-of-vocabulary.
_PAD = ""
_OOV = "[UNK]"
_FORMAT = "lstm_tutorial.Vocabulary"


class Vocabulary:
    """Token <-> id mapping fitted on training tokens, held by a ``keras.layers.StringLookup``.

    Ids: 0 = padding (``""``), 1 = out-of-vocabulary (``"[UNK]"``), then the kept
    tokens from most to least frequent (``tokens`` lists them by id). ``size`` counts
    all of them, so an ``Embedding(input_dim=vocab.size, ...)`` fits exactly.
    """

    def __init__(self, tokens: Sequence[str]):
        self.tokens = [_PAD, _OOV] + [t for t in tokens if t not in (_PAD, _OOV)]
        if len(set(self.tokens)) != len(self.tokens):
            raise UsageError("a vocabulary cannot list a token twice")

    @classmethod
    def fit(cls, token_lists: Iterable[Sequence[str]], max_tokens: int | None = 20000,
            min_count: int = 2) -> "Vocabulary":
        """Keep the most frequent tokens of the *training* token lists.

        ``max_tokens`` is the total size including PAD and OOV (as in Keras), so at
        most ``max_tokens - 2`` real tokens are kept; ``None`` means no size limit.
        Tokens seen fewer than ``min_count`` times are left out (they become OOV).
        Ties in frequency are broken alphabetically, so a fit is reproducible.
        """
        if max_tokens is not None and max_tokens < 3:
            raise UsageError(f"max_tokens must be at least 3 (PAD, OOV and one token), not {max_tokens}")
        if min_count < 1:
            raise UsageError(f"min_count must be at least 1, not {min_count}")
        if isinstance(token_lists, str) or (isinstance(token_lists, (list, tuple)) and token_lists
                                            and isinstance(token_lists[0], str)):
            raise UsageError("Vocabulary.fit() needs a list of token lists, e.g. [['a', 'film'], ...]")
        counts = Counter(itertools.chain.from_iterable(token_lists))
        kept = sorted((t for t, c in counts.items() if c >= min_count and t not in (_PAD, _OOV)),
                      key=lambda t: (-counts[t], t))
        return cls(kept if max_tokens is None else kept[:max_tokens - 2])

    @property
    def size(self) -> int:
        """Number of ids, PAD and OOV included (the Embedding's ``input_dim``)."""
        return len(self.tokens)

    def __repr__(self) -> str:
        return f"Vocabulary(size={self.size})"

    @functools.cached_property
    def _index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.tokens)}

    def token_to_id(self, token: str) -> int:
        return self._index.get(token, 1)

    @functools.cached_property
    def _lookup(self):
        """A ``keras.layers.StringLookup`` with these ids (mask 0, OOV 1), built on the first encode()."""
        import keras

        return keras.layers.StringLookup(vocabulary=self.tokens[2:], mask_token=_PAD, oov_token=_OOV)

    def encode(self, token_lists: Sequence[Sequence[str]], length: int,
               truncating: str = "post") -> np.ndarray:
        """Ids as an int32 array ``(len(token_lists), length)``, right-padded with 0.

        Longer lists lose their end (``truncating="post"``) or beginning (``"pre"``). Padding is
        always at the end, which keeps Keras' LSTM eligible for the cuDNN kernel. Unknown tokens get id 1.
        """
        import keras

        if truncating not in ("post", "pre"):
            raise UsageError(f"truncating must be 'post' or 'pre', not {truncating!r}")
        if not isinstance(length, (int, np.integer)) or length < 1:
            raise UsageError(f"length must be a positive integer, not {length!r}")
        if isinstance(token_lists, str) or (len(token_lists) and isinstance(token_lists[0], str)):
            raise UsageError("encode() needs a list of token lists; for one review use encode([tokens], length)")
        if not len(token_lists):
            return np.zeros((0, int(length)), dtype=np.int32)
        # One StringLookup call on all tokens at once, then cut back into reviews.
        flat = list(itertools.chain.from_iterable(token_lists))
        ids = np.asarray(self._lookup(np.array(flat, dtype=object))) if flat else np.zeros(0, np.int64)
        rows = np.split(ids, np.cumsum([len(t) for t in token_lists])[:-1])
        return keras.utils.pad_sequences(rows, maxlen=int(length), dtype="int32", padding="post",
                                         truncating=truncating)

    def decode(self, ids) -> list:
        """Tokens of one id sequence (padding dropped); a 2-D array gives a list of lists."""
        arr = np.asarray(ids)
        if arr.ndim == 2:
            return [self.decode(row) for row in arr]
        if arr.ndim != 1:
            raise UsageError(f"decode() needs a 1-D or 2-D array of ids, got shape {arr.shape}")
        try:
            return [self.tokens[i] for i in arr.tolist() if i != 0]
        except IndexError:
            raise UsageError(f"an id is outside the vocabulary (size {self.size})") from None

    def coverage(self, token_lists: Iterable[Sequence[str]]) -> float:
        """Share of the tokens in ``token_lists`` that are in the vocabulary (not OOV)."""
        index = self._index
        total = known = 0
        for tokens in token_lists:
            total += len(tokens)
            known += sum(1 for t in tokens if index.get(t, 1) > 1)
        return known / total if total else 0.0

    def save(self, path) -> Path:
        """Write the vocabulary as a small JSON file (e.g. beside a ``.keras`` model)."""
        path = Path(path)
        payload = {"format": _FORMAT, "format_version": 1, "text_version": TEXT_VERSION,
                   "pad_token": _PAD, "oov_token": _OOV, "tokens": self.tokens}
        with paths.atomic_write(path, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, ensure_ascii=False)
        return path

    @classmethod
    def load(cls, path) -> "Vocabulary":
        """Read a file written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            raise UsageError(f"no vocabulary file at {path}")
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
            if payload.get("format") != _FORMAT:
                raise ValueError("not a vocabulary file")
            tokens = payload["tokens"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CorruptDataError(f"{path} is not a vocabulary saved by Vocabulary.save ({exc})") from None
        saved_version = payload.get("text_version")
        if saved_version and saved_version != TEXT_VERSION:
            warnings.warn(f"{path} was built with text version {saved_version}, this package "
                          f"tokenizes with {TEXT_VERSION}: some tokens may now be out of vocabulary",
                          stacklevel=2)
        return cls(tokens)
