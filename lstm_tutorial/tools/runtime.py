"""The runtime every notebook starts with: mode, seeds, devices, and key figures.

A notebook's first code cell calls :func:`setup`, its last :func:`report`; in between
:func:`record` keeps the numbers it computed for the runner's summary. TensorFlow is
imported only inside functions, so ``import lstm_tutorial`` stays fast.
"""
from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .caches import (load_tokens, load_word_vectors, save_tokens, save_word_vectors, token_cache_path,
                     word_vectors_path)
from .datasets import data_key, load_imdb, load_jena
from .paths import FAST_ENV, atomic_write, cache_dir, output_dir
from .saving import jsonable, load_model_folder, read_manifest, save_model_folder

#: The one door between the two parts: all the course part (lstm_tutorial/*.py) uses from
#: the tools part is these names of this module: the notebook runtime that ``setup()``
#: configures (fast mode, seeds, the TensorFlow set-up, key figures) and the services it
#: re-exports: the datasets, where files go, and saving a trained model. tests/test_structure.py checks it.
COURSE_SERVICES = frozenset({
    "setup", "is_fast", "mode", "pick", "say", "record", "report", "key_figures", "run_times",
    "environment", "quiet_tensorflow", "import_tensorflow", "stderr_silenced",
    "load_imdb", "load_jena", "data_key", "cache_dir", "output_dir", "atomic_write",
    "save_model_folder", "load_model_folder", "read_manifest", "jsonable",
    "token_cache_path", "save_tokens", "load_tokens", "word_vectors_path", "save_word_vectors",
    "load_word_vectors",
})

_key_figures: dict[str, Any] = {}
#: Set this environment variable to 1 to see TensorFlow's C++ start-up messages as they come.
VERBOSE_TF_ENV = "LSTM_TUTORIAL_VERBOSE_TF"
_HIDDEN_LOG_PREFIX = "lstm_tutorial-stderr-"
_SHOW_HOW = f"hidden by lstm_tutorial; set {VERBOSE_TF_ENV}=1 to see it as it comes"


