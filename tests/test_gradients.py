"""Tests for lstm_tutorial.gradients: closed forms on a linear RNN, and the LSTM probe."""
import numpy as np
import pytest

from lstm_tutorial import gradients as G
from lstm_tutorial.lab import recall
from lstm_tutorial.io.errors import UsageError

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
    recall.set_gate_bias(lstm, "f", 2.0)
    recall.set_gate_bias(lstm, "input", -3.0)
    bias = lstm.layers[0].get_weights()[2]
    np.testing.assert_allclose(bias[:5], -3.0)     # Keras order i, f, c, o
    np.testing.assert_allclose(bias[5:10], 2.0)
    np.testing.assert_allclose(bias[10:], 0.0)
    gru = keras.Sequential([keras.Input((7, 3)), keras.layers.GRU(4)])
    recall.set_gate_bias(gru, "update", 3.0)
    bias = gru.layers[0].get_weights()[2]
    np.testing.assert_allclose(bias[0, :4], 3.0)
    np.testing.assert_allclose(bias[:, 4:], 0.0)
    with pytest.raises(UsageError, match="no gate"):
        recall.set_gate_bias(gru, "f", 1.0)
    with pytest.raises(UsageError, match="LSTM or GRU"):
        recall.set_gate_bias(G.linear_rnn(0.5), "f", 1.0)


def test_spectral_radius_and_rescaling():
    assert G.spectral_radius(np.diag([0.5, -2.0])) == pytest.approx(2.0)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((None, 2)), keras.layers.SimpleRNN(6)])
    before = G.scale_recurrent_weights(model, 1.7)
    assert before == pytest.approx(1.0, abs=1e-4)  # Keras' default U is orthogonal
    assert G.spectral_radius(model) == pytest.approx(1.7, rel=1e-5)
    with pytest.raises(UsageError):
        G.spectral_radius(np.zeros((2, 3)))


def _recall_lstm(forget_bias, input_bias=0.0, seed=0, units=8, gap=30):
    from lstm_tutorial.lab import recall

    spec = {"layer": "LSTM", "forget_bias": forget_bias, "input_bias": input_bias}
    x, y = recall.recall_task(32, gap=gap, seed=seed)
    keras.utils.set_random_seed(seed)
    return recall.build_recall_model("m", x.shape[-1], 8, units, specs={"m": spec}), x, y


@pytest.mark.parametrize("forget_bias, input_bias", [(1.0, 0.0), (5.0, 0.0), (5.0, -3.0)])
def test_lstm_gradient_paths_agree_with_the_probe(forget_bias, input_bias):
    """The NumPy backward pass gives the probe's per-step norms; the gains multiply up."""
    model, x, y = _recall_lstm(forget_bias, input_bias)
    paths = G.lstm_gradient_paths(model, x, y)
    np.testing.assert_allclose(paths["x"], G.gradient_norms(model, x, y), rtol=1e-3)
    steps = x.shape[1]
    assert paths["total_gain"].shape == paths["belt_gain"].shape == (steps - 1,)
    # || dL/dc_0 || / || dL/dc_{T-1} || is the product of the per-step gains.
    assert np.prod(paths["total_gain"]) == pytest.approx(paths["cell"][0] / paths["cell"][-1], rel=1e-6)
    # The belt alone is the forget gate: its gain lies between the smallest and largest f.
    f_start = 1 / (1 + np.exp(-forget_bias))
    assert np.median(paths["belt_gain"]) == pytest.approx(f_start, abs=0.1)


def test_lstm_gradient_paths_the_write_path_shrinks_with_the_input_gate():
    open_gate = G.lstm_gradient_paths(*_recall_lstm(5.0, 0.0))
    closed = G.lstm_gradient_paths(*_recall_lstm(5.0, -3.0))
    assert np.median(closed["through_h"]["g"]) < 0.5 * np.median(open_gate["through_h"]["g"])


def test_lstm_gradient_paths_rejects_other_models():
    with pytest.raises(UsageError, match="LSTM"):
        G.lstm_gradient_paths(keras.Sequential([keras.Input((4, 2)), keras.layers.GRU(3),
                                                keras.layers.Dense(2, activation="softmax")]),
                              np.zeros((1, 4, 2)), [0])
    model, x, y = _recall_lstm(1.0)
    with pytest.raises(UsageError, match="labels|features"):
        G.lstm_gradient_paths(model, x[0], y)
