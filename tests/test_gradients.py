"""Tests for lstm_tutorial.gradients: closed forms on a linear RNN, and the LSTM probe."""
import numpy as np
import pytest

from lstm_tutorial import gradients as G
from lstm_tutorial.errors import UsageError

keras = pytest.importorskip("keras")


def _inputs(batch=3, steps=12, features=2, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, steps, features)).astype(np.float32)


@pytest.mark.parametrize("a", [0.5, 0.9, 1.0, 1.3])
def test_linear_rnn_matches_closed_form(a):
    batch, steps, features = 3, 12, 2
    model = G.linear_rnn(a, features=features)
    norms = G.gradient_norms(model, _inputs(batch, steps, features))
    t = np.arange(steps)
    expected = np.sqrt(batch * features) * a ** (steps - 1 - t)
    assert norms.shape == (steps,)
    np.testing.assert_allclose(norms, expected, rtol=1e-4)


def test_vanishing_case_ratio_is_a_power():
    steps = 30
    norms = G.gradient_norms(G.linear_rnn(0.5), _inputs(2, steps, 1))
    assert G.gradient_ratio(norms) == pytest.approx(0.5 ** (steps - 1), rel=1e-3)
    assert np.all(np.diff(norms) > 0)  # later steps get larger gradients
    # how far back the gradient stays above 1e-3 of the last step's: 0.5^k >= 1e-3 -> k <= 9
    assert G.gradient_reach(norms, 1e-3) == 9


def test_exploding_case_grows_backwards():
    steps = 40
    norms = G.gradient_norms(G.linear_rnn(1.5), _inputs(2, steps, 1))
    assert np.all(np.diff(norms) < 0)  # earlier steps get larger gradients
    assert G.gradient_ratio(norms) == pytest.approx(1.5 ** (steps - 1), rel=1e-3)
    assert G.gradient_reach(norms) == steps - 1


def test_float32_underflow_shows_as_zero():
    # 0.1^(T-1) leaves float32's range (about 1.4e-45 with subnormals) well before T = 100
    norms = G.gradient_norms(G.linear_rnn(0.1), _inputs(1, 100, 1))
    assert norms[0] == 0.0 and norms[-1] > 0.0


def test_step_the_output_ignores_gets_zero():
    # a model reading only the last step: all earlier gradients are exactly zero
    inp = keras.Input((5, 2))
    out = keras.layers.Lambda(lambda x: x[:, -1, :] * 2.0)(inp)
    norms = G.gradient_norms(keras.Model(inp, out), _inputs(4, 5, 2))
    np.testing.assert_allclose(norms[:-1], 0.0)
    assert norms[-1] == pytest.approx(2.0 * np.sqrt(8))


def test_gradient_norms_rejects_bad_inputs():
    model = G.linear_rnn(0.9)
    with pytest.raises(UsageError, match="batch, T, features"):
        G.gradient_norms(model, np.zeros((5, 1), dtype=np.float32))
    with pytest.raises(UsageError, match="float"):
        G.gradient_norms(model, np.zeros((1, 5, 1), dtype=np.int32))


def test_set_gate_bias_lstm_and_gru():
    keras.utils.set_random_seed(0)
    lstm = keras.Sequential([keras.Input((7, 3)), keras.layers.LSTM(5)])
    G.set_lstm_forget_bias(lstm, 2.0)
    G.set_gate_bias(lstm, "input", -3.0)
    bias = lstm.layers[0].get_weights()[2]
    np.testing.assert_allclose(bias[:5], -3.0)     # Keras order i, f, c, o
    np.testing.assert_allclose(bias[5:10], 2.0)
    np.testing.assert_allclose(bias[10:], 0.0)
    gru = keras.Sequential([keras.Input((7, 3)), keras.layers.GRU(4)])
    G.set_gate_bias(gru, "update", 3.0)
    bias = gru.layers[0].get_weights()[2]
    np.testing.assert_allclose(bias[0, :4], 3.0)
    np.testing.assert_allclose(bias[:, 4:], 0.0)
    with pytest.raises(UsageError, match="no gate"):
        G.set_gate_bias(gru, "f", 1.0)
    with pytest.raises(UsageError, match="LSTM or GRU"):
        G.set_gate_bias(G.linear_rnn(0.5), "f", 1.0)
    with pytest.raises(UsageError, match="LSTM"):
        G.set_lstm_forget_bias(gru, 1.0)


def test_spectral_radius_and_rescaling():
    assert G.spectral_radius(np.diag([0.5, -2.0])) == pytest.approx(2.0)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((None, 2)), keras.layers.SimpleRNN(6)])
    before = G.scale_recurrent_weights(model, 1.7)
    assert before == pytest.approx(1.0, abs=1e-4)  # Keras' default U is orthogonal
    assert G.spectral_radius(model) == pytest.approx(1.7, rel=1e-5)
    with pytest.raises(UsageError):
        G.spectral_radius(np.zeros((2, 3)))
