"""Every notebook runs top to bottom in a fresh kernel in fast mode, and the committed
copies carry the outputs of a full-mode run."""

import nbformat
import pytest

from lstm_tutorial.tools import runner

NOTEBOOKS = runner.find_notebooks()


def test_there_are_notebooks():
    assert [p.name[:2] for p in NOTEBOOKS][:1] == ["00"]


def test_find_notebooks_by_prefix_and_errors():
    assert runner.find_notebooks(["00"]) == NOTEBOOKS[:1]
    with pytest.raises(runner.UsageError):
        runner.find_notebooks(["does-not-exist"])


def test_key_figures_are_read_from_the_last_json_line():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("lt.report()")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text='note\n{"mode": "fast", "acc": 0.9}\n')]
    nb.cells = [cell]
    assert runner.key_figures_from(nb) == {"mode": "fast", "acc": 0.9}


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_fast_mode(path, tmp_path):
    result = runner.run_notebook(path, fast=True, out_dir=tmp_path, timeout=600, log=lambda *_: None)
    assert result.status == "ok", result.error
    assert result.figures.get("mode") == "fast"
    executed = nbformat.read(tmp_path / path.name, as_version=4)
    setup_cell = next(c for c in executed.cells if c.cell_type == "code")
    setup_output = "".join(o.get("text", "") for o in setup_cell.outputs)
    assert "mode: fast" in setup_output


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_has_full_mode_outputs(path):
    nb = nbformat.read(path, as_version=4)
    figures = runner.key_figures_from(nb)
    assert figures.get("mode") == "full", f"{path.name}: run `python -m lstm_tutorial notebooks --write-back {path.stem[:2]}`"
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


def test_run_times_are_recorded_and_shown(tmp_path):
    ok = runner.NotebookResult("01_demo", "ok", 125.0, {"device": "CPU"}, "", "")
    failed = runner.NotebookResult("01_demo", "error", 3.0, {}, "boom", "")
    runner.record_run_time(ok, "full", tmp_path)
    runner.record_run_time(failed, "fast", tmp_path)  # a failed run is not a run time
    times = runner.read_run_times(tmp_path)
    assert times["01_demo"]["full"]["seconds"] == 125.0 and "fast" not in times["01_demo"]
    table = runner.run_times_markdown("01", tmp_path)
    assert "| full | 2.1 min | CPU" in table
    assert "No recorded run" in runner.run_times_markdown("07", tmp_path)
