"""Where the course lives online, and the set-up cell every notebook starts with.

The notebooks' first code cells and the Colab links in them and README.md are made from the
constants below: after changing them, run ``python -m lstm_tutorial notebooks --update-setup-cells``.
Only in Colab or Kaggle does the cell pip-install :data:`PINNED_REF` (their TensorFlow and Keras
satisfy our version ranges, so nothing is downgraded).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

import nbformat

from ..io.errors import UsageError
from ..io.paths import atomic_write
from .runner import notebook_text

#: The GitHub repository, as owner/name.
REPO = "lstm-tutorial/lstm-tutorial"
REPO_URL = f"https://github.com/{REPO}"
#: The git ref the set-up cell installs and the Colab links open: the branch, since this
#: project's tags do not travel with its submissions (a lost v0.1.0 tag broke every link).
PINNED_REF = "main"
#: What the set-up cell gives to pip.
PIP_REQUIREMENT = f"lstm-tutorial @ git+{REPO_URL}@{PINNED_REF}"

#: First line of the set-up cell: how the updater recognises it.
SETUP_MARKER = "# Setup: the same cell locally, in Colab, Kaggle and Binder"

_SETUP_CELL = '''{marker}
# (made by lstm_tutorial/tools/colab.py; every line fits 88 columns).
FAST = None  # None: follow LSTM_TUTORIAL_FAST (unset: full mode); True: a quick run
import os, sys
PACKAGE = "{requirement}"
KAGGLE = "KAGGLE_KERNEL_RUN_TYPE" in os.environ
try:
    import lstm_tutorial as lt
except ImportError:
    if os.path.isdir("../lstm_tutorial"):  # a checkout without `pip install -e .`
        sys.path.insert(0, os.path.abspath(".."))
    elif "google.colab" in sys.modules or KAGGLE:
        # This package only: pip keeps Colab's and Kaggle's TensorFlow and Keras.
        import importlib, subprocess
        if subprocess.call([sys.executable, "-m", "pip", "install", "-q", PACKAGE]):
            raise RuntimeError(
                "could not install lstm-tutorial from GitHub: "
                + ("on Kaggle, switch Internet on in the notebook's settings, then run "
                   "this cell again" if KAGGLE
                   else "check the connection and run this cell again"))
        importlib.invalidate_caches()
    else:
        raise ModuleNotFoundError(
            "this notebook needs the lstm_tutorial package, which is not installed "
            "here. Clone {repo_url} "
            "and open the notebook from its notebooks/ folder (`bash run.sh doctor` "
            "sets up the rest), or open it in Colab.")
    import lstm_tutorial as lt
env = lt.setup(fast=FAST)'''

_COLAB_LINK = re.compile(r"https://colab\.research\.google\.com/github/[^)\s\"'<>]*?/notebooks/([\w.-]+\.ipynb)")


def setup_cell_source() -> str:
    return _SETUP_CELL.format(marker=SETUP_MARKER, requirement=PIP_REQUIREMENT, repo_url=REPO_URL)


def colab_url(notebook: str) -> str:
    """The "Open in Colab" address of ``notebooks/<notebook>`` at :data:`PINNED_REF`."""
    return f"https://colab.research.google.com/github/{REPO}/blob/{PINNED_REF}/notebooks/{Path(notebook).name}"


def fix_colab_links(text: str) -> str:
    return _COLAB_LINK.sub(lambda m: colab_url(m.group(1)), text)


def _first_code_cell(nb):
    return next((cell for cell in nb.cells if cell.cell_type == "code"), None)


def problems(notebooks: Iterable[Path], readme: Path | None = None) -> list[str]:
    """Where the notebooks or README disagree with this module (empty: all agree)."""
    found = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        cell = _first_code_cell(nb)
        if cell is None or cell.source != setup_cell_source():
            found.append(f"{path.name}: the first code cell is not colab.setup_cell_source()")
        if any(c.cell_type == "markdown" and fix_colab_links(c.source) != c.source for c in nb.cells):
            found.append(f"{path.name}: a Colab link does not point at {PINNED_REF}")
    if readme is not None:
        text = readme.read_text(encoding="utf-8")
        if fix_colab_links(text) != text:
            found.append(f"{readme.name}: a Colab link does not point at {PINNED_REF}")
    return found


def update(notebooks: Iterable[Path], readme: Path | None = None) -> list[Path]:
    """Rewrite the set-up cells and Colab links (not the outputs); returns the files changed.

    A notebook whose first code cell does not call ``lt.setup()`` is refused, not overwritten.
    """
    updates = {}
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        cell = _first_code_cell(nb)
        if cell is None or "lt.setup(" not in cell.source:
            raise UsageError(f"{path}: its first code cell does not call lt.setup(); "
                             "add a set-up cell at the top first, so nothing else is overwritten")
        cell.source = setup_cell_source()
        for md in nb.cells:
            if md.cell_type == "markdown":
                md.source = fix_colab_links(md.source)
        updates[path] = notebook_text(nb)
    if readme is not None:
        updates[readme] = fix_colab_links(readme.read_text(encoding="utf-8"))
    changed = [path for path, text in updates.items() if path.read_text(encoding="utf-8") != text]
    for path in changed:
        with atomic_write(path, "w", encoding="utf-8") as fh:
            fh.write(updates[path])
    return changed
