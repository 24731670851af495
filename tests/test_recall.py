"""Tests for lstm_tutorial.lab.recall: the recall task's layout and the experiment runner."""
import numpy as np
import pytest

from lstm_tutorial.lab import recall
from lstm_tutorial.io.errors import UsageError


def test_recall_task_shapes_dtypes_and_layout():
    x, y = recall.recall_task(40, gap=9, n_symbols=4, seed=0)
    assert x.shape == (40, 10, 5) and x.dtype == np.float32
    assert y.shape == (40,) and y.dtype == np.int64
    np.testing.assert_array_equal(x.sum(axis=2), np.broadcast_to(1 + (np.arange(10) == 0), (40, 10)))  # one-hot (+ flag)
    np.testing.assert_array_equal(x[:, 0, 4], 1.0)  # flag on at step 0 only
    np.testing.assert_array_equal(x[:, 1:, 4], 0.0)
    np.testing.assert_array_equal(x[:, 0, :4].argmax(axis=1), y)  # the label is the flagged symbol


def test_recall_task_labels_are_balanced_and_distractors_uninformative():
    x, y = recall.recall_task(4003, gap=50, n_symbols=4, seed=1)
    counts = np.bincount(y, minlength=4)
    assert counts.max() - counts.min() <= 1
    # distractors are uniform over the same alphabet, whatever the label
    freq = x[:, 1:, :4].mean(axis=(0, 1))
    np.testing.assert_allclose(freq, 0.25, atol=0.01)
    for k in range(4):
        np.testing.assert_allclose(x[y == k, 1:, :4].mean(axis=(0, 1)), 0.25, atol=0.02)


def test_recall_task_is_reproducible_and_seed_dependent():
    a = recall.recall_task(8, 5, seed=3)
    b = recall.recall_task(8, 5, seed=3)
    c = recall.recall_task(8, 5, seed=4)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_separate_distractors_use_their_own_features():
    x, y = recall.recall_task(16, gap=6, n_symbols=3, seed=0, distractors="separate")
    assert x.shape == (16, 7, 6)
    np.testing.assert_array_equal(x[:, 0, :3].argmax(axis=1), y)
    np.testing.assert_array_equal(x[:, 1:, :3], 0.0)
    np.testing.assert_array_equal(x[:, 1:, 3:].sum(axis=2), 1.0)


def test_recall_task_rejects_bad_arguments():
    with pytest.raises(UsageError):
        recall.recall_task(0, 5)
    with pytest.raises(UsageError):
        recall.recall_task(5, 5, n_symbols=1)
    with pytest.raises(UsageError, match="distractors"):
        recall.recall_task(5, 5, distractors="gaussian")
    assert recall.chance_accuracy(4) == 0.25
    assert recall.chance_accuracy() == 0.125


def test_build_recall_model_sets_lstm_biases():
    pytest.importorskip("keras")
    model = recall.build_recall_model("LSTM", n_features=5, n_classes=4, units=3)
    bias = model.get_layer("rnn").get_weights()[2]
    np.testing.assert_allclose(bias[:3], -3.0)  # input gate
    np.testing.assert_allclose(bias[3:6], 5.0)  # forget gate
    np.testing.assert_allclose(bias[6:], 0.0)
    with pytest.raises(UsageError, match="forget_bias is not defined for GRU"):
        recall.build_recall_model("GRU", 5, 4, specs={"GRU": {"layer": "GRU", "forget_bias": 2.0}})
    with pytest.raises(UsageError, match="unknown key"):
        recall.build_recall_model("x", 5, 4, specs={"x": {"layer": "LSTM", "forgot_bias": 2.0}})
    gru_bias = recall.build_recall_model("GRU (b_z=3)", 5, 4, units=3).get_layer("rnn").get_weights()[2]
    np.testing.assert_allclose(gru_bias[0, :3], 3.0)   # update gate z, input bias row
    np.testing.assert_allclose(gru_bias[1, :3], 0.0)   # recurrent bias row: total b_z is 3
    np.testing.assert_allclose(gru_bias[:, 3:], 0.0)
    default = recall.build_recall_model("LSTM (Keras default)", 5, 4, units=3).get_layer("rnn").get_weights()[2]
    np.testing.assert_allclose(default[3:6], 1.0)
    with pytest.raises(UsageError, match="unknown model"):
        recall.build_recall_model("Transformer", 5, 4)


def test_sweep_config_is_not_the_classifier_config():
    from lstm_tutorial import training

    assert not hasattr(recall, "TrainConfig") and recall.SweepConfig is not training.TrainConfig
    with pytest.raises(UsageError):
        recall.SweepConfig(max_steps=0)


