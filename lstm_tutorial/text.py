"""From raw review text to integer ids: cleaning, NLTK tokens, stopwords, vocabulary.

The pipeline a notebook uses::

    from lstm_tutorial import text
    train_tokens, y_train = text.preprocess_imdb("train")      # cached on disk
    vocab = text.Vocabulary.fit(train_tokens, max_tokens=20000, min_count=2)
    x_train = vocab.encode(train_tokens, length=256)          # int32 (25000, 256)

Who does what:

* cleaning (HTML tags such as ``<br />``, entities, URLs, case, whitespace) is a few
  regular expressions here: neither NLTK nor Keras offers it for this data;
* tokenization is NLTK's :class:`~nltk.tokenize.RegexpTokenizer` with a Treebank-like
  rule for contractions (``"don't" -> "do", "n't"``), chosen after measuring NLTK's
  tokenizers on IMDB reviews (see :class:`ReviewTokenizer`);
* stopwords are NLTK's English list (:func:`english_stopwords`);
* the vocabulary and the string -> integer mapping are Keras'
  :class:`keras.layers.StringLookup` (:class:`Vocabulary`); only the frequency limit
  (``min_count``), which ``StringLookup.adapt`` does not have, is counted here.

Importing this module is cheap: NLTK and Keras are imported inside the functions that
need them.
"""
from __future__ import annotations

import hashlib
import html
import inspect
import io
import itertools
import json
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .tools import paths
from .tools.paths import atomic_write
from .errors import CorruptDataError, DataUnavailableError, UsageError

__all__ = [
    "clean",
    "tokenize",
    "ReviewTokenizer",
    "english_stopwords",
    "remove_stopwords",
    "negations_removed",
    "NEGATION_WORDS",
    "preprocess",
    "preprocess_imdb",
    "Vocabulary",
    "PAD_TOKEN",
    "OOV_TOKEN",
    "lengths",
    "length_percentile",
    "truncation_share",
    "TEXT_VERSION",
]

# ---------------------------------------------------------------------------------
# Cleaning
# ---------------------------------------------------------------------------------

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
    # str.split() with no argument splits on any run of whitespace (also \t, \n,
    # non-breaking spaces) and drops empty strings: the fastest way to normalise it.
    return " ".join(text.lower().translate(_QUOTES).split())


# ---------------------------------------------------------------------------------
# Tokenization
# ---------------------------------------------------------------------------------

#: The token rule. Applied after "n't" and "cannot" have been split off (see
#: ReviewTokenizer.tokenize), it keeps: "n't"; words, numbers and hyphenated
#: compounds ("well-made"); the clitics 's 'm 'd 'll 're 've; "..." as one token;
#: and every other symbol as a token of its own ("7/10" -> "7", "/", "10").
TOKEN_PATTERN = r"(?!n't)\w+(?:-\w+)*|n't\b|'(?:s|m|d|ll|re|ve)\b|\.\.+|[^\w\s]"


def _make_tokenizer_class():
    from nltk.tokenize import RegexpTokenizer

    class ReviewTokenizer(RegexpTokenizer):
        """NLTK's RegexpTokenizer with a Treebank-like rule for contractions.

        Why this one: measured on 3,000 cleaned IMDB training reviews on a
        CPU (``benchmarks/bench_preprocessing.py``), in words/s:
        NLTKWordTokenizer 123k, TreebankWordTokenizer 152k, TweetTokenizer 183k,
        ToktokTokenizer 568k, WordPunctTokenizer 673k, this rule through NLTK's
        stock RegexpTokenizer 518k, this tokenizer 1,476k.
        Only the Treebank family and this one split "don't" into "do" + "n't",
        which keeps negations visible to the model and lets the stopword discussion
        (NLTK's list contains "not" and the n't forms) work on tokens.  Its output
        matches Treebank's on words and contractions; it differs in splitting
        "7/10" into "7", "/", "10" (useful for ratings) and in quotes.

        Why the speed: NLTK >= 3.9 compiles caller-supplied RegexpTokenizer patterns
        with the third-party ``regex`` engine under a ReDoS timeout (``nltk.redos``),
        which costs ~2.8x here.  The pattern above is fixed and linear (no nested
        quantifiers over the same text), so it is compiled with the standard ``re``
        module instead; contractions are split off with ``str.replace`` (C speed)
        rather than with a look-ahead, which made the rule another ~1.6x faster.
        """

        def __init__(self):
            super().__init__(TOKEN_PATTERN)
            self._regexp = re.compile(TOKEN_PATTERN, re.IGNORECASE)

        def _check_regexp(self):  # the stdlib pattern is already compiled
            if self._regexp is None:  # pragma: no cover - set in __init__
                self._regexp = re.compile(TOKEN_PATTERN, re.IGNORECASE)

        def tokenize(self, text: str) -> list[str]:
            if "\u2019" in text:
                text = text.replace("\u2019", "'")
            if "n't" in text:  # cleaned (lower-case) text: plain str.replace, C speed
                text = text.replace("n't", " n't")
            if "'T" in text or "N'" in text:  # upper-case forms in uncleaned text
                text = _NT.sub(r" \1", text)
            if "annot" in text or "ANNOT" in text:
                text = _CANNOT.sub(r"\1 \2", text)
            return self._regexp.findall(text)

    return ReviewTokenizer


