"""What a notebook calls: ``lt.setup()`` first, ``lt.record()`` and ``lt.say()`` in between, ``lt.report()`` last.

TensorFlow is imported only inside functions, so ``import lstm_tutorial`` stays fast.
"""
from __future__ import annotations

import json
import os
from typing import Any

from ..io.environment import Environment, environment, is_fast, mode
from ..io.paths import FAST_ENV

__all__ = ["setup", "pick", "record", "report", "say", "is_fast", "mode", "run_times", "key_figures"]

_key_figures: dict[str, Any] = {}


def pick(full, fast):
    """``fast`` in fast mode, else ``full``: ``EPOCHS = pick(full=10, fast=1)``."""
    return fast if is_fast() else full


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
    """Show a sentence that quotes measured numbers as Markdown (printed outside Jupyter): prose written
    as ``lt.say(f"... **{acc:.1%}** ...")`` cannot drift from the run."""
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
