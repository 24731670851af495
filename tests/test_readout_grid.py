"""The readout grid: its plan, its summaries, and the committed results file."""
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from lstm_tutorial import training
from lstm_tutorial.lab import readout_grid
from lstm_tutorial.io.errors import UsageError

RESULTS = Path(__file__).resolve().parents[1] / "notebooks" / "data" / "readout_grid.json"


def test_split_indices_are_disjoint_seeded_and_cut_to_the_limit():
    train, val = training.split_indices(100, 0.2, limit=50, seed=3)
    assert len(train) == 40 and len(val) == 10
    assert not set(train) & set(val)
    again = training.split_indices(100, 0.2, limit=50, seed=3)
    assert np.array_equal(train, again[0]) and np.array_equal(val, again[1])
    other = training.split_indices(100, 0.2, limit=50, seed=4)
    assert not np.array_equal(val, other[1])
    with pytest.raises(UsageError):
        training.split_indices(1, 0.5)
    with pytest.raises(UsageError):
        training.split_indices(10, 1.5)


def test_specs_cover_readout_by_layer_and_the_article_chain_for_every_seed():
    specs = readout_grid.grid_specs((0, 1, 2))
    assert len({s.key for s in specs}) == len(specs)
    cells = {s.cell for s in specs}
    for layer in readout_grid.LAYERS:
        for readout in ("last", "pool"):
            assert readout_grid.cell_name("grid", layer, readout) in cells
    for layer in ("rnn", "bilstm"):
        assert readout_grid.cell_name("article", layer, "last", "article_letters", True) in cells
        assert readout_grid.cell_name("article_words", layer, "last", "article_words", True) in cells
    per_cell = {}
    for s in specs:
        per_cell.setdefault(s.cell, set()).add(s.seed)
    assert all(seeds == {0, 1, 2} for seeds in per_cell.values())


def test_bucket_counts_and_summaries():
    b = readout_grid.bucket_counts([50, 150, 150, 500], [True, False, True, True])
    assert [x["n"] for x in b] == [1, 2, 0, 1] and [x["correct"] for x in b] == [1, 1, 0, 1]
    runs = [{"cell": "c", "seed": s, "test_accuracy": a, "group": "grid", "layer": "lstm", "readout": "last",
             "tokens": "words", "remove_stopwords": False, "length_buckets": b} for s, a in enumerate([0.7, 0.8, 0.9])]
    s = readout_grid.summarise(runs)["c"]
    assert s["mean"] == pytest.approx(0.8) and s["std"] == pytest.approx(0.1) and s["seeds"] == [0, 1, 2]
    acc = readout_grid.bucket_accuracy(runs)
    assert acc[1]["mean"] == pytest.approx(0.5) and acc[1]["n"] == 2
    assert acc[1]["values"] == [0.5, 0.5, 0.5] and [list(e) for e in acc[1]["examples"]] == [[1.0, 0.0]] * 3
    assert 2 not in [j for j, x in enumerate(acc) if x["examples"]]      # an empty bucket has no rows


def test_bucket_comparison_goes_through_the_one_rule():
    """Two buckets of a few hundred reviews: a 5-point gap is within their sampling noise."""
    from lstm_tutorial import stats

    def run(seed, short_right, long_right):
        return {"cell": "c", "seed": seed, "length_buckets": [
            {"lo": 0, "hi": 100, "n": 200, "correct": short_right}, {"lo": 400, "hi": 10**9, "n": 360, "correct": long_right}]}

    short, long_ = readout_grid.bucket_accuracy([run(0, 164, 277), run(1, 165, 277), run(2, 163, 276)])
    c = stats.compare(short["values"], long_["values"], a_examples=short["examples"], b_examples=long_["examples"],
                      same_examples=False)
    assert c.difference == pytest.approx(0.82 - 0.769, abs=0.003)
    assert c.sample_measured and not c.real and c.high - c.low > 0.1


def test_run_grid_refuses_a_file_made_with_another_budget(tmp_path):
    path = tmp_path / "g.json"
    readout_grid._write(path, {"format": readout_grid.FORMAT, "budget": readout_grid.GridBudget().to_dict(), "runs": []})
    with pytest.raises(UsageError, match="another budget"):
        readout_grid.run_grid([], readout_grid.GridBudget.for_mode(fast=False, units=7), path=path, verbose=False)
    path.write_text("{not json")
    with pytest.raises(UsageError, match="not valid JSON"):
        readout_grid.load_results(path)


@pytest.mark.skipif(not RESULTS.is_file(), reason="notebooks/data/readout_grid.json not generated yet")
def test_committed_grid_results_are_complete_and_consistent():
    payload = readout_grid.load_results(RESULTS)
    budget = readout_grid.GridBudget.from_dict(payload["budget"])
    assert budget == readout_grid.GridBudget(), "the file was made with other settings than the code's GridBudget"
    assert len(budget.seeds) >= 3 and budget.patience >= 2
    runs = payload["runs"]
    keys = [r["key"] for r in runs]
    assert len(keys) == len(set(keys))
    assert set(keys) == {s.key for s in readout_grid.grid_specs(budget.seeds)}
    for r in runs:
        assert 0.0 <= r["test_accuracy"] <= 1.0 and 0.0 <= r["best_val_accuracy"] <= 1.0
        assert r["n_test"] == budget.test_reviews
        assert r["n_train"] + r["n_val"] == budget.train_reviews
        assert 1 <= r["best_epoch"] <= r["epochs_run"] <= budget.epochs
        assert len(r["val_accuracy"]) == r["epochs_run"]
        assert r["stopped_early"] == (r["epochs_run"] < budget.epochs)
        assert max(r["val_accuracy"]) == pytest.approx(r["best_val_accuracy"], abs=1e-4)
        assert sum(b["n"] for b in r["length_buckets"]) == r["n_test"]
        correct = sum(b["correct"] for b in r["length_buckets"])
        assert correct / r["n_test"] == pytest.approx(r["test_accuracy"], abs=1e-9)
        expected_length = budget.letter_length if r["tokens"] == "article_letters" else budget.length
        assert r["length"] == expected_length
        if r["tokens"] == "article_letters":
            assert r["vocab_size"] <= 28  # 26 letters, padding, unknown
    json.dumps(readout_grid.summarise(runs))  # summaries are JSON-ready
