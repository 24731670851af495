"""word2vec vectors learnt from the IMDB reviews themselves, to start the classifiers'
Embedding layer from something better than random numbers.

25,000 labels are few to learn what 30,000 words mean; word2vec (gensim) learns which words
share contexts from the training and 50,000 unlabelled reviews (never the test ones), and the
classifier fine-tunes these vectors. Nothing is downloaded; the vectors are cached::

    vectors = word_vectors(dim=100)                           # a minute or two, once
    matrix, share = embedding_matrix(vocab, vectors, seed=0)  # (vocab.size, 100) float32
    model.get_layer("embedding").set_weights([matrix])
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Sequence

import numpy as np
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from . import text
from .io import caches, datasets
from .io.errors import UsageError

__all__ = ["WORD2VEC_SETTINGS", "word_vectors", "embedding_matrix"]

#: The word2vec settings (gensim's names). CBOW (``sg=0``) is several times faster than
#: skip-gram on a CPU; a window of 5 words, words seen at least 5 times, 5 passes.
#: ``workers`` is not part of the result's cache key (it changes only the speed and
#: the exact floating-point result, as gensim's threads race on the shared weights).
WORD2VEC_SETTINGS = {"sg": 0, "window": 5, "min_count": 5, "negative": 5, "sample": 1e-3,
                     "epochs": 5, "seed": 1}

#: The splits word2vec reads: the training reviews' text (labels unused) and the
#: unlabelled reviews. Never "test".
_PRETRAIN_SPLITS = ("train", "unsup")


class _Progress(CallbackAny2Vec):
    """Prints one line per pass over the corpus, with the time so far."""

    def __init__(self, say, epochs: int):
        self.say, self.epochs, self.epoch, self.t0 = say, epochs, 0, time.perf_counter()

    def on_epoch_end(self, model):
        self.epoch += 1
        self.say(f"  word2vec pass {self.epoch}/{self.epochs} done ({time.perf_counter() - self.t0:.0f} s)")


def _train_word2vec(token_lists: Sequence[Sequence[str]], dim: int = 100, workers: int | None = None,
                   verbose: bool = False, **changes) -> KeyedVectors:
    """Train word2vec (gensim) on ``token_lists``; return gensim's words and vectors (``KeyedVectors``).

    ``changes`` override entries of :data:`WORD2VEC_SETTINGS` (e.g. ``min_count=1`` on a
    tiny corpus). ``workers`` defaults to the number of CPU cores.
    """
    unknown = set(changes) - set(WORD2VEC_SETTINGS)
    if unknown:
        raise UsageError(f"unknown word2vec settings {sorted(unknown)}; known: {sorted(WORD2VEC_SETTINGS)}")
    if dim < 1:
        raise UsageError(f"the vector size must be at least 1, not {dim}")
    token_lists = [list(t) for t in token_lists if len(t)]
    if not token_lists:
        raise UsageError("word2vec needs at least one non-empty review")
    settings = {**WORD2VEC_SETTINGS, **changes}
    say = print if verbose else (lambda *a, **k: None)
    n_tokens = sum(map(len, token_lists))
    say(f"  word2vec on {len(token_lists):,} reviews ({n_tokens / 1e6:.1f} M tokens), {dim} dimensions, "
        f"{settings['epochs']} passes")
    callbacks = [_Progress(say, settings["epochs"])] if verbose else []
    model = Word2Vec(sentences=token_lists, vector_size=dim, workers=workers or os.cpu_count() or 1,
                     callbacks=callbacks, **settings)
    if not len(model.wv.index_to_key):
        raise UsageError(f"no word is frequent enough for word2vec (min_count={settings['min_count']})")
    return model.wv


def _cache_path(dim: int, limit: int | None = None, remove_stopwords: bool = False, source=None,
               **changes) -> Path:
    """Where :func:`word_vectors` keeps its vectors: a name keyed on all they depend on (the
    copy of the data, the tokenizing rules, the stopword list, the settings and ``limit``)."""
    return caches.word_vectors_path(dim, text.english_stopwords() if remove_stopwords else None, limit=limit,
                                     splits=_PRETRAIN_SPLITS, settings={**WORD2VEC_SETTINGS, **changes},
                                     text_version=text.TEXT_VERSION, data=datasets.data_key(source))


def _pretraining_corpus(limit: int | None = None, remove_stopwords: bool = False, source=None,
                       verbose: bool = False) -> list:
    """The token lists word2vec reads: training reviews, then unlabelled ones (never test).

    ``limit`` keeps the first ``limit`` of each split (fast mode).
    """
    corpus = []
    for split in _PRETRAIN_SPLITS:
        tokens, _ = text.preprocess_imdb(split, remove_stopwords=remove_stopwords, source=source,
                                         verbose=verbose)
        corpus.extend(tokens if limit is None else tokens[:limit])
    return corpus


def word_vectors(dim: int = 100, limit: int | None = None, remove_stopwords: bool = False, *,
                 source=None, refresh: bool = False, verbose: bool = False, **changes) -> KeyedVectors:
    """word2vec vectors of the IMDB training + unlabelled reviews, trained once and cached on disk
    (keyed on the arguments and the data); ``refresh=True`` trains again. gensim's ``KeyedVectors``:
    ``vectors.index_to_key[i]`` is the word of row ``vectors.vectors[i]``."""
    path = _cache_path(dim, limit, remove_stopwords, source, **changes)
    say = print if verbose else (lambda *a, **k: None)
    if not refresh and path.is_file():
        t0 = time.perf_counter()
        words, rows = caches.load_word_vectors(path)
        vectors = KeyedVectors(rows.shape[1])
        vectors.add_vectors(words, rows)
        say(f"  word vectors: {len(words):,} words x {vectors.vector_size} from cache "
            f"in {time.perf_counter() - t0:.1f} s")
        return vectors
    say("  word vectors: training word2vec on the training and unlabelled reviews (cached after the first run)")
    corpus = _pretraining_corpus(limit, remove_stopwords, source, verbose)
    t0 = time.perf_counter()
    vectors = _train_word2vec(corpus, dim, verbose=verbose, **changes)
    caches.save_word_vectors(path, vectors.index_to_key, vectors.vectors)
    say(f"  word vectors: {len(vectors.index_to_key):,} words x {dim} in {time.perf_counter() - t0:.0f} s, "
        f"cached as {path.name} in the data cache")  # no machine path in notebook outputs
    return vectors


def embedding_matrix(vocab, vectors: KeyedVectors, seed: int = 0) -> np.ndarray:
    """Initial weights for ``Embedding(vocab.size, vectors.vector_size)``: row ``i`` is token ``i``'s word
    vector when word2vec has one, else random with the same spread; padding (id 0) is zeros.
    Returns ``(matrix, share of ids with a word vector)``."""
    rng = np.random.default_rng(seed)
    dim = vectors.vector_size
    std = float(np.std(vectors.vectors)) or 0.1
    matrix = rng.normal(0.0, std, size=(vocab.size, dim)).astype(np.float32)
    matrix[0] = 0.0
    index = vectors.key_to_index
    found = 0
    for i, token in enumerate(vocab.tokens):
        j = index.get(token) if i > 1 else None
        if j is not None:
            matrix[i] = vectors.vectors[j]
            found += 1
    return matrix, found / max(vocab.size - 2, 1)
