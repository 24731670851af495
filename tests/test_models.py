"""Model builders: output shapes, parameter counts, masking, cuDNN eligibility, saving."""
from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from lstm_tutorial import models  # noqa: E402
from lstm_tutorial.io.errors import UsageError  # noqa: E402

SMALL = dict(vocab_size=50, embedding_dim=8, units=4, dropout=0.0)


def expected_param_count(kind: str, vocab_size: int, embedding_dim: int = 128, units: int = 64,
                         readout: str = "pool") -> int:
    """Parameters of :func:`models.build_classifier` computed by hand.

    Embedding V*d; SimpleRNN d*u + u*u + u; LSTM 4(d*u + u*u + u); GRU with
    reset_after 3(d*u + u*u + 2u); a bidirectional layer twice its LSTM; the head sees
    max and mean of the recurrent output, 2 * width, plus its bias (``readout="last"``:
    the final state only, width, plus its bias).
    """
    d, u = embedding_dim, units
    recurrent = {
        "rnn": d * u + u * u + u,
        "lstm": 4 * (d * u + u * u + u),
        "gru": 3 * (d * u + u * u + 2 * u),
        "bilstm": 2 * 4 * (d * u + u * u + u),
    }
    width = 2 * u if kind == "bilstm" else u
    head = 2 * width if readout == "pool" else width
    return vocab_size * d + recurrent[kind] + head + 1


@pytest.fixture(scope="module", params=models.ARCHITECTURES)
def built(request):
    keras.utils.set_random_seed(0)
    return request.param, models.build_classifier(request.param, **SMALL)


def test_output_shape_is_one_probability_per_review(built):
    kind, model = built
    x = np.array([[3, 4, 5, 0, 0], [6, 7, 8, 9, 2]], dtype="int32")
    p = np.asarray(model(x, training=False))
    assert p.shape == (2, 1)
    assert np.all((p > 0) & (p < 1))
    # any sequence length: the input is (batch, None)
    assert np.asarray(model(x[:, :3], training=False)).shape == (2, 1)


def test_parameter_count_matches_the_formula(built):
    kind, model = built
    expected = expected_param_count(kind, SMALL["vocab_size"], SMALL["embedding_dim"], SMALL["units"])
    assert model.count_params() == expected


@pytest.mark.parametrize("kind", models.ARCHITECTURES)
def test_parameter_counts_at_default_sizes(kind):
    """The formula against Keras' own count, at the sizes `train` uses (not at toy sizes only)."""
    vocab_size = 30_002  # the train command's 30,000 words, padding and unknown
    model = models.build_classifier(kind, vocab_size=vocab_size, compile=False)
    defaults = models.ModelConfig()
    assert model.count_params() == expected_param_count(kind, vocab_size, defaults.embedding_dim, defaults.units)


def test_padding_does_not_change_the_prediction(built):
    """With the mask, extra padding on the right is invisible to every model."""
    kind, model = built
    short = np.array([[3, 4, 5, 6]], dtype="int32")
    padded = np.array([[3, 4, 5, 6, 0, 0, 0, 0, 0, 0]], dtype="int32")
    a = np.asarray(model(short, training=False))
    b = np.asarray(model(padded, training=False))
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_real_tokens_do_change_the_prediction(built):
    """The check above must be able to fail: a non-zero id is not padding."""
    kind, model = built
    a = np.asarray(model(np.array([[3, 4, 5, 6, 0, 0]], dtype="int32"), training=False))
    b = np.asarray(model(np.array([[3, 4, 5, 6, 7, 8]], dtype="int32"), training=False))
    assert not np.allclose(a, b, atol=1e-7)


def test_the_mask_reaches_the_recurrent_layer(built):
    kind, model = built
    emb = model.get_layer("embedding")
    assert emb.mask_zero
    ids = keras.ops.convert_to_tensor(np.array([[3, 0]], dtype="int32"))
    mask = np.asarray(emb.compute_mask(ids))
    assert mask.tolist() == [[True, False]]
    assert model.get_layer("embedding_dropout").supports_masking


def test_masked_max_pooling_ignores_padded_steps():
    layer = models.MaskedGlobalMaxPooling1D()
    x = np.array([[[0.1, -0.5], [0.2, -0.4], [0.9, 0.9]]], dtype="float32")  # the last step is padding
    mask = np.array([[True, True, False]])
    out = np.asarray(layer(x, mask=mask))
    np.testing.assert_allclose(out, [[0.2, -0.4]])
    np.testing.assert_allclose(np.asarray(layer(x)), [[0.9, 0.9]])  # without a mask: plain max
    # a row with no real step gives zeros, not the sentinel
    np.testing.assert_allclose(np.asarray(layer(x, mask=np.zeros((1, 3), bool))), [[0.0, 0.0]])


def test_layers_are_cudnn_eligible_except_simple_rnn():
    for kind in ("lstm", "gru", "bilstm"):
        report = models.cudnn_eligibility(models.build_classifier(kind, compile=False, **SMALL))
        assert report and all(ok for _, ok, _ in report), report
    report = models.cudnn_eligibility(models.build_classifier("rnn", compile=False, **SMALL))
    assert report and not any(ok for _, ok, _ in report)


def test_cudnn_check_detects_a_non_default_setting():
    ids = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(10, 4, mask_zero=True)(ids)
    x = keras.layers.LSTM(3, recurrent_dropout=0.2)(x)
    report = models.cudnn_eligibility(keras.Model(ids, x))
    assert report == [(report[0][0], False, "recurrent_dropout > 0")]


