"""Where things live on disk, so every module agrees: the checkout, the data folder, outputs.

Also atomic writes of files and folders. Nothing here imports TensorFlow.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

#: Environment variable: a directory holding ``aclImdb/`` or ``aclImdb_v1.tar.gz``.
DATA_ENV = "LSTM_TUTORIAL_DATA"
#: Environment variable: 1 for fast mode (small data, for CI and quick checks). Here, with the
#: other variables, so the runner and the runtime read it without importing each other.
FAST_ENV = "LSTM_TUTORIAL_FAST"
#: Environment variable: where downloads and caches are written (default: the project's data/).
HOME_ENV = "LSTM_TUTORIAL_HOME"


def project_root() -> Path | None:
    """The checkout this package was installed from (editable install), or None (site-packages)."""
    candidate = Path(__file__).resolve().parents[2]  # the folder above lstm_tutorial/
    if (candidate / "pyproject.toml").is_file() and (candidate / "notebooks").is_dir():
        return candidate
    return None


def data_dir() -> Path:
    """Where downloads and caches go: $LSTM_TUTORIAL_HOME, the checkout's data/ or ~/lstm_tutorial_data."""
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).expanduser()
    root = project_root()
    return root / "data" if root is not None else Path.home() / "lstm_tutorial_data"


def cache_dir() -> Path:
    """Preprocessed data (parsed reviews, tokenized text) lives here, under data_dir()."""
    return data_dir() / "cache"


def output_dir(name: str) -> Path:
    """A git-ignored folder at the top of the project (figures/, runs/, models/)."""
    return (project_root() or Path.cwd()) / name


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", **open_kwargs):
    """Open a temporary file beside ``path``; it replaces ``path`` only when the block succeeds.
    Readers see the old file or the complete new one; an error or Ctrl-C leaves no temporary file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, mode, **open_kwargs) as fh:
            yield fh
        # mkstemp creates the file private (0600); give it the permissions a plain open() would.
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_folder(target):
    """Fill a temporary folder beside ``target``; it replaces ``target`` only on success, so files
    that belong together are never seen half old, half new. The old ``target`` is deleted only once
    the new one is in place (and put back if that rename fails)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-new-"))
    aside = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-old-"))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~current_umask())
        if target.exists():
            os.replace(target, aside / target.name)
        try:
            os.replace(tmp, target)
        except BaseException:
            if (aside / target.name).exists():
                os.replace(aside / target.name, target)
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(aside, ignore_errors=True)


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
