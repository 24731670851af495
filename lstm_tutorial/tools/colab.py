"""Where the course lives online, and the set-up cell every notebook starts with.

One home for the repository's address and the release the notebooks install: the
first code cell of every notebook and the "Open in Colab" links in the notebooks and in
README.md are all generated from the constants below. After changing them (or the
cell), run::

    python -m lstm_tutorial notebooks --update-setup-cells

which rewrites the cells' source (not their outputs) and the links; a test checks that
the notebooks and README agree with this module, and the site's test checks with git that
the ref exists in the repository and holds every linked notebook. The notebooks and the
package follow the ``main`` branch together: a notebook opened in Colab installs the
package of the same branch it came from. To pin a release instead, push its tag
(``git tag v0.2.0 && git push origin v0.2.0``) and set :data:`PINNED_REF` to it.

The set-up cell
---------------
* tries ``import lstm_tutorial`` first: a local install, Binder (which builds from the
  repository) or a notebook opened from a checkout's ``notebooks/`` folder need nothing;
* only when the package is missing, in Colab or Kaggle, pip-installs the pinned release
  :data:`PINNED_REF` from GitHub. The package asks for version ranges that these
  services' own TensorFlow and Keras satisfy, so pip adds what is missing and
  downgrades nothing;
* elsewhere (a notebook downloaded on its own) it stops with a message that says how
  to get the package, instead of installing into an environment it does not know;
* has a visible ``FAST`` switch: ``None`` follows ``LSTM_TUTORIAL_FAST`` (how the headless
  runner and the tests choose), ``True`` picks fast mode in Colab without environment
  variables.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

#: The GitHub repository, as owner/name.
REPO = "lstm-tutorial/lstm-tutorial"
REPO_URL = f"https://github.com/{REPO}"
#: The git ref (branch or release tag) the set-up cell installs and the Colab links open.
#: The branch, not a tag: this project's tags do not travel with its submissions (the
#: v0.1.0 tag of an earlier release was lost that way, breaking every Colab link).
PINNED_REF = "main"
#: What the set-up cell gives to pip.
PIP_REQUIREMENT = f"lstm-tutorial @ git+{REPO_URL}@{PINNED_REF}"

#: First line of the set-up cell: how the updater recognises it.
SETUP_MARKER = "# Setup: the same cell locally, in Colab, Kaggle and Binder"

_SETUP_CELL = '''{marker} (made by lstm_tutorial/tools/colab.py).
FAST = None  # None: follow LSTM_TUTORIAL_FAST (full mode when unset); True: a quick run on small data
import os, sys
try:
    import lstm_tutorial as lt
except ImportError:
    if os.path.isdir("../lstm_tutorial"):  # a checkout without `pip install -e .`
        sys.path.insert(0, os.path.abspath(".."))
    elif "google.colab" in sys.modules or "KAGGLE_KERNEL_RUN_TYPE" in os.environ:
        # Install the pinned release; pip keeps Colab's and Kaggle's own TensorFlow and Keras.
        import importlib, subprocess
        PACKAGE = "{requirement}"
        if subprocess.call([sys.executable, "-m", "pip", "install", "-q", PACKAGE]):
            raise RuntimeError("could not install lstm-tutorial from GitHub: " + (
                "on Kaggle, switch Internet on in the notebook's settings, then run this cell again"
                if "KAGGLE_KERNEL_RUN_TYPE" in os.environ else "check the connection and run this cell again"))
        importlib.invalidate_caches()
    else:
        raise ModuleNotFoundError(
            "this notebook needs the lstm_tutorial package, which is not installed here. "
            "Clone {repo_url} and open the notebook from its notebooks/ folder "
            "(`bash run.sh doctor` sets up the rest), or open it in Colab.")
    import lstm_tutorial as lt
env = lt.setup(fast=FAST)'''

_COLAB_LINK = re.compile(r"https://colab\.research\.google\.com/github/[^)\s\"'<>]*?/notebooks/([\w.-]+\.ipynb)")


def setup_cell_source() -> str:
    """The source of the first code cell of every notebook."""
    return _SETUP_CELL.format(marker=SETUP_MARKER, requirement=PIP_REQUIREMENT, repo_url=REPO_URL)


def colab_url(notebook: str) -> str:
    """The "Open in Colab" address of ``notebooks/<notebook>`` at :data:`PINNED_REF`."""
    return f"https://colab.research.google.com/github/{REPO}/blob/{PINNED_REF}/notebooks/{Path(notebook).name}"


def fix_colab_links(text: str) -> str:
    """``text`` with every Colab link to a notebook pointing at :func:`colab_url`."""
    return _COLAB_LINK.sub(lambda m: colab_url(m.group(1)), text)


def _first_code_cell(nb):
    return next((cell for cell in nb.cells if cell.cell_type == "code"), None)


def problems(notebooks: Iterable[Path], readme: Path | None = None) -> list[str]:
    """Where the notebooks or README disagree with this module (empty: all agree)."""
    import nbformat

    found = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        cell = _first_code_cell(nb)
        if cell is None or cell.source != setup_cell_source():
            found.append(f"{path.name}: the first code cell is not colab.setup_cell_source()")
        for cell in nb.cells:
            if cell.cell_type == "markdown" and fix_colab_links(cell.source) != cell.source:
                found.append(f"{path.name}: a Colab link does not point at {PINNED_REF}")
                break
    if readme is not None:
        text = readme.read_text(encoding="utf-8")
        if fix_colab_links(text) != text:
            found.append(f"{readme.name}: a Colab link does not point at {PINNED_REF}")
    return found


def update(notebooks: Iterable[Path], readme: Path | None = None) -> list[Path]:
    """Rewrite the set-up cells and Colab links (source only; outputs are kept).

    Returns the files that changed. The first code cell must already be a set-up cell
    (it starts with ``import``/``# Setup`` lines); a notebook whose first code cell is
    something else is refused rather than overwritten.
    """
    import nbformat

    from ..errors import UsageError
    from .paths import atomic_write

    changed = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        cell = _first_code_cell(nb)
        if cell is None or "lt.setup(" not in cell.source:
            raise UsageError(f"{path}: its first code cell does not call lt.setup(); "
                             "add a set-up cell at the top first, so nothing else is overwritten")
        before = path.read_text(encoding="utf-8")
        cell.source = setup_cell_source()
        for md in nb.cells:
            if md.cell_type == "markdown":
                md.source = fix_colab_links(md.source)
        after = nbformat.writes(nb) + "\n"  # nbformat.write ends the file with a newline too
        if after != before:
            with atomic_write(path, "w", encoding="utf-8") as fh:
                fh.write(after)
            changed.append(path)
    if readme is not None:
        text = readme.read_text(encoding="utf-8")
        if fix_colab_links(text) != text:
            with atomic_write(readme, "w", encoding="utf-8") as fh:
                fh.write(fix_colab_links(text))
            changed.append(readme)
    return changed