_NT = re.compile(r"(n't)", re.IGNORECASE)
_CANNOT = re.compile(r"\b(can)(not)\b", re.IGNORECASE)
_tokenizer = None


def _tokenizer_class():
    cls = globals().get("ReviewTokenizer")
    if cls is None:
        cls = globals()["ReviewTokenizer"] = _make_tokenizer_class()
    return cls


def __getattr__(name):  # lazy ``text.ReviewTokenizer`` so that NLTK loads on demand
    if name == "ReviewTokenizer":
        return _tokenizer_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _get_tokenizer():
    global _tokenizer
    if _tokenizer is None:
        _tokenizer = _tokenizer_class()()
    return _tokenizer


def tokenize(text: str) -> list[str]:
    """Split (cleaned) text into tokens with :class:`ReviewTokenizer` (NLTK, no model).

    >>> tokenize("i don't like it, it's bad... 7/10")
    ['i', 'do', "n't", 'like', 'it', ',', 'it', "'s", 'bad', '...', '7', '/', '10']
    """
    if not isinstance(text, str):
        raise UsageError(f"tokenize() needs a str, got {type(text).__name__}")
    return _get_tokenizer().tokenize(text)


# ---------------------------------------------------------------------------------
# Stopwords
# ---------------------------------------------------------------------------------

#: Words that carry negation. NLTK's English stopword list contains many of them
#: (see :func:`negations_removed`); removing them turns "not good" into "good".
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

_STOPWORDS_HELP = (
    "NLTK's English stopword list is not installed and could not be downloaded. "
    "Get it with `python -m nltk.downloader stopwords` (on a machine with internet), "
    "or copy an nltk_data folder holding corpora/stopwords(.zip) here and set the "
    "NLTK_DATA environment variable to that folder."
)
#: Seconds the one download attempt may take before we give up on it.
DOWNLOAD_TIMEOUT_S = 30.0

_download_attempted = False
# Works for both an unzipped folder and stopwords.zip (a bare "corpora/stopwords" does not).
_STOPWORDS_RESOURCE = "corpora/stopwords/english"
_raw_stopwords: frozenset[str] | None = None
_derived_stopwords: dict = {}
_lock = threading.Lock()


def _honour_nltk_data(nltk) -> None:
    # nltk reads NLTK_DATA only when it is first imported; a notebook may set the
    # variable later, so put its folders first on the search path on every call.
    for folder in reversed(os.environ.get("NLTK_DATA", "").split(os.pathsep)):
        if folder and folder not in nltk.data.path:
            nltk.data.path.insert(0, folder)


def describe_stopwords() -> str:
    """One line for ``doctor``: where NLTK's English stopwords load from; never downloads."""
    import nltk

    _honour_nltk_data(nltk)
    try:
        location = nltk.data.find(_STOPWORDS_RESOURCE)
    except LookupError:
        return ("missing; the first use tries one download, or run "
                "`python -m nltk.downloader stopwords` (or set NLTK_DATA to a folder that has them)")
    return f"available ({location})"


