"""The NumPy LSTM: shapes, masking, weight layout round trips, and equality with Keras."""
import numpy as np
import pytest

from lstm_tutorial import numpy_lstm as R
from lstm_tutorial.io.errors import UsageError


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
    order = ("i", "f", "g", "o")   # Keras packs the gates i, f, c (our g), o side by side
    kernel, recurrent, bias = (np.concatenate([table[k] for k in order], axis=-1) for table in (p.W, p.U, p.b))
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
    def scalars(p):
        return sum(a.size for table in (p.W, p.U, p.b, p.P) for a in table.values())

    for d, u in ((1, 1), (3, 5), (64, 32)):
        assert scalars(R.init_params(d, u)) == R.parameter_count(d, u) == 4 * (u * (d + u) + u)
    assert scalars(R.init_params(3, 5, peephole=True)) == R.parameter_count(3, 5, peephole=True)


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


# -- the backward pass by hand -------------------------------------------------------------

def _float64(params):
    return R.LSTMParams(*[{k: v.astype(np.float64) for k, v in table.items()} for table in (params.W, params.U, params.b)])


def _backward_problem(seed=0, batch=3, steps=6, input_dim=4, units=5):
    rng = np.random.default_rng(seed)
    p = _float64(R.init_params(input_dim, units, seed=seed + 1))
    x = rng.normal(size=(batch, steps, input_dim))
    h0, c0 = 0.5 * rng.normal(size=(batch, units)), rng.normal(size=(batch, units))
    v_out, v_h, v_c = rng.normal(size=(batch, steps, units)), rng.normal(size=(batch, units)), rng.normal(size=(batch, units))
    mask = np.ones((batch, steps), bool)
    mask[1, 4:] = False      # right padding
    mask[2, 0] = False       # a masked first step: the initial state is carried over
    return p, x, h0, c0, v_out, v_h, v_c, mask


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("output_tanh", [True, False])
def test_backward_matches_finite_differences(masked, output_tanh):
    p, x, h0, c0, v_out, v_h, v_c, mask = _backward_problem()
    mask = mask if masked else None

    def loss():  # a random linear function of every forward result
        run = R.lstm_sequence(x, p, h0=h0, c0=c0, mask=mask, output_tanh=output_tanh, dtype=np.float64)
        return (v_out * run["outputs"]).sum() + (v_h * run["h"]).sum() + (v_c * run["c"]).sum()

    g = R.lstm_sequence_backward(x, p, v_out, v_h, v_c, h0=h0, c0=c0, mask=mask,
                                 output_tanh=output_tanh, dtype=np.float64)
    pairs = [(x, g["x"]), (h0, g["h0"]), (c0, g["c0"])]
    pairs += [(getattr(p, name)[k], g[name][k]) for name in "WUb" for k in R.GATES]
    for array, ours in pairs:
        numeric = R.numeric_gradient(loss, array)
        assert ours.shape == array.shape
        # float64 central differences agree to ~1e-9; a wrong sign or gate is off by O(1)
        assert np.abs(ours - numeric).max() <= 1e-6 * max(1.0, np.abs(numeric).max())


def test_backward_cell_gradient_is_carried_by_the_forget_gate():
    # With the loss on the final c only and the output gate shut (o_t ~ 0 through a huge
    # negative bias, so nothing flows through h_t), dL/dc_{t-1} = f_t * dL/dc_t: the conveyor belt.
    p = _float64(R.init_params(3, 4, seed=2))
    p.b["o"][:] = -50.0
    x = np.random.default_rng(1).normal(size=(2, 5, 3))
    v_c = np.ones((2, 4))
    g = R.lstm_sequence_backward(x, p, d_c=v_c, dtype=np.float64)
    f = R.lstm_sequence(x, p, dtype=np.float64)["gates"]["f"]
    for t in range(4, 0, -1):
        np.testing.assert_allclose(g["cells"][:, t - 1], g["cells"][:, t] * f[:, t], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g["c0"], g["cells"][:, 0] * f[:, 0], rtol=1e-10)


def test_backward_rejects_peepholes_and_bad_shapes():
    p = R.init_params(3, 2, peephole=True)
    with pytest.raises(UsageError, match="peephole"):
        R.lstm_sequence_backward(np.zeros((1, 4, 3)), p)
    with pytest.raises(UsageError, match="shape"):
        R.lstm_sequence_backward(np.zeros((1, 4, 3)), R.init_params(3, 2), d_outputs=np.zeros((1, 4, 3)))


@pytest.mark.parametrize("masked", [False, True])
def test_backward_matches_keras_gradients(masked):
    """Our hand-written gradients against TensorFlow's autodiff of keras.layers.LSTM."""
    keras = pytest.importorskip("keras")
    tf = pytest.importorskip("tensorflow")
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(4)
    batch, steps, input_dim, units = 4, 9, 6, 5
    x = rng.normal(size=(batch, steps, input_dim)).astype(np.float32)
    v_out = rng.normal(size=(batch, steps, units)).astype(np.float32)
    v_h, v_c = (rng.normal(size=(batch, units)).astype(np.float32) for _ in range(2))
    mask = np.arange(steps)[None, :] < np.array([[9], [6], [3], [8]]) if masked else None
    lstm = keras.layers.LSTM(units, return_sequences=True, return_state=True,
                             bias_initializer="random_normal")  # nonzero biases: a bias swap shows
    lstm(x)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        seq, h, c = lstm(xt, mask=None if mask is None else tf.constant(mask))
        loss = tf.reduce_sum(v_out * seq) + tf.reduce_sum(v_h * h) + tf.reduce_sum(v_c * c)
    d_x, d_kernel, d_recurrent, d_bias = tape.gradient(loss, [xt, *lstm.weights])
    theirs = R.split_keras_lstm_weights(d_kernel.numpy(), d_recurrent.numpy(), d_bias.numpy())
    params = R.split_keras_lstm_weights(*[w.numpy() for w in lstm.weights])
    ours = R.lstm_sequence_backward(x, params, v_out, v_h, v_c, mask=mask)
    scale = max(np.abs(d_x.numpy()).max(), 1.0)
    assert np.abs(ours["x"] - d_x.numpy()).max() < 1e-4 * scale
    for name in "WUb":
        for k in R.GATES:
            expected = getattr(theirs, name)[k]
            tol = 1e-4 * max(np.abs(expected).max(), 1.0)
            assert np.abs(ours[name][k] - expected).max() < tol, f"d{name}_{k}"
            # the bar is far below the gap to another gate's gradient, so a swapped gate fails
            other = getattr(theirs, name)["i" if k != "i" else "f"]
            assert np.abs(other - expected).max() > 100 * tol
