"""GatedLSTM against keras.layers.LSTM: values, gradients, masks, directions, saving."""
import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from lstm_tutorial import numpy_lstm as R  # noqa: E402
from lstm_tutorial.io.errors import UsageError  # noqa: E402
from lstm_tutorial.layers import (  # noqa: E402
    GatedLSTM, GatedLSTMCell, get_params, load_keras_lstm_weights, _set_params, _split_gates,
)

B, T, D, U = 3, 6, 4, 5
OUT_TOL, GRAD_TOL = 1e-5, 1e-4


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, T, D)).astype(np.float32)
    mask = np.ones((B, T), bool)
    mask[0, 4:] = False   # right padding
    mask[2, 1:] = False
    return x, mask


def pair(x, fused=True, **kwargs):
    """A built-in LSTM with random (non-default) weights and a GatedLSTM loaded from it."""
    keras.utils.set_random_seed(1)
    ref = keras.layers.LSTM(U, bias_initializer="random_normal", **kwargs)
    ours = GatedLSTM(U, fused=fused, **kwargs)
    ref(x), ours(x)
    load_keras_lstm_weights(ours, ref)
    return ref, ours


def maxdiff(a, b):
    a, b = (keras.ops.convert_to_numpy(v) if not isinstance(v, np.ndarray) else v for v in (a, b))
    return float(np.abs(a - b).max())


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_equal_to_builtin(data, fused, go_backwards, masked):
    x, mask = data
    m = mask if masked else None
    ref, ours = pair(x, fused=fused, return_sequences=True, return_state=True, go_backwards=go_backwards)
    for a, b in zip(ref(x, mask=m), ours(x, mask=m)):   # outputs, final h, final c
        assert maxdiff(a, b) < OUT_TOL
    # and the NumPy reference with the same weights
    n = R.lstm_sequence(x, get_params(ours), mask=m, go_backwards=go_backwards)
    seq, h, c = ours(x, mask=m)
    assert maxdiff(n["outputs"], seq) < OUT_TOL
    assert maxdiff(n["h"], h) < OUT_TOL and maxdiff(n["c"], c) < OUT_TOL


def test_last_output_only(data):
    x, mask = data
    ref, ours = pair(x)
    out = ours(x, mask=mask)
    assert out.shape == (B, U)
    assert maxdiff(ref(x, mask=mask), out) < OUT_TOL


@pytest.mark.parametrize("masked", [False, True])
def test_gradients_match(data, masked):
    x, mask = data
    m = mask if masked else None
    ref, ours = pair(x, return_sequences=True)
    w = tf.constant(np.random.default_rng(5).normal(size=(B, T, U)).astype(np.float32))
    xt = tf.constant(x)

    def grads(layer):
        with tf.GradientTape() as tape:
            tape.watch(xt)
            loss = tf.reduce_sum(layer(xt, mask=m) * w)
        return tape.gradient(loss, [xt] + layer.trainable_weights)

    g_ref, g_ours = grads(ref), grads(ours)
    assert maxdiff(g_ref[0], g_ours[0]) < GRAD_TOL          # d loss / d inputs
    split = R.split_keras_lstm_weights(*[g.numpy() for g in g_ref[1:]])
    by_name = {v.name: g.numpy() for v, g in zip(ours.trainable_weights, g_ours[1:])}
    for k in R.GATES:
        assert maxdiff(split.W[k], by_name[f"W_{k}"]) < GRAD_TOL
        assert maxdiff(split.U[k], by_name[f"U_{k}"]) < GRAD_TOL
        assert maxdiff(split.b[k], by_name[f"b_{k}"]) < GRAD_TOL


def test_weights_named_after_gates_and_unit_forget_bias(data):
    x, _ = data
    layer = GatedLSTM(U)
    layer(x)
    names = sorted(v.name for v in layer.weights)
    assert names == sorted(f"{w}_{k}" for w in "WUb" for k in "figo")
    np.testing.assert_array_equal(layer.cell.b_f.numpy(), np.ones(U))
    np.testing.assert_array_equal(layer.cell.b_i.numpy(), np.zeros(U))
    assert layer.cell.W_g.shape == (D, U) and layer.cell.U_o.shape == (U, U)


def test_parameter_count(data):
    x, _ = data
    layer = GatedLSTM(U)
    layer(x)
    ref = keras.layers.LSTM(U)
    ref(x)
    assert layer.count_params() == ref.count_params() == 4 * (U * (D + U) + U)
    peep = GatedLSTM(U, peephole=True)
    peep(x)
    assert peep.count_params() == R.parameter_count(D, U, peephole=True)


