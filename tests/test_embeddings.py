"""embeddings.py: word2vec on a tiny corpus, the disk cache and its key, the splits it
reads (never test), and the embedding matrix that starts a classifier."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gensim")

from lstm_tutorial import embeddings, text
from lstm_tutorial.io import datasets as data  # noqa: E402
from lstm_tutorial.io.errors import UsageError  # noqa: E402

GOOD = ["great", "superb", "wonderful"]
BAD = ["awful", "dreadful", "terrible"]


def tiny_corpus(n: int = 1500, seed: int = 0) -> list[list[str]]:
    """Sentences in which the GOOD words share contexts, and the BAD words share others."""
    rng = np.random.default_rng(seed)
    corpus = []
    for i in range(n):
        if i % 2:
            corpus.append(["the", "film", "was", str(rng.choice(GOOD)), "and", "i", "loved", "it"])
        else:
            corpus.append(["the", "plot", "felt", str(rng.choice(BAD)), "so", "i", "hated", "it"])
    return corpus


@pytest.fixture(scope="module")
def vectors():
    return embeddings._train_word2vec(tiny_corpus(), dim=16, workers=1, min_count=1, epochs=10, sample=0)


def test_word2vec_puts_words_of_shared_contexts_together(vectors):
    assert vectors.vectors.shape == (len(vectors.index_to_key), 16) and vectors.vectors.dtype == np.float32
    unit = {w: v / np.linalg.norm(v) for w, v in zip(vectors.index_to_key, vectors.vectors)}

    def cos(a, b):
        return float(unit[a] @ unit[b])

    for g in GOOD:
        for b in BAD:
            assert cos("great", g) > cos("great", b) if g != "great" else True
            assert cos("awful", b) > cos("awful", g) if b != "awful" else True
    neighbours = sorted((w for w in vectors.index_to_key if w != "superb"), key=lambda w: -cos("superb", w))[:2]
    assert set(neighbours) == {"great", "wonderful"}


def test_embedding_matrix_copies_known_words_and_zeroes_padding(vectors):
    vocab = text.Vocabulary.fit([["great", "awful", "great", "unseenword", "unseenword"]], min_count=1)
    matrix, share = embeddings.embedding_matrix(vocab, vectors, seed=0)
    assert matrix.shape == (vocab.size, 16) and matrix.dtype == np.float32
    assert not matrix[0].any()  # padding
    index = vectors.key_to_index
    for word in ("great", "awful"):
        np.testing.assert_array_equal(matrix[vocab.token_to_id(word)], vectors.vectors[index[word]])
    assert share == pytest.approx(2 / 3)  # "unseenword" has no vector: random row
    assert matrix[vocab.token_to_id("unseenword")].any()
    again, _ = embeddings.embedding_matrix(vocab, vectors, seed=0)
    np.testing.assert_array_equal(matrix, again)  # seeded


def test_bad_settings_are_refused():
    with pytest.raises(UsageError, match="unknown word2vec settings"):
        embeddings._train_word2vec(tiny_corpus(10), dim=4, windw=3)
    with pytest.raises(UsageError, match="non-empty"):
        embeddings._train_word2vec([[], []], dim=4)


# ----------------------------------------------------------------------------- the IMDB corpus and its cache
@pytest.fixture
def fixture_imdb(tmp_path, monkeypatch):
    from test_training import build_fixture_imdb

    root = tmp_path / "imdb"
    counts = build_fixture_imdb(root)
    monkeypatch.setattr(data, "EXPECTED_COUNTS", counts)
    monkeypatch.setenv("LSTM_TUTORIAL_DATA", str(root))
    monkeypatch.setenv("LSTM_TUTORIAL_HOME", str(tmp_path / "home"))
    return counts


def test_word_vectors_read_train_and_unsup_never_test(fixture_imdb, monkeypatch, capsys):
    seen = []
    real = text.preprocess_imdb

    def spy(split, *args, **kwargs):
        seen.append(split)
        return real(split, *args, **kwargs)

    monkeypatch.setattr(text, "preprocess_imdb", spy)
    corpus = embeddings._pretraining_corpus()
    assert sorted(seen) == ["train", "unsup"]
    n_train = fixture_imdb["train/pos"] + fixture_imdb["train/neg"]
    assert len(corpus) == n_train + fixture_imdb["train/unsup"]
    test_tokens, _ = real("test")
    test_reviews = {tuple(t) for t in test_tokens}
    assert not test_reviews & {tuple(t) for t in corpus}
    limited = embeddings._pretraining_corpus(limit=5)
    assert len(limited) == 5 + min(5, fixture_imdb["train/unsup"])


def test_word_vectors_are_cached_and_keyed_on_their_settings(fixture_imdb, monkeypatch, capsys):
    first = embeddings.word_vectors(dim=8, verbose=True, min_count=1)
    out = capsys.readouterr().out
    assert "word2vec pass 1/" in out and "cached as word2vec-" in out  # progress shown
    path = embeddings._cache_path(8, min_count=1)
    assert path.is_file() and path.parent == data.paths.cache_dir()

    def no_training(*a, **k):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(embeddings, "_train_word2vec", no_training)
    again = embeddings.word_vectors(dim=8, verbose=True, min_count=1)
    assert "from cache" in capsys.readouterr().out
    np.testing.assert_array_equal(again.vectors, first.vectors)
    # anything the vectors depend on changes the file name (the stopword setting: the test below)
    others = {embeddings._cache_path(16, min_count=1), embeddings._cache_path(8, limit=5, min_count=1),
              embeddings._cache_path(8, min_count=2)}
    assert path not in others and len(others) == 3
    with pytest.raises(AssertionError, match="cache should"):
        embeddings.word_vectors(dim=8, refresh=True, min_count=1)
    assert not list(path.parent.glob("*.tmp*"))  # the atomic write left no temporary behind
def test_word_vectors_cache_is_keyed_on_the_stopword_setting(fixture_imdb, nltk_stopwords):
    assert embeddings._cache_path(8, min_count=1, remove_stopwords=True) != embeddings._cache_path(8, min_count=1)
