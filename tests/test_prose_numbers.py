"""Every number in a notebook's markdown is measured by that notebook, bound to the figure
it states, or declared a fixed fact.

Measured numbers belong in sentences a code cell writes with ``lt.say(f"...")``, so they
cannot drift from the run. A number typed into a markdown cell passes only if it is

* **bound** to the recorded figure it states (a key of the ``lt.report()`` JSON of the
  committed full-mode run, dots for nesting) and equal to it at the precision the prose
  shows (``0.87`` matches 0.8734; ``87%`` and ``87.3%`` match 0.8734 as a percentage)::

      {"lstm_tutorial": {"prose_figures": {"0.87": "test_accuracy.bilstm"}}}

  A number that merely equals *some* recorded figure does not pass: it must name its own.
* **declared** a fixed fact -- a year, an article's own claim, a step or section number,
  a definition, a chosen setting -- in the cell's metadata or, for the whole notebook, in
  the notebook's metadata. Whole numbers may be listed; any other number (``0.005``,
  ``65%``) needs its reason, so that a measurement cannot pass as a constant unnoticed::

      {"lstm_tutorial": {"prose_constants": ["1997", "3"]}}
      {"lstm_tutorial": {"prose_constants": {"65%": "the article's own claim"}}}

A measurement in words ("about five times longer", "a little over four", "a third of
the parameters") is a number too: such a phrase must be written by ``lt.say`` or declared
with its reason under ``prose_constants`` (the phrase as the key, e.g. ``"three times"``).

Numbers inside LaTeX math, fenced code blocks, link targets, heading numbers ("## 4. Training") and
identifiers (``ex01_2``, ``h_t1``) are not prose numbers and are skipped.
"""
from __future__ import annotations

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


_NUMBER_WORD = (r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
                r"hundred|thousand|million|half|a third|a quarter|a fifth|twice|thrice|double|triple)")
_HEDGE = (r"(?:about|around|roughly|nearly|almost|approximately|some|over|under|more than|less than|at least|"
          r"at most|(?:a little|just|well) (?:over|under|above|below|more than|less than))")
#: Phrases that state a quantity in words: "about five", "a little over four", "three times".
_WORDED = re.compile(rf"\b(?:{_HEDGE}\s+{_NUMBER_WORD}|{_NUMBER_WORD}(?:\s+times|-fold))\b", re.I)


def worded_numbers(markdown: str) -> list[str]:
    """Quantities written in words in a markdown cell's prose (lower case)."""
    text = _CODE_BLOCK.sub(" ", markdown)
    return [" ".join(m.group().lower().split()) for m in _WORDED.finditer(text)]


def figure_at(figures, path: str):
    """The recorded figure at ``path`` ("a.b.0" for nested dicts and lists), or None."""
    value = figures
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def declarations(nb, cell) -> tuple[dict, dict]:
    """(constants, bindings) that apply to ``cell``: its own and the notebook's constants."""
    constants = {}
    for where in (nb.metadata, cell.get("metadata", {})):
        declared = where.get("lstm_tutorial", {}).get("prose_constants", {})
        if isinstance(declared, dict):
            constants.update(declared)
        else:  # a plain list names whole numbers; it keeps a reason given elsewhere
            constants.update({k: constants.get(k) for k in declared})
    bindings = cell.get("metadata", {}).get("lstm_tutorial", {}).get("prose_figures", {})
    return constants, bindings


def _is_whole(token: str) -> bool:
    return re.fullmatch(r"-?\d+(?:,\d{3})*", token) is not None


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
    """'cell N: token (why)' for every prose number that is neither bound, nor declared."""
    figures = runner.key_figures_from(nb)
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        constants, bindings = declarations(nb, cell)
        where = f"cell {index}"
        for token, path in bindings.items():
            value = figure_at(figures, path)
            if value is None:
                problems.append(f"{where}: {token!r} is bound to {path!r}, which the run did not record")
            elif not matches_a_figure(token, [float(value)]):
                problems.append(f"{where}: {token!r} is bound to {path!r}, but the run recorded {value}")
        for token in dict.fromkeys(prose_numbers(cell.source)):  # each number once per cell
            if re.fullmatch(r"0\d", token) or token in bindings:  # "notebook 03"; bound (checked above)
                continue
            key = token if token in constants else token.lstrip("-")
            if key not in constants:
                problems.append(f"{where}: {token!r} is neither bound to a figure nor declared, in "
                                f"{cell.source[:60]!r}...")
            elif constants[key] is None and not _is_whole(key):
                problems.append(f"{where}: {token!r} is declared without a reason (only whole numbers may be)")
        for phrase in dict.fromkeys(worded_numbers(cell.source)):
            if not constants.get(phrase):
                problems.append(f"{where}: {phrase!r} states a quantity in words; write it with lt.say or "
                                f"declare it with its reason")
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


