"""The machine the course runs on: fast or full mode, a quiet TensorFlow (its C++ start-up
lines kept out of notebooks and command output), devices."""
from __future__ import annotations

import contextlib
import os
import platform
import sys
import tempfile
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import ClassVar

from .paths import FAST_ENV

#: Set this environment variable to 1 to see TensorFlow's C++ start-up messages as they come.
VERBOSE_TF_ENV = "LSTM_TUTORIAL_VERBOSE_TF"
_HIDDEN_LOG_PREFIX = "lstm_tutorial-stderr-"
_SHOW_HOW = f"hidden by lstm_tutorial; set {VERBOSE_TF_ENV}=1 to see it as it comes"


def is_fast() -> bool:
    """True when ``LSTM_TUTORIAL_FAST`` is set to 1/true/yes (fast mode)."""
    return os.environ.get(FAST_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def mode() -> str:
    return "fast" if is_fast() else "full"


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ log unless ``TF_CPP_MIN_LOG_LEVEL`` is set. Level 3 hides ERROR lines
    too: on a CPU those are notices (oneDNN's Eigen fallback); a real failure still raises in Python."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def stderr_silenced():
    """Hide what C++ code writes to file descriptor 2 in the block (TensorFlow's start-up lines).

    They go to a log file: printed if the block raises (they may say why), left behind if the
    process dies (Jupyter shows an abort only as "kernel died"; the next start prints it)."""
    if os.environ.get(VERBOSE_TF_ENV):
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
            os.kill(int(pid), 0)  # no error: still running; PermissionError: another user's, alive too
        except ProcessLookupError:
            hidden = _read_and_delete(log)
            if hidden.strip():
                print(f"An earlier Python process (pid {pid}) died while TensorFlow was starting. What it "
                      f"wrote then ({_SHOW_HOW}):\n{hidden.rstrip()}", file=sys.stderr)
        except OSError:
            pass


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


class DictConfig:
    """For frozen dataclasses of settings: ``to_dict()``, ``from_dict()`` (unknown keys ignored),
    and :meth:`for_mode`, the settings of the mode the course runs in.

    A field may hold another DictConfig (``TrainConfig.network``, a ``ModelConfig``): it is composed,
    not copied, yet the settings stay one flat dict (the command line's flags, the files written),
    so a nested config's names must differ from its holder's."""

    #: What fast mode (``LSTM_TUTORIAL_FAST=1``) changes: small data, a small network. Each subclass sets its own.
    FAST: ClassVar[dict] = {}

    def to_dict(self) -> dict:
        flat = {}
        for f in fields(self):
            value = getattr(self, f.name)
            flat.update(value.to_dict() if isinstance(value, DictConfig) else {f.name: value})
        return flat

    @classmethod
    def from_dict(cls, payload: dict):
        """The settings in the flat ``payload`` (as :meth:`to_dict` writes it); a nested config takes its own keys."""
        values = {}
        for f in fields(cls):
            if isinstance(f.default, DictConfig):
                own = {g.name: payload[g.name] for g in fields(f.default) if g.name in payload}
                values[f.name] = replace(payload.get(f.name, f.default), **own)
            elif f.name in payload:
                values[f.name] = payload[f.name]
        return cls(**values)

    @classmethod
    def names(cls) -> set[str]:
        """Every setting's name, a nested config's included."""
        names = set()
        for f in fields(cls):
            names |= type(f.default).names() if isinstance(f.default, DictConfig) else {f.name}
        return names

    @classmethod
    def for_mode(cls, fast: bool | None = None, **settings):
        """The ``settings`` given (None keeps the default), over :attr:`FAST` in fast mode
        (``fast=None``: as ``LSTM_TUTORIAL_FAST`` says); checked by :meth:`validate`."""
        fast = is_fast() if fast is None else fast
        values = {**(cls.FAST if fast else {}), **{k: v for k, v in settings.items() if v is not None}}
        unknown = set(values) - cls.names() - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"{cls.__name__} has no setting(s) {sorted(unknown)}")
        return cls.from_dict(values).validate()

    def validate(self):
        """This config, or a UsageError naming the first setting out of range (subclasses check theirs)."""
        return self