def test_bidirectional_concatenates_both_directions():
    model = models.build_classifier("bilstm", compile=False, **SMALL)
    assert model.get_layer("bilstm").output.shape[-1] == 2 * SMALL["units"]
    assert model.get_layer("max_and_mean_over_time").output.shape[-1] == 4 * SMALL["units"]


def test_unknown_model_and_setting_are_usage_errors():
    with pytest.raises(UsageError, match="choose one of"):
        models.build_classifier("transformer", vocab_size=10)
    with pytest.raises(UsageError, match="unknown model setting"):
        models.build_classifier("lstm", vocab_size=10, hidden=3)
    with pytest.raises(UsageError, match="dropout"):
        models.build_classifier("lstm", vocab_size=10, dropout=1.5)


def test_keras_reference_recipe_shape_and_size():
    """The yardstick of benchmarks/bench_imdb_models.py is the well-known Keras example's size."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_imdb_models.py"
    spec = importlib.util.spec_from_file_location("bench_imdb_models", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    model = bench.build_keras_reference(vocab_size=20000, compile=False)
    # 20,000*128 + 2*4*(128*64+64*64+64) + 2*4*(128*64+64*64+64) + 129
    assert model.count_params() == 2_560_000 + 2 * 98_816 + 129
    assert np.asarray(model(np.ones((2, 7), "int32"))).shape == (2, 1)


def test_saved_model_reloads_with_identical_predictions(tmp_path):
    model = models.build_classifier("bilstm", **SMALL)
    x = np.array([[3, 4, 5, 0], [9, 8, 0, 0]], dtype="int32")
    before = np.asarray(model(x, training=False))
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_array_equal(np.asarray(again(x, training=False)), before)


@pytest.mark.slow
@pytest.mark.parametrize("imports", ["import lstm_tutorial.models, keras", "import keras, lstm_tutorial.models"])
def test_a_fresh_process_loads_saved_models_after_importing_the_models_module(tmp_path, imports):
    """No registration call: `import lstm_tutorial.models` is enough for load_model, in either order."""
    import os
    import subprocess
    import sys

    from lstm_tutorial.layers import GatedLSTM

    ids = np.array([[3, 4, 5, 0], [9, 8, 0, 0]], dtype="int32")
    pooled = models.build_classifier("lstm", **SMALL)
    gated = models.build_simple_classifier(GatedLSTM(3), SMALL["vocab_size"], 4)
    for name, model in (("pooled", pooled), ("gated", gated)):
        model.save(tmp_path / f"{name}.keras")
        np.save(tmp_path / f"{name}.npy", np.asarray(model(ids, training=False)))
    code = f"""{imports}
import numpy as np
ids = np.array({ids.tolist()}, dtype="int32")
for name in ("pooled", "gated"):
    model = keras.models.load_model(r"{tmp_path}/" + name + ".keras")
    np.testing.assert_allclose(np.asarray(model(ids, training=False)), np.load(r"{tmp_path}/" + name + ".npy"), atol=1e-6)
print("loaded")
"""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0 and "loaded" in out.stdout, out.stderr[-2000:]


def test_simple_classifier_wraps_any_recurrent_layer():
    model = models.build_simple_classifier(keras.layers.GRU(3), vocab_size=20, embedding_dim=4, length=5)
    assert [type(layer).__name__ for layer in model.layers] == ["Embedding", "GRU", "Dense"]
    assert model.get_layer("embedding").mask_zero
    assert model.loss == "binary_crossentropy"
    p = np.asarray(model(np.array([[3, 4, 0, 0, 0]], dtype="int32")))
    assert p.shape == (1, 1) and 0 < p[0, 0] < 1


# --- readout="last": the final state instead of pooling (notebook 03's grid) -------

@pytest.mark.parametrize("kind", models.ARCHITECTURES)
def test_last_state_readout_has_its_own_parameter_count_and_ignores_padding(kind):
    keras.utils.set_random_seed(0)
    model = models.build_classifier(kind, readout="last", **SMALL)
    assert model.count_params() == expected_param_count(
        kind, SMALL["vocab_size"], SMALL["embedding_dim"], SMALL["units"], readout="last")
    assert model.count_params() < expected_param_count(
        kind, SMALL["vocab_size"], SMALL["embedding_dim"], SMALL["units"], readout="pool")
    a = np.asarray(model(np.array([[3, 4, 5, 6]], dtype="int32"), training=False))
    b = np.asarray(model(np.array([[3, 4, 5, 6, 0, 0, 0]], dtype="int32"), training=False))
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_last_state_readout_reads_the_state_after_the_last_real_token():
    """Known answer: the head sees exactly the LSTM's state after the last real token."""
    keras.utils.set_random_seed(1)
    model = models.build_classifier("lstm", readout="last", **SMALL)
    lstm = model.get_layer("lstm")
    emb = model.get_layer("embedding")
    ids = np.array([[3, 4, 5, 0, 0]], dtype="int32")
    h_seq = keras.layers.LSTM(SMALL["units"], return_sequences=True)
    h_seq.build((None, None, SMALL["embedding_dim"]))
    h_seq.set_weights(lstm.get_weights())
    states = np.asarray(h_seq(emb(ids[:, :3])))  # no padding at all: h_1..h_3
    head = model.get_layer("positive_probability")
    w, b = head.get_weights()
    expected = 1 / (1 + np.exp(-(states[0, -1] @ w[:, 0] + b[0])))
    np.testing.assert_allclose(np.asarray(model(ids, training=False))[0, 0], expected, rtol=1e-5)


def test_unknown_readout_is_a_usage_error():
    with pytest.raises(UsageError, match="readout"):
        models.build_classifier("lstm", readout="first", **SMALL)
