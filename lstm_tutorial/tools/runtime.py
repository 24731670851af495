"""The runtime every notebook starts with: mode, seeds, devices, and key figures.

A notebook's first code cell calls :func:`lstm_tutorial.setup`; its last cell calls
:func:`lstm_tutorial.report`. In between, :func:`record` keeps the numbers the notebook
computed (accuracies, ratios, times) so the headless runner can put them in its summary.

TensorFlow is imported only inside functions: ``import lstm_tutorial`` stays fast.
"""
from __future__ import annotations

import contextlib
import json
import os
import platform
import random
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paths import FAST_ENV  # noqa: F401 - part of this module's interface (runtime.FAST_ENV)

_key_figures: dict[str, Any] = {}


def is_fast() -> bool:
    """True when ``LSTM_TUTORIAL_FAST`` is set to 1/true/yes (fast mode)."""
    return os.environ.get(FAST_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def mode() -> str:
    """``"fast"`` or ``"full"``."""
    return "fast" if is_fast() else "full"


def pick(full, fast):
    """Return ``fast`` in fast mode and ``full`` otherwise.

    Notebooks choose every size that differs between the modes with this, in one
    visible cell near the top, e.g. ``EPOCHS = pick(full=10, fast=1)``.
    """
    return fast if is_fast() else full


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ log lines unless the user asked for them.

    Level 3 hides its ERROR lines too: on a CPU those are notices such as oneDNN's "falling
    back to the default Eigen-based implementation" for bool ops, which land in notebook
    outputs as ``E0000 ...`` lines. A real failure still raises a Python exception with
    its message. Set ``TF_CPP_MIN_LOG_LEVEL`` yourself to see them.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


#: Set this environment variable to 1 to see TensorFlow's C++ start-up messages as they come.
VERBOSE_TF_ENV = "LSTM_TUTORIAL_VERBOSE_TF"

_HIDDEN_LOG_PREFIX = "lstm_tutorial-stderr-"


@contextlib.contextmanager
def _stderr_silenced():
    """Keep what C++ code writes to file descriptor 2 out of sight for the duration.

    Some TensorFlow builds log "could not find cuda drivers" and similar lines from C++
    before its log level is read, straight to the process's stderr; in Jupyter they land
    in the notebook as red boxes. The lines are not thrown away but written to a log
    file in the temporary folder:

    * if the block raises, they are printed after all, since they may explain why;
    * if the process dies inside the block (TensorFlow aborts on a CPU without the
      instructions it was built for, or on a CUDA failure; Jupyter then only says
      "kernel died"), the log stays behind, and the next start in any process prints
      it (:func:`_report_hidden_output_of_dead_processes`);
    * otherwise it is deleted.

    Set LSTM_TUTORIAL_VERBOSE_TF=1 to let the lines through as they come.
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
            print(f"TensorFlow wrote this while starting (hidden by lstm_tutorial; set "
                  f"{VERBOSE_TF_ENV}=1 to see it as it comes):\n{hidden.rstrip()}", file=sys.stderr)


def _read_and_delete(path: Path) -> str:
    try:
        text = path.read_text(errors="replace")
        path.unlink()
    except OSError:
        return ""
    return text


def _report_hidden_output_of_dead_processes() -> None:
    """Print the hidden start-up output of processes that died while TensorFlow started.

    That output usually names the cause of a "kernel died" (a missing CPU instruction,
    a CUDA error) and would otherwise be lost. Each log is printed once, then deleted.
    """
    if os.name != "posix":  # os.kill(pid, 0) tests for a process only on POSIX
        return
    for log in Path(tempfile.gettempdir()).glob(f"{_HIDDEN_LOG_PREFIX}*.log"):
        try:
            pid = int(log.stem[len(_HIDDEN_LOG_PREFIX):])
        except ValueError:
            continue
        if pid == os.getpid() or _process_alive(pid):
            continue
        hidden = _read_and_delete(log)
        if hidden.strip():
            print(f"An earlier Python process (pid {pid}) died while TensorFlow was starting. What it "
                  f"wrote then (hidden by lstm_tutorial; set {VERBOSE_TF_ENV}=1 to see it as it "
                  f"comes):\n{hidden.rstrip()}", file=sys.stderr)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: it exists
        return True
    return True


def import_tensorflow():
    """Import TensorFlow quietly (see :func:`_stderr_silenced`) and return the module."""
    quiet_tensorflow()
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with _stderr_silenced():
        import tensorflow as tf
    return tf


@dataclass
class Environment:
    """What :func:`setup` found; printed as a short summary."""

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
        gpu_line = (
            f"device: {self.device}; TensorFlow places layers on it automatically"
            if self.gpus
            else "device: CPU (no GPU found; everything runs, only slower)"
        )
        return "\n".join(
            [
                f"python: {self.python}",
                f"tensorflow: {self.tensorflow}, keras: {self.keras} (backend: {self.backend})",
                gpu_line,
                f"mode: {self.mode}",
                f"seed: {self.seed}",
            ]
        )


def enable_gpu_memory_growth() -> list[str]:
    """Let TensorFlow take GPU memory as it needs it instead of all at once.

    Returns the names of the GPUs found (empty on a CPU-only machine). Must run before
    any tensor is placed on a GPU; once TensorFlow has initialised the devices the
    setting can no longer change, which we ignore because it was then already chosen.
    """
    tf = import_tensorflow()
    with _stderr_silenced():  # the CUDA probe logs an error line on machines without a GPU
        gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            pass  # devices already initialised in this process
    return [gpu.name.replace("/physical_device:", "") for gpu in gpus]


def set_seeds(seed: int) -> None:
    """Seed Python, NumPy and the backend so a re-run gives the same numbers on CPU."""
    import keras
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)


def environment(seed: int = 42) -> Environment:
    """Collect versions, backend and devices without changing anything but memory growth."""
    tf = import_tensorflow()
    import keras

    gpus = enable_gpu_memory_growth()
    return Environment(
        python=platform.python_version(),
        tensorflow=tf.__version__,
        keras=keras.__version__,
        backend=keras.backend.backend(),
        mode=mode(),
        seed=seed,
        gpus=gpus,
    )


def setup(seed: int = 42, verbose: bool = True, fast: bool | None = None) -> Environment:
    """The one call a notebook's first code cell makes.

    Enables GPU memory growth, seeds every random generator, forgets key figures left
    over from an earlier run in the same kernel, and prints a short environment summary
    including the line ``mode: full`` or ``mode: fast``.

    ``fast``: ``None`` follows the ``LSTM_TUTORIAL_FAST`` environment variable (how the
    headless runner and the tests choose); ``True`` or ``False`` chooses here, for the
    rest of the kernel (the way to pick fast mode in Colab, without environment variables).
    """
    if fast is not None:
        os.environ[FAST_ENV] = "1" if fast else "0"
    env = environment(seed)
    set_seeds(seed)
    _key_figures.clear()
    _key_figures["device"] = env.device  # the runner's run-time table says where it ran
    if verbose:
        print(env.summary())
    return env


def _plain(value: Any) -> Any:
    """Turn NumPy scalars and arrays into JSON-friendly Python values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def record(**figures: Any) -> None:
    """Keep key figures computed by the notebook, e.g. ``record(test_accuracy=acc)``.

    Values must be JSON-serialisable once NumPy types are converted. Returns nothing, so
    a cell ending with ``lt.record(...)`` shows no echo; see :func:`key_figures`.
    """
    for name, value in figures.items():
        plain = _plain(value)
        json.dumps(plain)  # fail here, with the figure's name in the traceback, not at the end
        _key_figures[name] = plain


def say(text: str) -> None:
    """Show a sentence of prose that contains measured numbers, as Markdown.

    Notebooks write every sentence that quotes a number they computed with this, e.g.
    ``lt.say(f"The LSTM reached **{acc:.1%}** accuracy.")``, so the number in the prose
    is the number of the run and cannot drift from it. Static markdown cells keep the
    explanations that hold whatever the run measured. Outside Jupyter it prints the text.
    """
    if not isinstance(text, str):
        raise TypeError(f"say() needs a str, got {type(text).__name__}")
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # plain Python without IPython
        print(text)
        return
    if get_ipython() is None:
        print(text)
    else:
        display(Markdown(text))


def run_times(name: str) -> None:
    """Show notebook ``name``'s last recorded full and fast run times (a notebook's top cell)."""
    from .runner import run_times_markdown

    say(run_times_markdown(name))


def key_figures() -> dict[str, Any]:
    """A copy of the figures recorded so far in this kernel."""
    return dict(_key_figures)


class KeyFigures(dict):
    """The figures :func:`report` printed: a plain dict that Jupyter does not show again.

    A notebook's last line ``lt.report()`` would otherwise print the figures, then echo the
    returned dict as the cell's result: the same figures twice.
    """

    def _ipython_display_(self) -> None:
        """Show nothing: report() has just printed these figures."""


def report() -> KeyFigures:
    """Print the recorded key figures as one JSON object (the notebook's last cell).

    The headless runner finds this line in the executed notebook and copies the figures
    into its summary. The figures are also returned (a dict) for code that wants them;
    Jupyter does not echo them under the printed line.
    """
    figures = KeyFigures(mode=mode(), **_key_figures)
    print(json.dumps(figures, sort_keys=True))
    sys.stdout.flush()
    return figures