@pytest.mark.slow
def test_tiny_sweep_and_summary():
    pytest.importorskip("keras")
    cfg = recall.SweepConfig(units=4, batch_size=16, max_steps=4, eval_every=2, n_val=32, n_test=32,
                            jit_compile=False)
    rows = recall.run_sweep(models=("SimpleRNN", "LSTM"), gaps=(3,), seeds=(0, 1), config=cfg,
                           verbose=False, keep_models=True)
    assert len(rows) == 4
    gru = recall.train_one("GRU (b_z=3)", 3, 0, cfg)   # a name with "=" and brackets still trains
    assert gru["model"] == "GRU (b_z=3)" and gru["steps"] == 4
    for row in rows:
        assert row["chance"] == 0.125
        # the reported accuracy is the kept model's on the seed's own test set
        x_test, y_test = recall.recall_task(cfg.n_test, 3, cfg.n_symbols, seed=20_000 + row["seed"])
        guessed = np.argmax(row["keras_model"].predict(x_test, verbose=0), axis=-1)
        assert row["accuracy"] == pytest.approx(float(np.mean(guessed == y_test)), abs=1e-6)
        assert row["steps"] in (2, 4) and row["history"][-1][0] == row["steps"]
        assert row["keras_model"].output_shape == (None, 8)
    summary = recall.summarize(rows)
    assert [(s["model"], s["gap"], s["n"]) for s in summary] == [("SimpleRNN", 3, 2), ("LSTM", 3, 2)]
    s = summary[0]
    assert s["mean"] == pytest.approx(np.mean(s["accuracies"]))
    assert s["min"] <= s["mean"] <= s["max"]
    assert s["seeds"] == [0, 1] and len(s["correct"]) == 2 and s["correct"][0].shape == (32,)
    assert s["accuracies"][0] == pytest.approx(s["correct"][0].mean())
    table = recall.accuracy_table(summary)
    assert "| SimpleRNN |" in table and "T = 3" in table


def test_run_sweep_rejects_unknown_model_before_training():
    with pytest.raises(UsageError, match="unknown model"):
        recall.run_sweep(models=("LSTM", "nope"), gaps=(3,), seeds=(0,))


@pytest.mark.slow
def test_clipping_experiment_diverges_without_clipping_only():
    pytest.importorskip("keras")
    out = recall.clipping_experiment(radius=1.1, gap=50, steps=4, n=512)
    plain, per_var, whole = (out["losses"][k] for k in ("no clipping", "clipnorm=1", "global_clipnorm=1"))
    assert len(plain) == len(per_var) == len(whole) == 4
    assert plain[0] == pytest.approx(per_var[0]) == pytest.approx(whole[0])  # same start, same first batch
    assert not np.all(np.isfinite(plain)) or max(plain) > 1e6 * plain[0]
    assert np.all(np.isfinite(per_var)) and np.all(np.isfinite(whole))
    assert len(out["variable_norms"]) == 5 and all(v > 0 for v in out["variable_norms"].values())
    assert out["norms"][0] > out["norms"][-1]  # radius > 1: earlier steps get larger gradients


def test_compare_points_uses_the_one_rule_and_pairs_the_test_sequences():
    from lstm_tutorial import stats

    rng = np.random.default_rng(0)

    def point(accs, n_test=400, with_examples=True):
        rows = []
        for seed, a in enumerate(accs):
            correct = rng.random(n_test) < a
            rows.append({"model": "m", "gap": 1, "seed": seed, "accuracy": float(correct.mean()), "chance": 0.125,
                         "seconds": 0.0, **({"correct": correct} if with_examples else {})})
        return recall.summarize(rows)[0]

    good, bad = point([0.99, 1.0, 0.98]), point([0.12, 0.13, 0.2])
    c = recall.compare_points(good, bad)
    assert c.real and c.a_better and c.sample_measured and c.design == "paired seeds"   # a seed's data trains both
    assert c.difference == pytest.approx(good["mean"] - bad["mean"])
    same = stats.compare(good["accuracies"], bad["accuracies"], a_examples=np.asarray(good["correct"], float),
                         b_examples=np.asarray(bad["correct"], float), same_seeds=True)
    assert (c.low, c.high) == pytest.approx((same.low, same.high))
    assert not recall.compare_points(point([0.99, 0.5, 0.98]), point([0.12, 0.13, 0.6])).real   # seeds disagree
    one = recall.compare_points(point([0.9]), point([0.1]))             # one seed: only the test sample's noise
    assert one.noise == "test sample only" and one.real
    assert not recall.compare_points(point([0.9], with_examples=False), point([0.1], with_examples=False)).real
    unpaired = recall.compare_points(point([0.99, 1.0, 0.98], with_examples=False), bad)
    assert not unpaired.sample_measured and unpaired.real and unpaired.noise == "seeds only"
    with pytest.raises(UsageError):
        recall.compare_points({"mean": 1.0}, bad)
