"""The token-list and word-vector caches (``text.preprocess_imdb``, ``embeddings.word_vectors``).

One ``.npz`` each in ``cache_dir()``, without pickle, written atomically and named after all
its content depends on, so other data, rules or settings never get a stale result. Strings are
one UTF-8 blob split by "\\n" (tokens and word2vec's words never hold whitespace).
"""
from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import numpy as np

from .errors import CorruptDataError
from .paths import atomic_write, cache_dir


def _stopwords_key(stopwords) -> str:
    return hashlib.sha1("\n".join(sorted(stopwords)).encode("utf-8")).hexdigest()[:8]


def _blob(strings) -> np.ndarray:
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def _strings(blob: np.ndarray) -> list[str]:
    return blob.tobytes().decode("utf-8").split("\n") if len(blob) else []


def _read(path: Path, what: str, decode):
    """``decode(npz)`` of the file; a truncated or foreign file raises CorruptDataError."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return decode(z)
    except Exception as exc:
        raise CorruptDataError(f"{what} cache {path} is unreadable ({exc}); delete it to rebuild") from exc


# ----------------------------------------------------------------------------- token lists
def token_cache_path(split: str, data_key: str, stopwords, text_version: str) -> Path:
    """The token cache of one split of one copy of the data, by tokenizer ``text_version``, with
    ``stopwords`` removed (None: none)."""
    flag = "all" if stopwords is None else f"nostop-{_stopwords_key(stopwords)}"
    return cache_dir() / f"tokens-{split}-{data_key}-{flag}-v{text_version}.npz"


def save_tokens(path: Path, token_lists, labels, text_version: str) -> None:
    """Distinct tokens once, then int32 ids and row offsets: loads in about 1 s for 25,000
    reviews, and every occurrence of a token comes back as the same str object (less memory)."""
    index: dict[str, int] = {}
    setdefault = index.setdefault
    flat = itertools.chain.from_iterable(token_lists)
    ids = np.fromiter((setdefault(t, len(index)) for t in flat), dtype=np.int32)
    offsets = np.zeros(len(token_lists) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in token_lists], out=offsets[1:])
    with atomic_write(path) as fh:
        np.savez(fh, vocab=_blob(index), ids=ids, offsets=offsets, labels=np.asarray(labels, dtype=np.int64),
                 version=np.frombuffer(text_version.encode(), dtype=np.uint8))


def load_tokens(path: Path) -> tuple[list[list[str]], np.ndarray]:
    """The token lists and labels :func:`save_tokens` wrote."""
    def decode(z):
        return np.array(_strings(z["vocab"]), dtype=object)[z["ids"]].tolist(), z["offsets"].tolist(), z["labels"]

    words, bounds, labels = _read(path, "token", decode)
    return [words[a:b] for a, b in itertools.pairwise(bounds)], labels


# ----------------------------------------------------------------------------- word vectors
def word_vectors_path(dim: int, stopwords, **depends_on) -> Path:
    """The word-vector cache named by a hash of the JSON of everything the vectors depend on."""
    payload = {"dim": dim, "stopwords": None if stopwords is None else _stopwords_key(stopwords), **depends_on}
    key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    return cache_dir() / f"word2vec-{dim}d-{key}.npz"


def save_word_vectors(path: Path, words, vectors) -> None:
    with atomic_write(path) as fh:
        np.savez(fh, words=_blob(words), vectors=np.asarray(vectors, dtype=np.float32))


def load_word_vectors(path: Path) -> tuple[list[str], np.ndarray]:
    """The words and their vectors (one row each) :func:`save_word_vectors` wrote."""
    words, vectors = _read(path, "word-vector", lambda z: (_strings(z["words"]), z["vectors"]))
    if vectors.ndim != 2 or len(words) != len(vectors):
        raise CorruptDataError(f"word-vector cache {path} has {len(words)} words for "
                               f"{len(vectors)} vectors; delete it to rebuild")
    return words, vectors
