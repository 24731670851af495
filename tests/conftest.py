"""Shared test fixtures: where the repository and the offline copies in ../shared are."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_archive() -> Path | None:
    """The offline IMDB archive CI uses, or None when this machine has no copy."""
    for folder in (os.environ.get("LSTM_TUTORIAL_DATA"), SHARED / "datasets"):
        if folder and (Path(folder) / "aclImdb_v1.tar.gz").is_file():
            return Path(folder) / "aclImdb_v1.tar.gz"
    return None


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def imdb_archive() -> Path:
    """The real archive; tests using it are skipped where it is absent."""
    path = shared_archive()
    if path is None:
        pytest.skip("the IMDB archive is not available offline here (../shared/datasets)")
    return path


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
