"""The figures a notebook shows from a precomputed file are that file's figures.

Some experiments are too long for a notebook (the full-scale IMDB benchmark, the readout
grid, the forecasting benchmark); a benchmark writes their results to ``notebooks/data/``
and the notebook reads them. These tests read the same files and compare them with the key
figures recorded in the committed notebook (its ``lt.report()`` output), so a file
re-made without re-running the notebook, or a notebook that reads the wrong entry, fails.

A notebook lists such figures in its metadata, figure name -> ``file:path.in.file``::

    {"lstm_tutorial": {"figures_from_data": {"full_linear": "imdb_accuracy.json:linear.accuracy"}}}

Notebook 03's grid figures and notebook 05's three-seed table are computed from the runs in
their files (mean and sample std per cell or model), so they are checked by recomputing them.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pytest

from lstm_tutorial.lab import readout_grid
from lstm_tutorial.tools import runner

DATA = Path(__file__).resolve().parents[1] / "notebooks" / "data"
NOTEBOOKS = runner.find_notebooks()


def value_at(payload, path: str):
    for part in path.split("."):
        payload = payload[int(part)] if isinstance(payload, list) else payload[part]
    return payload


def same_at_shown_precision(recorded, exact) -> bool:
    """``recorded`` is ``exact`` as the notebook rounded it (to the decimals it shows)."""
    if isinstance(recorded, bool) or isinstance(exact, bool):
        return recorded == exact
    text = repr(float(recorded))
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 12
    return abs(float(recorded) - float(exact)) <= 0.5 * 10 ** (-decimals) + 1e-12


def mismatches(nb, data_dir: Path = DATA) -> list[str]:
    declared = nb.metadata.get("lstm_tutorial", {}).get("figures_from_data", {})
    figures = runner.key_figures_from(nb)
    problems = []
    for name, where in declared.items():
        file, path = where.split(":", 1)
        exact = value_at(json.loads((data_dir / file).read_text()), path)
        if name not in figures:
            problems.append(f"{name}: not recorded by the notebook")
        elif not same_at_shown_precision(figures[name], exact):
            problems.append(f"{name}: the notebook shows {figures[name]}, {file} holds {exact} at {path}")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_figures_read_from_data_files_match_them(path):
    nb = nbformat.read(path, as_version=4)
    assert not mismatches(nb), f"{path.name}:\n  " + "\n  ".join(mismatches(nb))


def test_notebook_03_grid_figures_are_the_grid_files_runs():
    nb = nbformat.read(runner.find_notebooks(["03"])[0], as_version=4)
    figures = runner.key_figures_from(nb)
    runs = json.loads((DATA / "readout_grid.json").read_text())["runs"]
    summary = readout_grid.summarise(runs, metric="best_val_accuracy")  # the notebook chooses on validation
    checked = 0
    for layer in ("rnn", "lstm", "gru", "bilstm"):
        for readout in ("last", "pool"):
            cell = summary[readout_grid.cell_name("grid", layer, readout)]
            for stat in ("mean", "std"):
                name = f"grid_{layer}_{readout}_{stat}"
                assert same_at_shown_precision(figures[name], cell[stat]), (name, figures[name], cell[stat])
                checked += 1
    assert checked == 16 and figures["grid_runs"] == len(runs)


def test_notebook_05_benchmark_figures_are_the_files():
    """Notebook 05's three-seed table comes from notebooks/data/forecast_taylor.json."""
    nb = nbformat.read(runner.find_notebooks(["05"])[0], as_version=4)
    figures = runner.key_figures_from(nb)
    bench = json.loads((DATA / "forecast_taylor.json").read_text())
    for name, shown in figures["bench_baseline_test_mae"].items():
        assert same_at_shown_precision(shown, bench["baselines"][name]["test_mae"]), name
    assert set(figures["bench_model_test_mae"]) == set(bench["models"])
    for name, (mean, std) in figures["bench_model_test_mae"].items():
        maes = np.array([run["test_mae"] for run in bench["models"][name]["runs"]])
        assert len(maes) == 3, name
        assert same_at_shown_precision(mean, maes.mean()) and same_at_shown_precision(std, maes.std(ddof=1)), name

