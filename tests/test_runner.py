"""The notebook runner shows only what a run computed, and a user's run leaves the clone clean.

The notebooks here are tiny (plain Python, no TensorFlow) and live in ``tmp_path``; each
run starts a real kernel (a few seconds).
"""
from __future__ import annotations

import json

import nbformat
import pytest

from lstm_tutorial.tools import runner

#: What a committed full run left in the notebook: figures no fast run computes.
OLD_FIGURES = {"mode": "full", "train_reviews": 25000, "test_accuracy": 0.8765}


def _stdout(text: str):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def _notebook(path, cells):
    """``cells``: (source, committed stdout or None) pairs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    for k, (source, old) in enumerate(cells, start=1):
        cell = nbformat.v4.new_code_cell(source)
        if old is not None:
            cell.outputs, cell.execution_count = [_stdout(old)], k
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def folder(tmp_path, monkeypatch):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "01_fails.ipynb", [
        ("print('fresh')", "old line\n"),
        ("raise RuntimeError('boom')", "old figures follow\n"),
        ("print('after')", "old output after the failure\n"),
        ("print(" + repr(json.dumps(OLD_FIGURES)) + ")", json.dumps(OLD_FIGURES) + "\n"),
    ])
    _notebook(notebooks / "02_works.ipynb", [
        ("import json; print(json.dumps({'mode': 'full', 'accuracy': 0.91, 'reviews': 1200, "
         "'curve': list(range(50))}))", json.dumps(OLD_FIGURES) + "\n"),
    ])
    monkeypatch.setattr(runner, "notebooks_dir", lambda: notebooks)
    return notebooks


@pytest.mark.slow
def test_a_failed_run_keeps_no_committed_output_and_reports_no_old_figures(folder, tmp_path):
    out = tmp_path / "runs"
    summary = runner.run_notebooks(["01"], fast=True, out_dir=out, log=lambda *_: None)
    result = summary.results[0]
    assert result.status == "error" and result.figures == {}
    assert result.error.startswith("code cell 2/4: RuntimeError: boom")  # counted like the progress
    executed = nbformat.read(out / "01_fails.ipynb", as_version=4)
    texts = [o.get("text", "") for c in executed.cells for o in c.outputs
             if o.output_type == "stream"]
    assert texts == ["fresh\n"]  # nothing committed survives, before or after the failure
    assert [c.execution_count for c in executed.cells[2:]] == [None, None]
    page = (out / "summary.md").read_text()
    assert "stopped at code cell 2/4: RuntimeError: boom" in page
    assert "25000" not in page and "25,000" not in page and "0.8765" not in page
    assert json.loads((out / "summary.json").read_text())["notebooks"][0]["figures"] == {}


@pytest.mark.slow
def test_a_users_run_keeps_times_under_runs_and_write_back_updates_the_tracked_file(folder,
                                                                                    tmp_path):
    out = tmp_path / "runs"
    runner.run_notebooks(["02"], fast=True, out_dir=out, log=lambda *_: None)
    assert not (folder / runner.RUN_TIMES_FILE).exists()  # the clone stays clean
    assert "fast" in runner.read_run_times(out)["02_works"]
    runner.run_notebooks(["02"], fast=False, out_dir=out, write_back=True, log=lambda *_: None)
    assert "full" in runner.read_run_times(folder)["02_works"]
    page = (out / "summary.md").read_text()
    assert "[02_works](02_works.ipynb)" in page
    assert "accuracy = 0.91" in page and "reviews = 1,200" in page
    assert "curve" not in page  # a list is in summary.json, not on the page
    figures = json.loads((out / "summary.json").read_text())["notebooks"][0]["figures"]
    assert figures["curve"] == list(range(50))


def test_summary_is_one_page_with_a_few_headline_figures_per_notebook():
    figures = {"mode": "fast", "device": "CPU", **{f"figure_{k}": k / 7 for k in range(12)},
               "table": {"a": [1, 2, 3]}}
    ok = runner.NotebookResult("03_demo", "ok", 125.0, figures, "", "/x/runs/fast/03_demo.ipynb")
    failed = runner.NotebookResult("04_demo", "error", 3.0, {}, "code cell 5/9: KeyError: 'x'", "")
    page = runner.summary_markdown(runner.RunSummary("fast", [ok, failed]))
    assert len(page.splitlines()) == 8  # title, sentence, table head, one row per notebook
    assert "1 of 2 notebooks ran to the end in 2 min 08.0 s on CPU" in page
    assert page.count("figure_") == runner.HEADLINE_FIGURES and "table" not in page
    assert "| [03_demo](03_demo.ipynb) | ok | 2 min 05.0 s |" in page
    assert "| 04_demo | error | 3.0 s | stopped at code cell 5/9: KeyError: 'x' |" in page


def test_the_run_stops_before_any_cell_without_stopwords(folder, tmp_path, monkeypatch):
    from lstm_tutorial import text
    from lstm_tutorial.io import errors

    _notebook(folder / "03_stop.ipynb", [("text.english_stopwords()", None)])

    def unavailable(**_):
        raise errors.DataUnavailableError("no stopwords here")

    monkeypatch.setattr(text, "english_stopwords", unavailable)
    started = []
    monkeypatch.setattr(runner, "run_notebook", lambda *a, **k: started.append(a))
    with pytest.raises(errors.DataUnavailableError, match="notebook.s. 03 need NLTK's stopwords"):
        runner.run_notebooks(["02", "03"], fast=True, out_dir=tmp_path / "runs",
                             log=lambda *_: None)
    assert started == []


def test_headline_figures_put_results_before_other_figures():
    figures = {"alpha": 1.0, "beta": 2, "gamma": 3, "rnn_test_mae": 0.5, "test_accuracy": 0.875}
    assert runner.headline_figures(figures, limit=3) == [
        "rnn_test_mae = 0.5", "test_accuracy = 0.875", "alpha = 1"]