def _download_stopwords_once() -> bool:
    """Try ``nltk.download("stopwords")`` once per process, for at most DOWNLOAD_TIMEOUT_S.

    Offline it normally fails in well under a second; a firewall that silently drops
    packets could make it hang, so it runs in a daemon thread that we stop waiting for.
    """
    global _download_attempted
    if _download_attempted:
        return False
    _download_attempted = True
    import nltk

    result: list = []

    def attempt():
        try:
            kwargs = {"quiet": True}
            if "print_error_to" in inspect.signature(nltk.download).parameters:
                kwargs["print_error_to"] = io.StringIO()  # we raise our own, clearer error
            result.append(bool(nltk.download("stopwords", **kwargs)))
        except Exception:  # noqa: BLE001 - any failure means "not available"
            result.append(False)

    worker = threading.Thread(target=attempt, name="nltk-stopwords-download", daemon=True)
    worker.start()
    worker.join(DOWNLOAD_TIMEOUT_S)
    return bool(result and result[0])


def _load_raw_stopwords() -> frozenset[str]:
    global _raw_stopwords
    with _lock:
        if _raw_stopwords is not None:
            return _raw_stopwords
        import nltk

        _honour_nltk_data(nltk)
        try:
            nltk.data.find(_STOPWORDS_RESOURCE)
        except LookupError:
            if not _download_stopwords_once():
                raise DataUnavailableError(_STOPWORDS_HELP) from None
            try:
                nltk.data.find(_STOPWORDS_RESOURCE)
            except LookupError:
                raise DataUnavailableError(_STOPWORDS_HELP) from None
        from nltk.corpus import stopwords

        try:
            words = stopwords.words("english")
        except (LookupError, OSError) as exc:
            raise DataUnavailableError(f"{_STOPWORDS_HELP} ({exc})") from None
        _raw_stopwords = frozenset(words)
        return _raw_stopwords


def english_stopwords(keep_negations: bool = False, raw: bool = False) -> frozenset[str]:
    """NLTK's English stopword list (179 words in NLTK's 2024 data), ready for our tokens.

    NLTK's list is written for whitespace tokens: it has "don't" and "it's", while
    :func:`tokenize` produces "do", "n't" and "it", "'s". So that removing stopwords
    means the same thing on our tokens, the pieces of every contracted entry are added
    ("n't", "'s", "'ll", "'re", "'ve", "'d"; not "could" from "couldn't", which the
    list does not hold); pass ``raw=True`` for the list exactly as NLTK ships it.

    ``keep_negations=True`` leaves out every word in :data:`NEGATION_WORDS` ("not",
    "no", "nor", "n't", "don't", ...), the usual fix for sentiment tasks.

    The corpus is looked up on ``NLTK_DATA`` and NLTK's default folders; when it is
    missing, one ``nltk.download("stopwords")`` is tried (time-limited), then
    :class:`~lstm_tutorial.errors.DataUnavailableError` says how to get it.
    """
    words = _load_raw_stopwords()
    key = (keep_negations, raw)
    cached = _derived_stopwords.get(key)
    if cached is not None and cached[0] is words:  # remove_stopwords() may run once per review
        return cached[1]
    source = words
    if not raw:
        tok = _get_tokenizer()
        # Only the clitic pieces: "couldn't" adds "n't", not "could" (not in NLTK's list).
        pieces = {p for w in words if "'" in w for p in tok.tokenize(w)
                  if p.startswith("'") or p == "n't"}
        words = words | pieces
    if keep_negations:
        words = words - NEGATION_WORDS
    words = frozenset(words)
    _derived_stopwords[key] = (source, words)
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


def negations_removed(stopwords: Iterable[str] | None = None) -> list[str]:
    """The negation words (:data:`NEGATION_WORDS`) that ``stopwords`` would remove, sorted.

    With NLTK's list this includes "not", "no", "nor", "n't" and forms such as
    "didn't"/"didn": a review saying "not good at all" keeps only "good".
    """
    stop = english_stopwords() if stopwords is None else frozenset(stopwords)
    return sorted(NEGATION_WORDS & stop)


# ---------------------------------------------------------------------------------
# Whole-corpus preprocessing and its disk cache
# ---------------------------------------------------------------------------------

