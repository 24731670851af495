"""Shared test fixtures: where the repository is, and the real data where the course finds it.

The IMDB data and NLTK's stopwords are looked for where the course itself looks
(``LSTM_TUTORIAL_DATA``, the data folder ``data/`` or ``LSTM_TUTORIAL_HOME``, ``NLTK_DATA``
and NLTK's own folders), then in the offline copies next to the checkout (``../shared``).
A test that needs them and does not find them is skipped with one of two reasons, both
starting with :data:`DATA_MISSING`; where ``CI`` is set (CI has the data) such a skip is
turned into a failure, so a broken data set-up cannot pass unnoticed.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

#: Every data-dependent skip reason starts with this (the CI hook below looks for it).
DATA_MISSING = "data not found:"
IMDB_MISSING = (f"{DATA_MISSING} the IMDB data (set LSTM_TUTORIAL_DATA to a folder holding "
                "aclImdb_v1.tar.gz, or run `python -m lstm_tutorial data --from PATH`)")
STOPWORDS_MISSING = (f"{DATA_MISSING} NLTK's stopwords (run `python -m nltk.downloader stopwords`, "
                     "or set NLTK_DATA to a folder holding corpora/stopwords)")


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def imdb_source() -> Path | None:
    """The IMDB archive or ``aclImdb`` folder the course would load, or None (never downloads)."""
    from lstm_tutorial.io import datasets, paths

    env = os.environ.get(paths.DATA_ENV)
    places = [Path(env).expanduser()] if env else []
    places += [paths.data_dir(), REPO / "data", SHARED / "datasets"]
    for place in places:
        for candidate in (place, place / datasets.ARCHIVE_NAME, place / datasets.FOLDER_NAME):
            if candidate.is_file() and candidate.name.endswith((".tar.gz", ".tgz", ".tar")):
                return candidate
            if (candidate / "train").is_dir() and (candidate / "test").is_dir():
                return candidate
    return None


def shared_archive() -> Path | None:
    """Kept for older callers: the IMDB data's location (archive or folder), or None."""
    return imdb_source()


def nltk_data_folder() -> Path | None:
    """A folder holding NLTK's stopwords: ``NLTK_DATA``, NLTK's own folders, ../shared."""
    folders = [f for f in os.environ.get("NLTK_DATA", "").split(os.pathsep) if f]
    try:
        import nltk

        folders += list(nltk.data.path)
    except ImportError:
        pass
    folders.append(str(SHARED / "nltk_data"))
    for folder in map(Path, folders):
        corpora = folder / "corpora"
        if (corpora / "stopwords").is_dir() or (corpora / "stopwords.zip").is_file():
            return folder
    return None


def forget_stopwords() -> None:
    """Drop the stopword lists this process has loaded, so the next call looks again."""
    from lstm_tutorial import text
    from lstm_tutorial.io import nltk_data

    nltk_data.stopwords.cache_clear()
    text.english_stopwords.cache_clear()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def imdb_archive() -> Path:
    """The real IMDB data (archive or folder); tests using it are skipped where it is absent."""
    path = imdb_source()
    if path is None:
        pytest.skip(IMDB_MISSING)
    return path


@pytest.fixture
def imdb_data(imdb_archive, monkeypatch) -> Path:
    """The real IMDB data, with ``LSTM_TUTORIAL_DATA`` pointing at it for this test."""
    monkeypatch.setenv("LSTM_TUTORIAL_DATA", str(imdb_archive))
    return imdb_archive


@pytest.fixture
def nltk_stopwords(monkeypatch) -> Path:
    """NLTK's stopwords where the course finds them (``NLTK_DATA`` set to their folder)."""
    folder = nltk_data_folder()
    if folder is None:
        pytest.skip(STOPWORDS_MISSING)
    monkeypatch.setenv("NLTK_DATA", os.pathsep.join(
        [str(folder)] + [f for f in os.environ.get("NLTK_DATA", "").split(os.pathsep) if f]))
    forget_stopwords()
    yield folder
    forget_stopwords()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Where ``CI`` is set, a test skipped for missing data fails: CI has the data."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _ci() and DATA_MISSING in str(report.longrepr):
        report.outcome = "failed"
        report.longrepr = (f"skipped on CI, which has the data: {report.longrepr}. "
                           "Check LSTM_TUTORIAL_DATA and NLTK_DATA in .ci/run")


#: The rating in a review file's name (``<id>_<rating>.txt``) for each folder's label.
_RATING = {"pos": 8, "neg": 2, "unsup": 0}


def write_aclimdb(root: Path, reviews: dict) -> dict:
    """An ``aclImdb/`` folder laid out like the real one, holding the given review texts.

    ``reviews`` maps folder names (``"train/pos"``, ``"test/neg"``, ``"train/unsup"``...) to
    lists of texts; a folder not named gets one filler review, so the layout is complete.
    Returns the number of reviews per folder, to stand in for ``datasets.EXPECTED_COUNTS``.
    """
    counts = {}
    for folder in ("train/pos", "train/neg", "train/unsup", "test/pos", "test/neg"):
        where = Path(root) / "aclImdb" / folder
        where.mkdir(parents=True)
        texts = reviews.get(folder, ["Filler review."])
        rating = _RATING[folder.split("/")[1]]
        for i, text in enumerate(texts):
            (where / f"{i}_{rating}.txt").write_text(text, encoding="utf-8")
        counts[folder] = len(texts)
    return counts


def write_jena_csv(path: Path, rows: int = 8_000, seed: int = 0) -> Path:
    """A made-up weather record with the real Jena file's layout: quoted header, the
    ``dd.mm.yyyy HH:MM:SS`` time stamp every 10 minutes from 01.01.2009 00:10, 14 numbers."""
    import numpy as np

    from lstm_tutorial.io.datasets import JENA_COLUMNS

    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    day = 2 * np.pi * t / 144
    temp = 5 + 6 * np.sin(day - 2) + np.cumsum(rng.normal(0, 0.05, rows))
    other = rng.normal(0, 1, (rows, 13)).round(2) + 100
    start = np.datetime64("2009-01-01T00:10")
    lines = [",".join(f'"{c}"' for c in JENA_COLUMNS)]
    for i in range(rows):
        stamp = str(start + np.timedelta64(10 * i, "m"))  # 2009-01-01T00:10
        date = f"{stamp[8:10]}.{stamp[5:7]}.{stamp[0:4]} {stamp[11:16]}:00"
        values = [other[i, 0], round(float(temp[i]), 2), *other[i, 1:]]
        lines.append(date + "," + ",".join(f"{v:.2f}" for v in values))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path