def is_fast() -> bool:
    """True when ``LSTM_TUTORIAL_FAST`` is set to 1/true/yes (fast mode)."""
    return os.environ.get(FAST_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def mode() -> str:
    return "fast" if is_fast() else "full"


def pick(full, fast):
    """``fast`` in fast mode, else ``full``: ``EPOCHS = pick(full=10, fast=1)``."""
    return fast if is_fast() else full


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ log unless ``TF_CPP_MIN_LOG_LEVEL`` is set.

    Level 3 hides its ERROR lines too: on a CPU those are notices (oneDNN's Eigen fallback)
    that land in notebooks as ``E0000 ...``; a real failure still raises in Python.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def stderr_silenced():
    """Hide what C++ code writes to file descriptor 2 in the block (TensorFlow's start-up lines).

    The lines go to a log file in the temporary folder: printed if the block raises (they
    may say why), left behind if the process dies in the block (an abort shows in Jupyter
    only as "kernel died"; the next start prints it), deleted otherwise.
    """
    if os.environ.get(VERBOSE_TF_ENV) or not hasattr(os, "dup"):
        yield
        return
    _report_hidden_output_of_dead_processes()
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real file descriptor 2 (unusual embeddings)
        yield
        return
    log = Path(tempfile.gettempdir()) / f"{_HIDDEN_LOG_PREFIX}{os.getpid()}.log"
    try:
        sink = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError:
        log, sink = None, os.open(os.devnull, os.O_WRONLY)
    failed = False
    try:
        os.dup2(sink, 2)
        yield
    except BaseException:
        failed = True
        raise
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(sink)
        hidden = _read_and_delete(log) if log is not None else ""
        if failed and hidden.strip():
            print(f"TensorFlow wrote this while starting ({_SHOW_HOW}):\n{hidden.rstrip()}", file=sys.stderr)


def _read_and_delete(path: Path) -> str:
    try:
        text = path.read_text(errors="replace")
        path.unlink()
    except OSError:
        return ""
    return text


def _report_hidden_output_of_dead_processes() -> None:
    """Print, once, the hidden start-up lines of processes that died: they name the cause."""
    if os.name != "posix":  # os.kill(pid, 0) tests for a process only on POSIX
        return
    for log in Path(tempfile.gettempdir()).glob(f"{_HIDDEN_LOG_PREFIX}*.log"):
        pid = log.stem[len(_HIDDEN_LOG_PREFIX):]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # still running
        except ProcessLookupError:
            pass
        except OSError:  # e.g. another user's process: it exists
            continue
        hidden = _read_and_delete(log)
        if hidden.strip():
            print(f"An earlier Python process (pid {pid}) died while TensorFlow was starting. What it "
                  f"wrote then ({_SHOW_HOW}):\n{hidden.rstrip()}", file=sys.stderr)


def import_tensorflow():
    """Import TensorFlow quietly (see :func:`stderr_silenced`) and return the module."""
    quiet_tensorflow()
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with stderr_silenced():
        import tensorflow as tf
    return tf


@dataclass
class Environment:
    """What :func:`setup` found."""

    python: str
    tensorflow: str
    keras: str
    backend: str
    mode: str
    seed: int
    gpus: list[str] = field(default_factory=list)

    @property
    def device(self) -> str:
        return f"GPU ({', '.join(self.gpus)})" if self.gpus else "CPU"

    def summary(self) -> str:
        device = (f"{self.device}; TensorFlow places layers on it automatically" if self.gpus
                  else "CPU (no GPU found; everything runs, only slower)")
        return "\n".join([f"python: {self.python}",
                          f"tensorflow: {self.tensorflow}, keras: {self.keras} (backend: {self.backend})",
                          f"device: {device}", f"mode: {self.mode}", f"seed: {self.seed}"])


def enable_gpu_memory_growth() -> list[str]:
    """Let TensorFlow take GPU memory as needed, not all at once; returns the GPUs' names."""
    tf = import_tensorflow()
    with stderr_silenced():  # the CUDA probe logs an error line on machines without a GPU
        gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            pass  # devices already initialised in this process: the setting was chosen then
    return [gpu.name.replace("/physical_device:", "") for gpu in gpus]


def environment(seed: int = 42) -> Environment:
    """Versions, backend and devices (turns on GPU memory growth, changes nothing else)."""
    tf = import_tensorflow()
    import keras

    return Environment(python=platform.python_version(), tensorflow=tf.__version__, keras=keras.__version__,
                       backend=keras.backend.backend(), mode=mode(), seed=seed, gpus=enable_gpu_memory_growth())


def setup(seed: int = 42, verbose: bool = True, fast: bool | None = None) -> Environment:
    """A notebook's first call: GPU memory growth, seeds, no stale key figures, a summary.

    ``fast=None`` follows ``LSTM_TUTORIAL_FAST`` (the runner, the tests); True or False
    chooses for the rest of the kernel (fast mode in Colab, without environment variables).
    """
    if fast is not None:
        os.environ[FAST_ENV] = "1" if fast else "0"
    env = environment(seed)
    import keras

    keras.utils.set_random_seed(seed)  # seeds Python's random, NumPy and TensorFlow
    _key_figures.clear()
    _key_figures["device"] = env.device  # the runner's run-time table says where it ran
    if verbose:
        print(env.summary())
    return env


def _tolist(value: Any) -> Any:
    if hasattr(value, "tolist"):  # NumPy scalars and arrays
        return value.tolist()
    raise TypeError(f"a key figure must be JSON-serialisable, not {type(value).__name__}")


def record(**figures: Any) -> None:
    """Keep key figures computed by the notebook, e.g. ``record(test_accuracy=acc)``."""
    for name, value in figures.items():  # a bad value fails here, with its name in the traceback
        _key_figures[name] = json.loads(json.dumps(value, default=_tolist))


def say(text: str) -> None:
    """Show a sentence that quotes measured numbers as Markdown (printed outside Jupyter).

    Notebooks write such prose as ``lt.say(f"... **{acc:.1%}** ...")`` so it cannot drift from the run.
    """
    if not isinstance(text, str):
        raise TypeError(f"say() needs a str, got {type(text).__name__}")
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # plain Python without IPython
        get_ipython = None
    if get_ipython is None or get_ipython() is None:
        print(text)
    else:
        display(Markdown(text))


def run_times(name: str) -> None:
    """Show notebook ``name``'s last recorded full and fast run times (a notebook's top cell)."""
    from .runner import run_times_markdown  # here: runner imports nbformat, which `import lstm_tutorial` need not

    say(run_times_markdown(name))


def key_figures() -> dict[str, Any]:
    """A copy of the figures recorded so far in this kernel."""
    return dict(_key_figures)


class KeyFigures(dict):
    """The dict :func:`report` returns; Jupyter does not echo it under the printed line."""

    def _ipython_display_(self) -> None:
        """Show nothing: report() has just printed these figures."""


def report() -> KeyFigures:
    """Print the key figures as one JSON line (the notebook's last cell; the runner reads it)."""
    figures = KeyFigures(mode=mode(), **_key_figures)
    print(json.dumps(figures, sort_keys=True), flush=True)
    return figures