def test_bidirectional_matches_builtin(data):
    x, mask = data
    keras.utils.set_random_seed(2)
    ref = keras.layers.Bidirectional(keras.layers.LSTM(U, return_sequences=True))
    ours = keras.layers.Bidirectional(GatedLSTM(U, return_sequences=True))
    ref(x), ours(x)
    assert ours.backward_layer.go_backwards and isinstance(ours.backward_layer, GatedLSTM)
    load_keras_lstm_weights(ours.forward_layer, ref.forward_layer)
    load_keras_lstm_weights(ours.backward_layer, ref.backward_layer)
    out = ours(x, mask=mask)
    assert out.shape == (B, T, 2 * U)
    assert maxdiff(ref(x, mask=mask), out) < OUT_TOL


@pytest.mark.slow
def test_keras_file_round_trip(data, tmp_path):
    x, _ = data
    ids = np.array([[3, 5, 2, 0, 0, 0], [1, 2, 3, 4, 5, 6]], np.int32)
    keras.utils.set_random_seed(3)
    model = keras.Sequential([
        keras.Input((6,), dtype="int32"),
        keras.layers.Embedding(10, D, mask_zero=True),
        keras.layers.Bidirectional(GatedLSTM(U, peephole=True, peephole_initializer="random_normal")),
        keras.layers.Dense(1),
    ])
    before = model.predict(ids, verbose=0)
    path = tmp_path / "gated.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.layers[1].forward_layer, GatedLSTM)
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), before, atol=1e-6)


def test_get_config_round_trip():
    layer = GatedLSTM(7, return_sequences=True, go_backwards=True, peephole=True, fused=False,
                      unit_forget_bias=False, recurrent_activation="hard_sigmoid", name="probe")
    config = layer.get_config()
    clone = GatedLSTM.from_config(config)
    assert clone.get_config() == config
    assert clone.units == 7 and clone.cell.peephole and not clone.cell.fused
    cell = GatedLSTMCell(3, return_gates=True)
    assert GatedLSTMCell.from_config(cell.get_config()).get_config() == cell.get_config()


def test_cell_works_in_plain_rnn(data):
    x, _ = data
    ref, ours = pair(x)
    rnn = keras.layers.RNN(GatedLSTMCell(U))
    rnn(x)
    _set_params(rnn.cell, get_params(ours))
    assert maxdiff(rnn(x), ref(x)) < OUT_TOL   # stacks its weights at every step: same numbers
    assert ours.cell._stacked is None           # GatedLSTM's once-per-call stacking is cleaned up


def test_peephole_runs_and_differs(data):
    x, mask = data
    ref, ours = pair(x, return_sequences=True)
    peep = GatedLSTM(U, peephole=True, return_sequences=True)
    peep(x)
    params = get_params(ours)
    _set_params(peep, params)             # peepholes start at zero: same as the plain LSTM
    assert maxdiff(peep(x, mask=mask), ours(x, mask=mask)) < OUT_TOL
    params.P = {k: np.full(U, 0.8, np.float32) for k in R.PEEPHOLE_GATES}
    _set_params(peep, params)
    out = peep(x, mask=mask)
    assert maxdiff(out, ours(x, mask=mask)) > 1e-3   # now it differs ...
    n = R.lstm_sequence(x, params, mask=mask)        # ... and matches the NumPy peephole LSTM
    assert maxdiff(n["outputs"], out) < OUT_TOL


def test_gate_exposure_shapes_and_values(data):
    x, mask = data
    ref, ours = pair(x, return_sequences=True)
    tr = ours.trace(x)
    assert set(tr) == {"h", "f", "i", "g", "o", "c"}
    for v in tr.values():
        assert v.shape == (B, T, U)
    n = R.lstm_sequence(x, get_params(ours))
    for k in R.GATES:
        assert maxdiff(tr[k], n["gates"][k]) < OUT_TOL
    assert maxdiff(tr["c"], n["cells"]) < OUT_TOL
    assert maxdiff(tr["h"], ours(x)) < OUT_TOL
    # a return_gates layer outputs 6 * units numbers per step
    raw = GatedLSTM(U, return_gates=True, return_sequences=True)
    assert raw(x).shape == (B, T, 6 * U)
    assert _split_gates(raw(x), U)["o"].shape == (B, T, U)


def test_trace_backwards_is_in_reading_order(data):
    x, _ = data
    ref, ours = pair(x, return_sequences=True, go_backwards=True)
    tr = ours.trace(x)
    n = R.lstm_sequence(x[:, ::-1], get_params(ours))
    assert maxdiff(tr["f"][:, ::-1], n["gates"]["f"]) < OUT_TOL


def test_clear_errors(data):
    x, _ = data
    with pytest.raises(UsageError, match="units"):
        GatedLSTM(0)
    small = GatedLSTM(U + 1)
    small(x)
    ref = keras.layers.LSTM(U)
    ref(x)
    with pytest.raises(UsageError, match="sizes differ"):
        load_keras_lstm_weights(small, ref)
    with pytest.raises(UsageError, match="keras.layers.LSTM"):
        load_keras_lstm_weights(small, keras.layers.GRU(U))
    with pytest.raises(UsageError, match="built"):
        load_keras_lstm_weights(GatedLSTM(U), ref)
