"""Each notebook that builds its main model in plain Keras builds the same model as the package.

The cell is tagged ``{"lstm_tutorial": {"plain_keras": "NN"}}``. The test runs the cell's own
code (so the notebook cannot drift from what is tested) with the few names it reads, then
compares the plain build with the package's builder: layer types, output shapes and
parameter counts (``models.layer_summary``), and for notebook 01 the starting biases.
"""
from __future__ import annotations

from types import SimpleNamespace

import nbformat
import numpy as np
import pytest

from lstm_tutorial import models, training
from lstm_tutorial.lab import recall
from lstm_tutorial.tools import runner

keras = pytest.importorskip("keras")


def plain_keras_cell(prefix: str) -> str:
    path = runner.find_notebooks([prefix])[0]
    cells = [c for c in nbformat.read(path, as_version=4).cells
             if c.cell_type == "code" and c.metadata.get("lstm_tutorial", {}).get("plain_keras") == prefix]
    assert len(cells) == 1, f"{path.name} needs exactly one cell tagged plain_keras: {prefix}"
    return cells[0].source


def test_layer_summary_tells_architectures_apart():
    a = models.build_classifier("bilstm", vocab_size=50, embedding_dim=4, units=3, readout="last", compile=False)
    b = models.build_classifier("lstm", vocab_size=50, embedding_dim=4, units=3, readout="last", compile=False)
    c = models.build_classifier("bilstm", vocab_size=50, embedding_dim=4, units=3, readout="pool", compile=False)
    assert models.layer_summary(a)[2] == ("Bidirectional(LSTM)", (None, 6), 2 * 4 * (3 * (4 + 3) + 3))
    assert models.layer_summary(a) != models.layer_summary(b) != models.layer_summary(c)
    assert sum(p for *_, p in models.layer_summary(a)) == a.count_params()


def test_notebook_01_plain_keras_lstm_is_the_package_model():
    ns = {"keras": keras, "np": np, "models": models, "recall": recall, "CONFIG": recall.SweepConfig()}
    exec(plain_keras_cell("01"), ns)
    assert ns["same"] is True
    # and the check can fail: a Keras-default bias is not the tuned LSTM's
    default = recall.build_recall_model("LSTM (Keras default)", ns["N_FEATURES"], 8, 32)
    assert not np.array_equal(default.get_layer("rnn").cell.bias.numpy(), ns["lstm"].cell.bias.numpy())


@pytest.mark.parametrize("readout", models.READOUTS)
def test_notebook_03_plain_keras_bilstm_is_the_package_model(readout):
    config = training.TrainConfig(network=models.ModelConfig(readout=readout, embedding_dim=8, units=4))
    ns = {"keras": keras, "np": np, "models": models, "CONFIG": config, "vocab": SimpleNamespace(size=40)}
    exec(plain_keras_cell("03"), ns)
    assert ns["same"] is True          # the model the notebook trains is the `train` command's
    other = "pool" if readout == "last" else "last"
    assert models.layer_summary(ns["model"]) != models.layer_summary(
        models.build_classifier("bilstm", config.network, vocab_size=40, readout=other, compile=False))


def test_notebook_02_plain_keras_lstm_is_the_package_model():
    """The cell's Sequential model and build_simple_classifier around the same layer type agree."""
    from lstm_tutorial.lab.gates import copy_builtin_model
    from lstm_tutorial.layers import GatedLSTM

    x_test = np.random.default_rng(0).integers(1, 40, size=(64, 12)).astype("int32")
    ns = {"keras": keras, "np": np, "lt": SimpleNamespace(record=lambda **_: None),
          "vocab": SimpleNamespace(size=40), "EMBED": 8, "UNITS": 4, "MAXLEN": 12, "LEARNING_RATE": 1e-3,
          "CONTROL_SEEDS": [], "x_test": x_test, "GatedLSTM": GatedLSTM, "copy_builtin_model": copy_builtin_model,
          "build_simple_classifier": models.build_simple_classifier}
    exec(plain_keras_cell("02"), ns)
    packaged = models.build_simple_classifier(keras.layers.LSTM(4), 40, 8, 12)
    assert models.layer_summary(ns["builtin_model"]) == models.layer_summary(packaged)
    assert models.layer_summary(ns["gated_model"])[1][1:] == models.layer_summary(packaged)[1][1:]
    assert ns["init_pred_diff"] < 1e-5  # the gated model started from the plain model's weights
    assert models.layer_summary(ns["builtin_model"]) != models.layer_summary(
        models.build_simple_classifier(keras.layers.GRU(4), 40, 8, 12))
