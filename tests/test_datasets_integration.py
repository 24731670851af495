"""Integration tests: the real IMDB archive, when an offline copy is available.

Skipped when the data is absent (failed on CI, see conftest.py). The data is found where
the course finds it: LSTM_TUTORIAL_DATA (as .ci/run sets it), the data folder (where
`python -m lstm_tutorial data --from PATH` puts it), or ../shared/datasets. These tests load through
the project's normal data folder on purpose: the first run reads the archive (seconds)
and fills data/cache/, which CI and the notebooks then reuse.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import IMDB_MISSING, imdb_source
from lstm_tutorial.io import datasets as data

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]


ARCHIVE = imdb_source()  # the archive or an aclImdb folder: load_imdb(source=...) takes both
needs_archive = pytest.mark.skipif(ARCHIVE is None, reason=IMDB_MISSING)


@pytest.fixture(scope="module")
def splits():
    """All three splits of the real archive, loaded once (from the cache after the first run)."""
    return {split: data.load_imdb(split, source=ARCHIVE) for split in ("train", "test", "unsup")}


@needs_archive
@pytest.mark.parametrize("split", ["train", "test"])
def test_labelled_splits_are_complete_and_balanced(splits, split):
    texts, labels = splits[split]
    assert len(texts) == 25_000 and labels.shape == (25_000,) and labels.dtype == np.int64
    assert int((labels == 1).sum()) == 12_500 and int((labels == 0).sum()) == 12_500
    assert all(isinstance(t, str) and t.strip() for t in texts)
    assert len(set(texts)) > 24_500  # a handful of duplicate reviews exist in the real data


@needs_archive
def test_unsup_split_has_50000_unlabelled_reviews(splits):
    texts, labels = splits["unsup"]
    assert len(texts) == 50_000 and set(labels.tolist()) == {-1}


@needs_archive
def test_train_and_test_are_different_reviews(splits):
    train, test = set(splits["train"][0]), set(splits["test"][0])
    assert len(train & test) < 200  # the data set has only a few reviews posted twice


@needs_archive
def test_real_text_looks_like_imdb(splits):
    texts, _ = splits["train"]
    lengths = np.array([len(t.split()) for t in texts])
    assert 200 < lengths.mean() < 270  # ~234 whitespace words per review
    assert sum("<br />" in t for t in texts) > 10_000  # raw HTML line breaks are kept


@needs_archive
def test_a_second_load_comes_from_the_cache(splits, monkeypatch):
    """Served from the cache without reading the archive again (how fast that is:
    benchmarks/bench_preprocessing.py; a time limit here would flake on a busy machine)."""
    def boom(*args, **kwargs):
        raise AssertionError("the archive was read again although the cache should have served")

    monkeypatch.setattr(data, "_scan_archive", boom)
    texts, labels = data.load_imdb("train", source=ARCHIVE)
    assert texts == splits["train"][0] and labels.tolist() == splits["train"][1].tolist()
