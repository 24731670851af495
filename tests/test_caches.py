"""io/caches.py: the token and word-vector caches keep the names and contents earlier
versions wrote (so caches already on disk are still used), round-trip, write atomically,
and refuse a broken file with advice."""
from __future__ import annotations

import numpy as np
import pytest

from lstm_tutorial.io.errors import CorruptDataError
from lstm_tutorial.io import caches

LISTS = [["a", "b", "a"], [], ["c", "\u00e9t\u00e9", "'s"]]
SETTINGS = {"sg": 0, "window": 5, "min_count": 1, "negative": 5, "sample": 1e-3, "epochs": 5, "seed": 1}


def contents(path) -> dict:
    with np.load(path) as z:
        return {k: (str(z[k].dtype), z[k].tobytes().hex()) for k in z.files}


def test_file_names_are_the_ones_earlier_versions_wrote(monkeypatch, tmp_path):
    """Names computed by the code before the caches moved here, for fixed inputs."""
    monkeypatch.setenv("LSTM_TUTORIAL_HOME", str(tmp_path))
    assert caches.token_cache_path("train", "archive-0123", None, "1-d1200fd6").name == \
        "tokens-train-archive-0123-all-v1-d1200fd6.npz"
    assert caches.token_cache_path("test", "folder-9", frozenset({"a", "not"}), "1-d1200fd6").name == \
        "tokens-test-folder-9-nostop-737eb8f9-v1-d1200fd6.npz"
    common = dict(limit=None, splits=("train", "unsup"), settings=SETTINGS, text_version="1-d1200fd6",
                  data="archive-0123")
    assert caches.word_vectors_path(8, None, **common).name == "word2vec-8d-0c0658adf964bd4f.npz"
    assert caches.word_vectors_path(8, {"a", "not"}, **common).name == "word2vec-8d-ad80d8ff1cd36469.npz"
    assert caches.word_vectors_path(8, None, **common).parent == tmp_path / "cache"


def test_file_contents_are_the_ones_earlier_versions_wrote(tmp_path):
    caches.save_tokens(tmp_path / "t.npz", LISTS, np.array([1, 0, 1]), "1-d1200fd6")
    caches.save_word_vectors(tmp_path / "w.npz", ["x", "y\u00e9"], np.array([[1, 2], [3, 4]]))
    assert contents(tmp_path / "t.npz") == {
        "vocab": ("uint8", "610a620a630ac3a974c3a90a2773"),
        "ids": ("int32", "000000000100000000000000020000000300000004000000"),
        "offsets": ("int64", "0000000000000000030000000000000003000000000000000600000000000000"),
        "labels": ("int64", "010000000000000000000000000000000100000000000000"),
        "version": ("uint8", "312d6431323030666436"),
    }
    assert contents(tmp_path / "w.npz") == {"words": ("uint8", "780a79c3a9"),
                                            "vectors": ("float32", "0000803f000000400000404000008040")}


def test_token_cache_round_trip_is_atomic(tmp_path):
    path = tmp_path / "c" / "tokens.npz"
    caches.save_tokens(path, LISTS, np.array([1, 0, 1]), "v")
    assert [p.name for p in path.parent.iterdir()] == ["tokens.npz"]
    back, labels = caches.load_tokens(path)
    assert back == LISTS and labels.tolist() == [1, 0, 1]
    assert back[0][0] is back[0][2]  # one str object per distinct token
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(CorruptDataError, match="delete it"):
        caches.load_tokens(path)


def test_word_vectors_round_trip_and_a_broken_file_is_refused(tmp_path):
    path = tmp_path / "v.npz"
    vectors = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    caches.save_word_vectors(path, ["good", "bad", "film"], vectors)
    words, back = caches.load_word_vectors(path)
    assert words == ["good", "bad", "film"]
    np.testing.assert_array_equal(back, vectors)
    caches.save_word_vectors(path, ["good"], vectors)
    with pytest.raises(CorruptDataError, match="1 words for 3 vectors"):
        caches.load_word_vectors(path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CorruptDataError, match="delete it"):
        caches.load_word_vectors(path)
