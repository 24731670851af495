"""Gate traces: recall.trace_lstm and recall.trace_gru reproduce the layers they trace."""
import numpy as np
import pytest

keras = pytest.importorskip("keras")

from lstm_tutorial import gradients as G
from lstm_tutorial import layers
from lstm_tutorial.io.errors import UsageError
from lstm_tutorial.lab import recall as L


def _inputs(batch=4, steps=7, features=3, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, steps, features)).astype(np.float32)


def test_trace_lstm_reproduces_keras_lstm():
    keras.utils.set_random_seed(0)
    x = _inputs()
    model = keras.Sequential([keras.Input((7, 3)), keras.layers.LSTM(5, return_sequences=True)])
    L.set_gate_bias(model, "f", 2.0)
    trace = L.trace_lstm(model, x)
    assert set(trace) == set("hfigoc") and trace["f"].shape == (4, 7, 5)
    np.testing.assert_allclose(trace["h"], np.asarray(model(x)), atol=1e-5)
    assert np.all((trace["f"] > 0) & (trace["f"] < 1))


def test_trace_lstm_of_gated_lstm_is_its_own_trace():
    keras.utils.set_random_seed(1)
    x = _inputs()
    layer = layers.GatedLSTM(5)
    out = np.asarray(layer(x))
    trace = L.trace_lstm(layer, x)
    np.testing.assert_allclose(trace["h"][:, -1], out, atol=1e-5)
    np.testing.assert_allclose(trace["f"], layer.trace(x)["f"])


def test_trace_lstm_and_keras_lstm_agree_with_gated_copy():
    keras.utils.set_random_seed(2)
    x = _inputs()
    builtin = keras.layers.LSTM(5)
    builtin(x)
    gated = layers.GatedLSTM(5)
    gated(x)
    layers.load_keras_lstm_weights(gated, builtin)
    a, b = L.trace_lstm(builtin, x), L.trace_lstm(gated, x)
    for k in "hfigoc":
        np.testing.assert_allclose(a[k], b[k], atol=1e-5)


@pytest.mark.parametrize("reset_after", [True, False])
def test_trace_gru_reproduces_keras_gru(reset_after):
    keras.utils.set_random_seed(3)
    x = _inputs(steps=9)
    model = keras.Sequential([keras.Input((9, 3)), keras.layers.GRU(6, return_sequences=True,
                                                                      reset_after=reset_after)])
    weights = model.get_weights()
    weights[-1] = np.random.default_rng(0).normal(size=weights[-1].shape).astype(np.float32)  # nonzero biases
    model.set_weights(weights)
    trace = L.trace_gru(model, x)
    assert set(trace) == set("zrgh") and trace["z"].shape == (4, 9, 6)
    np.testing.assert_allclose(trace["h"], np.asarray(model(x)), atol=1e-5)


def test_trace_gru_sees_the_update_bias():
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((9, 3)), keras.layers.GRU(6)])
    L.set_gate_bias(model, "z", 3.0)
    z = L.trace_gru(model, _inputs(steps=9))["z"]
    assert z.mean() > 0.85   # sigma(3) = 0.95 plus small input terms


def test_traces_reject_wrong_inputs():
    model = keras.Sequential([keras.Input((7, 3)), keras.layers.LSTM(5)])
    with pytest.raises(UsageError, match="features"):
        L.trace_lstm(model, _inputs(1, 7, 2))
    with pytest.raises(UsageError, match="GRU"):
        L.trace_gru(model, _inputs(1, 7, 3))
    with pytest.raises(UsageError, match="LSTM"):
        L.trace_lstm(G.linear_rnn(0.5), _inputs(1, 7, 1))