#: Version of the cleaning + tokenizing rules; part of every cache key, so changing
#: the rules (bump the number) or the pattern never serves stale token lists.
TEXT_VERSION = "1-" + hashlib.sha1(
    (TOKEN_PATTERN + _TAG_OR_URL.pattern + repr(sorted(_QUOTES.items()))).encode()
).hexdigest()[:8]


def _preprocess_chunk(texts: Sequence[str], stopwords: frozenset[str] | None) -> list[list[str]]:
    tok = _get_tokenizer().tokenize
    intern = sys.intern  # one shared str object per distinct token: ~6x less memory
    out = []
    for t in texts:
        tokens = tok(clean(t))
        if stopwords is not None:
            out.append([intern(w) for w in tokens if w not in stopwords])
        else:
            out.append(list(map(intern, tokens)))
    return out


def preprocess(texts: Sequence[str], remove_stopwords: bool = False,
               workers: int | None = 1) -> list[list[str]]:
    """Clean and tokenize every text (and drop stopwords if asked): a list of token lists.

    ``workers`` > 1 splits the work over that many processes (``None``: one per CPU,
    at most 4), started with "spawn" (safe next to TensorFlow's threads; a script
    that uses it needs the usual ``if __name__ == "__main__":`` guard). Processes
    pay for start-up and for pickling the token lists back, which on a small machine
    can cost more than they save (``benchmarks/bench_preprocessing.py`` measures
    both on yours), so the default is 1.
    """
    if isinstance(texts, str):
        raise UsageError("preprocess() needs a list of texts, not one str; use tokenize(clean(text))")
    stop = english_stopwords() if remove_stopwords else None
    if workers is None:
        workers = max(1, min(4, os.cpu_count() or 1))
    texts = list(texts)
    if workers <= 1 or len(texts) < 2000:
        return _preprocess_chunk(texts, stop)
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # "spawn": safe even when the parent already runs TensorFlow's threads (fork is not).
    n_chunks = workers * 4
    size = -(-len(texts) // n_chunks)
    chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        parts = pool.map(_preprocess_chunk, chunks, itertools.repeat(stop))
        intern = sys.intern
        return [list(map(intern, tokens)) for part in parts for tokens in part]


def _cache_path(split: str, data_key: str, stopwords: frozenset[str] | None) -> Path:
    """The token cache for one split of one copy of the data, cleaned by these rules
    (:data:`TEXT_VERSION`) and with this stopword list (a hash of it) removed, if any."""
    if stopwords is None:
        flag = "all"
    else:
        flag = "nostop-" + hashlib.sha1("\n".join(sorted(stopwords)).encode("utf-8")).hexdigest()[:8]
    return paths.cache_dir() / f"tokens-{split}-{data_key}-{flag}-v{TEXT_VERSION}.npz"


def _save_token_cache(path: Path, token_lists: list[list[str]], labels: np.ndarray) -> None:
    """Store token lists compactly: distinct tokens once, then int32 ids + row offsets.

    Loading this is ~1 s for 25,000 reviews (NumPy gathers the strings), and gives
    every occurrence of a token the same str object, which keeps memory low.
    """
    index: dict[str, int] = {}
    setdefault = index.setdefault
    flat = itertools.chain.from_iterable(token_lists)
    ids = np.fromiter((setdefault(t, len(index)) for t in flat), dtype=np.int32)
    offsets = np.zeros(len(token_lists) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in token_lists], out=offsets[1:])
    # Tokens never contain whitespace (the tokenizer splits on it), so "\n" separates them.
    vocab = np.frombuffer("\n".join(index).encode("utf-8"), dtype=np.uint8)
    with atomic_write(path) as fh:  # readers see the old file or the complete new one
        np.savez(fh, vocab=vocab, ids=ids, offsets=offsets,
                 labels=np.asarray(labels, dtype=np.int64),
                 version=np.frombuffer(TEXT_VERSION.encode(), dtype=np.uint8))


