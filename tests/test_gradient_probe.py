"""The gradient probe of notebook 01 measures a real gradient, checked against references.

A model ending in a softmax has outputs that sum to 1 for every sequence, so the gradient
of sum(model(x)) is zero and any "per-step norm" of it is float32 rounding noise. The probe
must instead differentiate the loss (or a fixed projection of the output); here its per-step
norms are compared with an independent NumPy backpropagation through time
(reference.lstm_sequence_backward, itself tested against finite differences) and with a
closed form.
"""
import numpy as np
import pytest

keras = pytest.importorskip("keras")

from lstm_tutorial import gradients as G  # noqa: E402
from lstm_tutorial.lab import recall  # noqa: E402
from lstm_tutorial import numpy_lstm as R  # noqa: E402
from lstm_tutorial.io.errors import UsageError  # noqa: E402

BATCH, STEPS, FEATURES, UNITS, CLASSES = 6, 15, 4, 7, 5


def _softmax_model(seed=0, forget_bias=3.0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((STEPS, FEATURES)), keras.layers.LSTM(UNITS, name="rnn"),
                              keras.layers.Dense(CLASSES, activation="softmax", name="out")])
    recall.set_gate_bias(model, "f", forget_bias)   # gradients reach back far enough to compare every step
    return model


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype(np.float32)
    y = rng.integers(0, CLASSES, size=BATCH)
    return x, y


def reference_norms(model, x, y) -> np.ndarray:
    """Per-step ||dL/dx_t|| for L = sum of cross-entropies, by hand in float64 NumPy."""
    lstm, dense = model.get_layer("rnn"), model.get_layer("out")
    params = R.split_keras_lstm_weights(*[np.asarray(w, np.float64) for w in lstm.get_weights()])
    w_out, b_out = (np.asarray(w, np.float64) for w in dense.get_weights())
    x64 = x.astype(np.float64)
    h_T = R.lstm_sequence(x64, params, dtype=np.float64)["h"]
    logits = h_T @ w_out + b_out
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    d_logits = p - np.eye(CLASSES)[y]            # d(-log p_y)/d logits, per sequence
    d_h = d_logits @ w_out.T                      # back through the Dense layer
    dx = R.lstm_sequence_backward(x64, params, d_h=d_h, dtype=np.float64)["x"]
    return np.sqrt((dx ** 2).sum(axis=(0, 2)))


@pytest.mark.parametrize("seed", [0, 1])
def test_loss_probe_matches_numpy_bptt_on_a_softmax_model(seed):
    model, (x, y) = _softmax_model(seed), _data(seed)
    measured = G.gradient_norms(model, x, y)
    expected = reference_norms(model, x, y)
    assert measured.shape == (STEPS,)
    assert expected.min() > 1e-6 * expected.max()    # every step carries a real gradient
    np.testing.assert_allclose(measured, expected, rtol=1e-3)


def test_logits_and_probabilities_give_the_same_loss_gradient():
    model, (x, y) = _softmax_model(3), _data(3)
    logits_model = keras.Sequential([keras.Input((STEPS, FEATURES)), model.get_layer("rnn"),
                                     keras.layers.Dense(CLASSES, name="logits")])
    logits_model.get_layer("logits").set_weights(model.get_layer("out").get_weights())
    np.testing.assert_allclose(G.gradient_norms(logits_model, x, y, from_logits=True),
                               G.gradient_norms(model, x, y), rtol=1e-4)


def test_sum_of_softmax_outputs_is_refused_and_is_only_noise():
    """What the old probe measured: d sum(softmax)/dx is zero up to rounding."""
    import tensorflow as tf

    model, (x, y) = _softmax_model(0), _data(0)
    with pytest.raises(UsageError, match="sum to 1"):
        G.gradient_norms(model, x)
    xt = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        total = tf.reduce_sum(model(xt))
    g = tape.gradient(total, xt)
    old = np.sqrt((np.asarray(g, np.float64) ** 2).sum(axis=(0, 2))) if g is not None else np.zeros(STEPS)
    assert np.all(old < 1e-4 * reference_norms(model, x, y))


def test_projection_probe_matches_closed_form():
    """L = sum_b v . h_T on h_t = a h_{t-1} + x_t: dL/dx_t = a^(T-1-t) v for every sequence."""
    a, batch, steps, features = 0.8, 3, 20, 4
    x = np.random.default_rng(0).normal(size=(batch, steps, features)).astype(np.float32)
    v = np.array([0.5, -1.0, 2.0, 0.25])
    norms = G.gradient_norms(G.linear_rnn(a, features=features), x, projection=v)
    expected = np.sqrt(batch) * np.linalg.norm(v) * a ** (steps - 1 - np.arange(steps))
    np.testing.assert_allclose(norms, expected, rtol=1e-4)
    seeded = G.gradient_norms(G.linear_rnn(a, features=features), x, projection=7)
    assert np.all(seeded > 0)
    np.testing.assert_allclose(seeded, G.gradient_norms(G.linear_rnn(a, features=features), x, projection=7))


def test_probe_rejects_bad_arguments():
    model, (x, y) = _softmax_model(0), _data(0)
    with pytest.raises(UsageError, match="not both"):
        G.gradient_norms(model, x, y, projection=0)
    with pytest.raises(UsageError, match="labels"):
        G.gradient_norms(model, x, y[:2])
    with pytest.raises(UsageError, match="labels"):
        G.gradient_norms(model, x, y.astype(np.float32))
    with pytest.raises(UsageError, match="outputs"):
        G.gradient_norms(model, x, np.full(BATCH, CLASSES))
    with pytest.raises(UsageError, match="projection"):
        G.gradient_norms(model, x, projection=np.ones(3))
