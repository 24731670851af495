"""The NumPy LSTM: shapes, masking, weight layout round trips, and equality with Keras."""
import numpy as np
import pytest

from lstm_tutorial import reference as R
from lstm_tutorial.errors import UsageError


def test_sigmoid_is_stable_and_correct():
    z = np.array([-1000.0, -2.0, 0.0, 3.0, 1000.0], dtype=np.float32)
    s = R.sigmoid(z)
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s[1:4], 1 / (1 + np.exp(-z[1:4])), rtol=1e-6)
    assert s[0] == 0.0 and s[-1] == 1.0


def test_step_shapes_and_ranges():
    p = R.init_params(input_dim=3, units=5, seed=1)
    x = np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)
    h, c, gates = R.lstm_step(x, np.zeros((2, 5), np.float32), np.zeros((2, 5), np.float32), p)
    assert h.shape == c.shape == (2, 5)
    for k in ("f", "i", "o"):
        assert gates[k].shape == (2, 5) and np.all((gates[k] > 0) & (gates[k] < 1))
    assert np.all(np.abs(gates["g"]) < 1)
    # from a zero state, c = i * g and h = o * tanh(c)
    np.testing.assert_allclose(c, gates["i"] * gates["g"], rtol=1e-6)
    np.testing.assert_allclose(h, gates["o"] * np.tanh(c), rtol=1e-6)


def test_forget_gate_of_one_keeps_memory():
    p = R.init_params(2, 3, seed=2)
    p.W["f"][:] = 0; p.U["f"][:] = 0; p.b["f"][:] = 50.0   # f = 1
    p.W["i"][:] = 0; p.U["i"][:] = 0; p.b["i"][:] = -50.0  # i = 0
    c_prev = np.array([[0.3, -0.7, 2.0]], np.float32)
    _, c, _ = R.lstm_step(np.ones((1, 2), np.float32), np.zeros((1, 3), np.float32), c_prev, p)
    np.testing.assert_allclose(c, c_prev, atol=1e-6)


def test_sequence_masking_carries_state():
    p = R.init_params(4, 3, seed=3)
    x = np.random.default_rng(1).normal(size=(2, 6, 4)).astype(np.float32)
    mask = np.ones((2, 6), bool)
    mask[1, 3:] = False
    full = R.lstm_sequence(x, p, mask=mask)
    short = R.lstm_sequence(x[1:, :3], p)
    np.testing.assert_allclose(full["h"][1], short["h"][0], atol=1e-6)
    np.testing.assert_allclose(full["c"][1], short["c"][0], atol=1e-6)
    # masked steps repeat the last real output
    np.testing.assert_allclose(full["outputs"][1, 5], full["outputs"][1, 2])
    assert full["gates"]["f"].shape == (2, 6, 3)


def test_go_backwards_equals_reversed_input():
    p = R.init_params(4, 3, seed=4)
    x = np.random.default_rng(2).normal(size=(2, 5, 4)).astype(np.float32)
    back = R.lstm_sequence(x, p, go_backwards=True)
    fwd_rev = R.lstm_sequence(x[:, ::-1], p)
    np.testing.assert_allclose(back["outputs"], fwd_rev["outputs"])
    np.testing.assert_allclose(back["h"], fwd_rev["h"])


def test_keras_layout_round_trip_and_gate_order():
    p = R.init_params(3, 2, seed=5)
    kernel, recurrent, bias = R.join_keras_lstm_weights(p)
    assert kernel.shape == (3, 8) and recurrent.shape == (2, 8) and bias.shape == (8,)
    # Keras order is i, f, c, o: the forget block is the second one
    np.testing.assert_array_equal(kernel[:, 2:4], p.W["f"])
    np.testing.assert_array_equal(bias[4:6], p.b["g"])
    q = R.split_keras_lstm_weights(kernel, recurrent, bias)
    for table_p, table_q in ((p.W, q.W), (p.U, q.U), (p.b, q.b)):
        for k in R.GATES:
            np.testing.assert_array_equal(table_p[k], table_q[k])


def test_bad_shapes_raise_usage_errors():
    with pytest.raises(UsageError, match="recurrent_kernel"):
        R.split_keras_lstm_weights(np.zeros((3, 8)), np.zeros((2, 4)))
    p = R.init_params(3, 2)
    with pytest.raises(UsageError, match="x must be"):
        R.lstm_sequence(np.zeros((2, 5, 4)), p)
    p.U["g"] = np.zeros((3, 3))
    with pytest.raises(UsageError, match="U_g"):
        p.check()


def test_parameter_count_formula():
    for d, u in ((1, 1), (3, 5), (64, 32)):
        p = R.init_params(d, u)
        assert p.count() == R.parameter_count(d, u) == 4 * (u * (d + u) + u)
    assert R.init_params(3, 5, peephole=True).count() == R.parameter_count(3, 5, peephole=True)


def test_matches_keras_lstm():
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(3).normal(size=(3, 6, 4)).astype(np.float32)
    mask = np.ones((3, 6), bool)
    mask[0, 4:] = False
    for go_backwards in (False, True):
        lstm = keras.layers.LSTM(5, return_sequences=True, return_state=True, go_backwards=go_backwards)
        lstm(x)
        p = R.split_keras_lstm_weights(*[w.numpy() for w in lstm.weights])
        for m in (None, mask):
            seq, h, c = (np.asarray(t) for t in lstm(x, mask=m))
            ours = R.lstm_sequence(x, p, mask=m, go_backwards=go_backwards)
            assert np.abs(ours["outputs"] - seq).max() < 1e-5
            assert np.abs(ours["h"] - h).max() < 1e-5
            assert np.abs(ours["c"] - c).max() < 1e-5
