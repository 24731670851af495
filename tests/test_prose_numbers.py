"""Every number in a notebook's markdown is either measured by that notebook or declared
a fixed fact.

Measured numbers belong in sentences a code cell writes with ``lt.say(f"...")``, so they
cannot drift from the run. A number typed into a markdown cell passes only if it is

* one of the notebook's recorded figures (the ``lt.report()`` JSON of the committed
  full-mode run), at the precision the prose shows it (``0.87`` matches 0.8734, ``87%``
  and ``87.3%`` match 0.8734 as a percentage), or
* declared in the cell's metadata as a fixed fact -- a year, an article's own claim, a
  step or section number, a definition::

      {"lstm_tutorial": {"prose_constants": ["1997", "65%"]}}

Numbers inside LaTeX math, fenced code blocks, link targets, heading numbers ("## 4. Training") and
identifiers (``ex01_2``,
``h_t1``) are not prose numbers and are skipped. Configuration values are not fixed
facts: print them from the config with ``lt.say``.
"""
from __future__ import annotations

import math
import re

import nbformat
import pytest

from lstm_tutorial.tools import runner

NOTEBOOKS = runner.find_notebooks()

_CODE_BLOCK = re.compile(r"^```.*?^```", re.M | re.S)  # solution code, not prose
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_HTML_TAG = re.compile(r"<[^>]+>")
_HEADING_NUMBER = re.compile(r"^(#+\s*)(?:\d+\s*[·.]\s*)+", re.M)  # "## 4. Training", "# 02 · LSTM"
_ITEM_NUMBER = re.compile(r"^(\s*(?:\*\*)?)\d+\.(?=\s|\*)", re.M)  # "1. First", "**2. ★★ Choose"
# A number not glued to a letter, underscore or dot-letter on either side: "0.87", "1,000",
# "87%", "-0.16". Identifiers such as ex01_2 or LSTM_TUTORIAL_FAST are skipped.
_NUMBER = re.compile(r"(?<![\w.])(?<!\w-)[-−]?\d+(?:,\d{3})*(?:\.\d+)?%?(?![\w])")


def prose_numbers(markdown: str) -> list[str]:
    """The numbers a reader sees in a markdown cell's prose (math, links, tags removed)."""
    text = _CODE_BLOCK.sub(" ", markdown)
    text = _MATH.sub(" ", text)
    text = _LINK_TARGET.sub("]", text)
    text = _HTML_TAG.sub(" ", text)
    text = _HEADING_NUMBER.sub(r"\1", text)
    text = _ITEM_NUMBER.sub(r"\1", text)
    return [m.group().replace("−", "-") for m in _NUMBER.finditer(text)]


def _flatten(value) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)] if math.isfinite(value) else []
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flatten(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _flatten(v)]
    return []


def matches_a_figure(token: str, figures: list[float]) -> bool:
    """True when ``token`` is one of ``figures`` written at the precision it shows."""
    percent = token.endswith("%")
    digits = token.rstrip("%").replace(",", "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    shown = float(digits)
    half_step = 0.5 * 10 ** (-decimals) + 1e-12
    for figure in figures:
        candidates = [figure * 100] if percent else [figure, abs(figure)]
        if any(abs(c - shown) <= half_step or abs(abs(c) - abs(shown)) <= half_step for c in candidates):
            return True
    return False


def undeclared_numbers(nb) -> list[str]:
    """'cell N: token' for every prose number that is neither measured nor declared."""
    figures = _flatten(runner.key_figures_from(nb))
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        declared = set(cell.get("metadata", {}).get("lstm_tutorial", {}).get("prose_constants", []))
        for token in dict.fromkeys(prose_numbers(cell.source)):  # each number once per cell
            if re.fullmatch(r"0\d", token):  # a notebook's number: "notebook 03"
                continue
            if token in declared or token.lstrip("-") in declared:
                continue
            if matches_a_figure(token, figures):
                continue
            problems.append(f"cell {index}: {token!r} in {cell.source[:60]!r}...")
    return problems


def test_prose_numbers_are_found_outside_math_and_identifiers():
    assert prose_numbers("## 4. Training 2 models\n# 02 · Gates\n**3. ★ Try** SHA-256\n1. a") == ["2"]
    text = "Accuracy **0.87** (87.3%) on 1,000 reviews; see $h_{t-1}$, ex01_2 and [x](a/01.html)."
    assert prose_numbers(text) == ["0.87", "87.3%", "1,000"]


def test_a_number_matches_a_figure_only_at_its_precision():
    assert matches_a_figure("0.87", [0.8734])
    assert matches_a_figure("87%", [0.8734]) and matches_a_figure("87.3%", [0.8734])
    assert not matches_a_figure("0.88", [0.8734])
    assert not matches_a_figure("0.873", [0.8749])
    assert not matches_a_figure("12", [0.12])


def test_an_undeclared_number_is_reported_and_a_declared_one_is_not():
    nb = nbformat.v4.new_notebook()
    report = nbformat.v4.new_code_cell("lt.report()")
    report.outputs = [nbformat.v4.new_output("stream", name="stdout", text='{"mode": "full", "acc": 0.8734}\n')]
    typed = nbformat.v4.new_markdown_cell("The LSTM reached 0.87 and then 0.91 in 1997.")
    nb.cells = [typed, report]
    assert [p.split(":")[1].strip().split(" ")[0] for p in undeclared_numbers(nb)] == ["'0.91'", "'1997'"]
    typed.metadata["lstm_tutorial"] = {"prose_constants": ["1997", "0.91"]}
    assert undeclared_numbers(nb) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_prose_number_is_measured_or_declared(path):
    problems = undeclared_numbers(nbformat.read(path, as_version=4))
    assert not problems, (
        f"{path.name}: numbers typed into markdown that are neither recorded figures nor declared "
        "prose_constants (write measured ones with lt.say; declare fixed facts in the cell's "
        "metadata, see this test's docstring):\n  " + "\n  ".join(problems)
    )
