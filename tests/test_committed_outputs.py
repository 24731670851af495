"""The outputs committed with the notebooks carry nothing of the machine that ran them.

A reader sees the committed outputs on GitHub and on the course site: a folder of the
machine that ran the notebook (``/work/...``, ``/home/...``, a ``PosixPath('...')`` echoed
by a cell) or a TensorFlow C++ log line (``E0000 ...``) means nothing to them. Cells end
figure calls with ``_ = plots.savefig(...)``, notebooks print paths relative to the project,
and ``lstm_tutorial.io.environment.quiet_tensorflow`` keeps TensorFlow's C++ log out.
"""
from __future__ import annotations

import re

import nbformat
import pytest

from lstm_tutorial.tools import runner

NOTEBOOKS = runner.find_notebooks()
#: What must not appear in an output, with why.
FORBIDDEN = {
    r"/work/|/root/|/home/|/Users/|[A-Z]:\\\\Users\\\\": "a folder of the machine that ran it",
    r"PosixPath\('|WindowsPath\('": "a path object echoed by a cell (end the line with `_ = ...`)",
    r"(?m)^[EWIF]0000 \d\d:\d\d:": "a TensorFlow C++ log line",
}


def output_text(output) -> str:
    """Everything a reader sees of one output: streams, text and HTML data, tracebacks."""
    if "text" in output:
        return "".join(output["text"])
    parts = []
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/") or mime == "application/json":
            parts.append(value if isinstance(value, str) else "".join(map(str, value)))
    parts.extend(output.get("traceback", []))
    return "\n".join(parts)


def machine_traces(nb) -> list[str]:
    found = []
    for k, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            text = output_text(output)
            for pattern, why in FORBIDDEN.items():
                for m in re.finditer(pattern, text):
                    line = text[text.rfind("\n", 0, m.start()) + 1:].split("\n", 1)[0]
                    found.append(f"cell {k}: {why}: {line[:120]!r}")
    return found


def test_the_check_finds_each_kind_of_trace():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("execute_result", data={"text/plain": "PosixPath('/work/wt8/figures/a.png')"}),
        nbformat.v4.new_output("stream", name="stderr", text="E0000 00:00:1796149176.231485   25044 util.cc:131] oneDNN\n"),
        nbformat.v4.new_output("stream", name="stdout", text="archive /home/me/aclImdb_v1.tar.gz\n"),
        nbformat.v4.new_output("stream", name="stdout", text="archive aclImdb_v1.tar.gz; 1,000 reviews\n")])]
    traces = machine_traces(nb)
    assert len(traces) == 4          # the path object counts twice: a path and a PosixPath
    assert sum("TensorFlow" in t for t in traces) == 1 and sum("path object" in t for t in traces) == 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_outputs_carry_no_machine_path_or_tensorflow_log(path):
    traces = machine_traces(nbformat.read(path, as_version=4))
    assert not traces, f"{path.name}:\n" + "\n".join(traces)
