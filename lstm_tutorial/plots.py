"""Every figure the notebooks show, one function each, so all notebooks look alike.

Functions take plain arrays/dicts, draw on a new matplotlib figure, and return the
``Figure``. :func:`savefig` writes a figure to ``figures/<name>.png`` at the top of the
project (git-ignored) so figures are saved the same way in every notebook.
"""
from __future__ import annotations

from pathlib import Path

from .paths import output_dir


def savefig(fig, name: str, dpi: int = 110) -> Path:
    """Save ``fig`` as ``figures/<name>.png`` and return the path."""
    folder = output_dir("figures")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path