def _notebook(markdown: str, figures: str = '{"mode": "full", "acc": 0.8734, "share": 0.9456}'):
    nb = nbformat.v4.new_notebook()
    report = nbformat.v4.new_code_cell("lt.report()")
    report.outputs = [nbformat.v4.new_output("stream", name="stdout", text=figures + "\n")]
    nb.cells = [nbformat.v4.new_markdown_cell(markdown), report]
    return nb, nb.cells[0]


def test_a_typed_number_passes_only_bound_to_its_own_figure():
    nb, typed = _notebook("The LSTM reached 0.87 of the reviews.")
    assert undeclared_numbers(nb)  # equal to a recorded figure, but not bound to it
    typed.metadata["lstm_tutorial"] = {"prose_figures": {"0.87": "acc"}}
    assert undeclared_numbers(nb) == []
    typed.metadata["lstm_tutorial"] = {"prose_figures": {"0.87": "share"}}  # the wrong figure
    assert "recorded 0.9456" in undeclared_numbers(nb)[0]
    typed.metadata["lstm_tutorial"] = {"prose_figures": {"0.87": "missing"}}
    assert "did not record" in undeclared_numbers(nb)[0]


def test_a_number_equal_to_an_unrelated_figure_no_longer_passes():
    """Notebook 00's leak: a coverage target of 95 % passed through a 0.9456 it never meant."""
    nb, typed = _notebook("Find the vocabulary size that covers 95% of the tokens.")
    assert matches_a_figure("95%", [0.9456]) and len(undeclared_numbers(nb)) == 1
    typed.metadata["lstm_tutorial"] = {"prose_constants": {"95%": "the exercise's target (a chosen value)"}}
    assert undeclared_numbers(nb) == []


def test_a_decimal_constant_needs_a_reason_so_old_measurements_show():
    """Notebook 03's leak: old accuracies 0.865 and 0.876 declared as constants."""
    nb, typed = _notebook("An earlier run reached 0.865 and 0.876 in 1997.")
    typed.metadata["lstm_tutorial"] = {"prose_constants": ["0.865", "0.876", "1997"]}
    problems = undeclared_numbers(nb)
    assert len(problems) == 2 and all("without a reason" in p for p in problems)


def test_notebook_level_declarations_are_read():
    nb, typed = _notebook("Exercise 4 asks for 1,000 more words.")
    assert len(undeclared_numbers(nb)) == 2
    nb.metadata["lstm_tutorial"] = {"prose_constants": {"4": "exercise number", "1,000": "a chosen step"}}
    assert undeclared_numbers(nb) == []


@pytest.mark.parametrize("sentence", ["A review is about five times longer in characters.",
                                      "A uniform guess needs a little over four bits.",
                                      "It has about a third of the parameters.",
                                      "The gradient is a million times smaller."])
def test_a_measurement_in_words_is_caught(sentence):
    nb, typed = _notebook(sentence)
    assert len(undeclared_numbers(nb)) == 1
    phrase = worded_numbers(sentence)[0]
    typed.metadata["lstm_tutorial"] = {"prose_constants": {phrase: "an illustration, not a measurement"}}
    assert undeclared_numbers(nb) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_prose_number_is_measured_or_declared(path):
    problems = undeclared_numbers(nbformat.read(path, as_version=4))
    assert not problems, (
        f"{path.name}: numbers typed into markdown that are neither recorded figures nor declared "
        "prose_constants (write measured ones with lt.say; declare fixed facts in the cell's "
        "metadata, see this test's docstring):\n  " + "\n  ".join(problems)
    )
