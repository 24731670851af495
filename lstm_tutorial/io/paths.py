"""Where things live on disk: the project checkout, the data folder, figures and runs.

Kept in one small module so that every other module agrees on the same folders.
Nothing here imports TensorFlow.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # lstm_tutorial/, one level above io/

#: Environment variable: a directory holding ``aclImdb/`` or ``aclImdb_v1.tar.gz``.
DATA_ENV = "LSTM_TUTORIAL_DATA"
#: Environment variable: 1 for fast mode (small data, for CI and quick checks). It lives here,
#: with the other variables, so that the runner and the runtime both read it without
#: importing each other.
FAST_ENV = "LSTM_TUTORIAL_FAST"
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


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", **open_kwargs):
    """Open a temporary file beside ``path``; rename it onto ``path`` only on success.

    Readers therefore see either the old file or the complete new one, never half of it,
    and an error or Ctrl-C inside the ``with`` block leaves no temporary file behind::

        with atomic_write(cache_file) as fh:
            np.savez(fh, ...)
    """
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
    """Fill a temporary folder beside ``target``; it replaces ``target`` only on success.

    The folder version of :func:`atomic_write`: files that belong together (a model and
    its vocabulary) are never seen half old, half new. The old ``target`` is renamed aside
    and deleted only once the new folder is in place (and put back if that rename fails)::

        with atomic_folder(out_dir) as tmp:
            model.save(tmp / "model.keras")
    """
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