def _load_token_cache(path: Path) -> tuple[list[list[str]], np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as z:
            vocab_bytes, ids, offsets, labels = z["vocab"], z["ids"], z["offsets"], z["labels"]
        vocab = vocab_bytes.tobytes().decode("utf-8").split("\n") if len(vocab_bytes) else []
        words = np.array(vocab, dtype=object)[ids].tolist()
    except Exception as exc:  # truncated or foreign file
        raise CorruptDataError(f"token cache {path} is unreadable ({exc}); delete it to rebuild") from exc
    bounds = offsets.tolist()
    token_lists = [words[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    return token_lists, labels


def preprocess_imdb(split: str = "train", remove_stopwords: bool = False, *, source=None,
                    refresh: bool = False, workers: int | None = 1,
                    verbose: bool = False) -> tuple[list[list[str]], np.ndarray]:
    """Token lists and labels of an IMDB split, cached in ``paths.cache_dir()``.

    The first call loads the reviews with :func:`lstm_tutorial.tools.datasets.load_imdb` and runs
    :func:`preprocess`; later calls read the cache. The cache is keyed on everything
    the tokens depend on: the split, which copy of the data (``source`` or the usual
    look-up; :func:`lstm_tutorial.tools.datasets.data_key`), the stopword list when stopwords are
    removed, and the cleaning rules (:data:`TEXT_VERSION`). ``refresh=True`` rebuilds it.
    """
    if split not in {"train", "test", "unsup"}:
        raise UsageError(f"split must be 'train', 'test' or 'unsup', not {split!r}")
    from .tools.datasets import data_key, load_imdb

    stop = english_stopwords() if remove_stopwords else None
    path = _cache_path(split, data_key(source), stop)
    if not refresh and path.is_file():
        t0 = time.perf_counter()
        result = _load_token_cache(path)
        if verbose:
            print(f"{split}: {len(result[0]):,} reviews from cache in {time.perf_counter() - t0:.1f} s")
        return result
    t0 = time.perf_counter()
    texts, labels = load_imdb(split, source=source)
    token_lists = preprocess(texts, remove_stopwords=remove_stopwords, workers=workers)
    labels = np.asarray(labels, dtype=np.int64)
    _save_token_cache(path, token_lists, labels)
    if verbose:
        print(f"{split}: {len(token_lists):,} reviews loaded and tokenized in "
              f"{time.perf_counter() - t0:.1f} s")
    return token_lists, labels


# ---------------------------------------------------------------------------------
# Sequence lengths
# ---------------------------------------------------------------------------------

def lengths(token_lists: Sequence[Sequence[str]]) -> np.ndarray:
    """Number of tokens of each review, as an int64 array."""
    return np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))


def length_percentile(token_lists: Sequence[Sequence[str]], q: float = 90) -> int:
    """The ``q``-th percentile (0-100) of the token counts, rounded up: a sequence length
    that keeps ``q`` % of the reviews whole."""
    if not 0 <= q <= 100:
        raise UsageError(f"q is a percentage between 0 and 100, not {q}")
    if len(token_lists) == 0:
        raise UsageError("length_percentile() needs at least one token list")
    return int(np.ceil(np.percentile(lengths(token_lists), q)))


def truncation_share(token_lists: Sequence[Sequence[str]], length: int) -> float:
    """Fraction of reviews longer than ``length`` tokens (they lose tokens in encode)."""
    if len(token_lists) == 0:
        return 0.0
    return float(np.mean(lengths(token_lists) > length))


# ---------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------

#: Id 0: padding (Keras' mask token); id 1: out-of-vocabulary.
PAD_TOKEN = ""
OOV_TOKEN = "[UNK]"
_FORMAT = "lstm_tutorial.Vocabulary"


class Vocabulary:
    """Token <-> id mapping fitted on training data; a thin wrapper over ``StringLookup``.

    Ids: 0 = padding (``""``), 1 = out-of-vocabulary (``"[UNK]"``), then the kept
    tokens from most to least frequent. ``size`` counts all of them, so an
    ``Embedding(input_dim=vocab.size, ...)`` fits exactly.

    Keras' :class:`~keras.layers.StringLookup` holds the mapping (:meth:`as_layer`)
    and encodes (:meth:`encode`). Counting is done here with ``collections.Counter``
    because ``StringLookup.adapt`` has a size limit but no frequency limit
    (``min_count``), and because it is faster on token lists (1.3 s against 3.3 s for
    25,000 reviews, see the benchmark). Padding/truncation to a fixed length is also
    done here: Keras' ``pad_sequences`` pads with NumPy in a Python loop per row, and
    ``TextVectorization`` would redo our NLTK tokenization with its own splitter.
    """

    def __init__(self, tokens: Sequence[str], *, max_tokens: int | None = None,
                 min_count: int | None = None):
        tokens = list(tokens)
        if tokens[:2] != [PAD_TOKEN, OOV_TOKEN]:
            tokens = [PAD_TOKEN, OOV_TOKEN] + [t for t in tokens if t not in (PAD_TOKEN, OOV_TOKEN)]
        if len(set(tokens)) != len(tokens):
            raise UsageError("a vocabulary cannot list a token twice")
        self._tokens = tokens
        self.max_tokens = max_tokens
        self.min_count = min_count
        self._index = {t: i for i, t in enumerate(tokens)}
        self._layer = None  # the StringLookup behind encode(), built on first use
        #: Training counts of the kept tokens (set by :meth:`fit`; None after :meth:`load`).
        self.counts: dict[str, int] | None = None

    # -- construction -------------------------------------------------------------
    @classmethod
    def fit(cls, token_lists: Iterable[Sequence[str]], max_tokens: int | None = 20000,
            min_count: int = 2) -> "Vocabulary":
        """Keep the most frequent tokens of the *training* token lists.

        ``max_tokens`` is the total size including PAD and OOV (as in Keras), so at
        most ``max_tokens - 2`` real tokens are kept; ``None`` means no size limit.
        Tokens seen fewer than ``min_count`` times are left out (they become OOV).
        Ties in frequency are broken alphabetically, so a fit is reproducible.
        """
        from collections import Counter

        if max_tokens is not None and max_tokens < 3:
            raise UsageError(f"max_tokens must be at least 3 (PAD, OOV and one token), not {max_tokens}")
        if min_count < 1:
            raise UsageError(f"min_count must be at least 1, not {min_count}")
        if isinstance(token_lists, str) or (isinstance(token_lists, (list, tuple)) and token_lists
                                            and isinstance(token_lists[0], str)):
            raise UsageError("Vocabulary.fit() needs a list of token lists, e.g. [['a', 'film'], ...]")
        counts = Counter()
        for tokens in token_lists:
            counts.update(tokens)
        counts.pop(PAD_TOKEN, None)
        counts.pop(OOV_TOKEN, None)
        kept = [(t, c) for t, c in counts.items() if c >= min_count]
        kept.sort(key=lambda tc: (-tc[1], tc[0]))
        if max_tokens is not None:
            kept = kept[:max_tokens - 2]
        vocab = cls([t for t, _ in kept], max_tokens=max_tokens, min_count=min_count)
        vocab.counts = dict(kept)
        return vocab

    # -- properties -------------------------------------------------------------
    @property
    def tokens(self) -> list[str]:
        """All tokens by id: ``["", "[UNK]", most frequent, ...]`` (StringLookup order)."""
        return list(self._tokens)

    @property
    def size(self) -> int:
        """Number of ids, PAD and OOV included (the Embedding's ``input_dim``)."""
        return len(self._tokens)

    def __len__(self) -> int:
        return len(self._tokens)

    def __contains__(self, token: str) -> bool:
        return token in self._index and self._index[token] > 1

    def __repr__(self) -> str:
        return f"Vocabulary(size={self.size}, max_tokens={self.max_tokens}, min_count={self.min_count})"

    def token_to_id(self, token: str) -> int:
        return self._index.get(token, 1) if token != PAD_TOKEN else 0

    def id_to_token(self, i: int) -> str:
        return self._tokens[i]

    def as_layer(self):
        """A ``keras.layers.StringLookup`` with this vocabulary (0 = "" mask, 1 = OOV).

        Put it in front of a model to feed it token strings directly.
        """
        from keras.layers import StringLookup

        return StringLookup(vocabulary=self._tokens[2:], mask_token=PAD_TOKEN,
                            oov_token=OOV_TOKEN, num_oov_indices=1)

    # -- encode / decode ----------------------------------------------------------
    def encode(self, token_lists: Sequence[Sequence[str]], length: int,
               truncating: str = "post") -> np.ndarray:
        """Ids as an int32 array ``(len(token_lists), length)``, right-padded with 0.

        Longer lists lose their end (``truncating="post"``) or their beginning
        (``"pre"``, which keeps the last ``length`` tokens). Padding is always at the
        end, which keeps Keras' LSTM eligible for the fast cuDNN kernel on a GPU.
        Unknown tokens get id 1.
        """
        if truncating not in ("post", "pre"):
            raise UsageError(f"truncating must be 'post' or 'pre', not {truncating!r}")
        if not isinstance(length, (int, np.integer)) or length < 1:
            raise UsageError(f"length must be a positive integer, not {length!r}")
        if isinstance(token_lists, str) or (len(token_lists) and isinstance(token_lists[0], str)):
            raise UsageError("encode() needs a list of token lists; for one review use encode([tokens], length)")
        length = int(length)
        if truncating == "post":
            kept = [t[:length] for t in token_lists]
        else:
            kept = [t[-length:] if len(t) > length else t for t in token_lists]
        row_lengths = np.fromiter((len(t) for t in kept), dtype=np.int64, count=len(kept))
        flat = self._lookup(list(itertools.chain.from_iterable(kept)))
        out = np.zeros((len(kept), length), dtype=np.int32)
        # Row-major boolean assignment fills each row's first len(row) cells in order.
        out[np.arange(length) < row_lengths[:, None]] = flat
        return out

    def _lookup(self, flat_tokens: list[str]) -> np.ndarray:
        # Keras does the look-up: one StringLookup call on a flat string tensor (then
        # NumPy places the ids row by row in encode). Measured on 25,000 test reviews
        # (benchmarks/bench_preprocessing.py): 1.9 s, against 2.8 s for a Python dict
        # look-up; the ids are identical (tested). The layer is built once and kept.
        if not flat_tokens:
            return np.zeros(0, dtype=np.int32)
        import tensorflow as tf

        if self._layer is None:
            self._layer = self.as_layer()
        ids = self._layer(tf.constant(flat_tokens, dtype=tf.string))
        return np.asarray(ids).astype(np.int32, copy=False)

    def _lookup_dict(self, flat_tokens: list[str]) -> np.ndarray:
        """The same ids without TensorFlow (a dict look-up); used by the tests and benchmark."""
        get = self._index.get
        return np.fromiter(map(get, flat_tokens, itertools.repeat(1)), dtype=np.int32,
                           count=len(flat_tokens))

    def decode(self, ids) -> list:
        """Tokens of one id sequence (padding dropped); a 2-D array gives a list of lists."""
        arr = np.asarray(ids)
        if arr.ndim == 2:
            return [self.decode(row) for row in arr]
        if arr.ndim != 1:
            raise UsageError(f"decode() needs a 1-D or 2-D array of ids, got shape {arr.shape}")
        toks = self._tokens
        try:
            return [toks[i] for i in arr.tolist() if i != 0]
        except IndexError:
            raise UsageError(f"an id is outside the vocabulary (size {self.size})") from None

    # -- coverage -----------------------------------------------------------------
    def coverage(self, token_lists: Iterable[Sequence[str]]) -> float:
        """Share of the tokens in ``token_lists`` that are in the vocabulary (not OOV)."""
        index = self._index
        total = known = 0
        for tokens in token_lists:
            total += len(tokens)
            known += sum(1 for t in tokens if index.get(t, 1) > 1)
        return known / total if total else 0.0

    # -- persistence --------------------------------------------------------------
    def save(self, path) -> Path:
        """Write the vocabulary as a small JSON file (e.g. beside a ``.keras`` model)."""
        path = Path(path)
        payload = {"format": _FORMAT, "format_version": 1, "text_version": TEXT_VERSION,
                   "max_tokens": self.max_tokens, "min_count": self.min_count,
                   "pad_token": PAD_TOKEN, "oov_token": OOV_TOKEN, "tokens": self._tokens}
        with atomic_write(path, "w", encoding="utf-8") as fh:
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
            import warnings

            warnings.warn(f"{path} was built with text version {saved_version}, this package "
                          f"tokenizes with {TEXT_VERSION}: some tokens may now be out of vocabulary",
                          stacklevel=2)
        return cls(tokens, max_tokens=payload.get("max_tokens"), min_count=payload.get("min_count"))
