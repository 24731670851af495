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
