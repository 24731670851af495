"""Where things live on disk: the project checkout, the data folder, figures and runs.

Kept in one small module so that every other module agrees on the same folders.
Nothing here imports TensorFlow.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

#: Environment variable: a directory holding ``aclImdb/`` or ``aclImdb_v1.tar.gz``.
DATA_ENV = "LSTM_TUTORIAL_DATA"
#: Environment variable: where downloads and caches are written (default: the project's data/).
HOME_ENV = "LSTM_TUTORIAL_HOME"


def project_root() -> Path | None:
    """The checkout this package was installed from (editable install), or None.

    A regular ``pip install`` copies the package into site-packages; then there is no
    checkout and data goes to ``~/lstm_tutorial_data`` instead.
    """
    candidate = PACKAGE_DIR.parent
    if (candidate / "pyproject.toml").is_file() and (candidate / "notebooks").is_dir():
        return candidate
    return None


def data_dir() -> Path:
    """The folder that receives downloads and caches (created on demand by callers)."""
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).expanduser()
    root = project_root()
    if root is not None:
        return root / "data"
    return Path.home() / "lstm_tutorial_data"


def cache_dir() -> Path:
    """Preprocessed data (parsed reviews, tokenized text) lives here, under data_dir()."""
    return data_dir() / "cache"


def output_dir(name: str) -> Path:
    """A git-ignored folder at the top of the project (figures/, runs/, models/)."""
    root = project_root()
    base = root if root is not None else Path.cwd()
    return base / name
