"""The character language model of notebook 04: carried states, sampling, unit search, CLI."""
from __future__ import annotations

import json

import numpy as np
import pytest

from lstm_tutorial.lab import language_model as L
from lstm_tutorial.io.saving import file_sha256, read_manifest
from lstm_tutorial.io.errors import CorruptDataError, UsageError
from lstm_tutorial.training import learning_rate_schedule


@pytest.mark.slow
@pytest.mark.parametrize("kind,n_layers", [("lstm", 1), ("lstm", 2), ("rnn", 2)])
def test_carried_state_equals_running_the_whole_sequence_at_once(kind, n_layers):
    import keras

    keras.utils.set_random_seed(0)
    model = L.build_char_lm(12, kind, embedding_dim=5, units=7, n_layers=n_layers)
    ids = np.random.default_rng(0).integers(2, 12, size=(3, 40)).astype("int32")
    whole, *whole_states = model([ids, *L.zero_states(model, 3)])
    pieces, states = L.run_windows(model, ids, seq_len=9)  # 9 does not divide 40: a short last window
    np.testing.assert_allclose(pieces, np.asarray(whole), atol=1e-5)
    for a, b in zip(states, whole_states):
        np.testing.assert_allclose(a, np.asarray(b), atol=1e-5)
    # and forgetting the states between windows would give something else
    cut, _ = L.run_windows(model, ids[:, 9:18], seq_len=9)
    assert np.abs(cut - pieces[:, 9:18]).max() > 1e-4


def test_streams_and_windows_continue_each_other():
    rows = L.streams(np.arange(103), batch=4)
    assert rows.shape == (4, 25) and rows[1, 0] == 25
    pairs = list(L.windows(rows, 6))
    assert len(pairs) == 4
    x0, y0 = pairs[0]
    np.testing.assert_array_equal(y0[:, :-1], x0[:, 1:])
    np.testing.assert_array_equal(pairs[1][0][:, 0], y0[:, -1])
    with pytest.raises(UsageError):
        L.streams(np.arange(5), batch=4)


def test_temperature_towards_zero_equals_argmax_and_limits_hold():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(50, 10))
    best = np.argmax(logits[:, 2:], axis=1) + 2  # ids 0 and 1 (padding, unknown) are never drawn
    for t in (0.0, 1e-4):
        p = L.next_char_probabilities(logits, temperature=t)
        np.testing.assert_array_equal(np.argmax(p, axis=1), best)
        assert np.allclose(p.max(axis=1), 1.0)
    flat = L.next_char_probabilities(logits, temperature=1e4)
    assert np.allclose(flat[:, 2:], 1 / 8, atol=1e-3) and np.all(flat[:, :2] == 0)
    k3 = L.next_char_probabilities(logits, temperature=1.0, top_k=3)
    assert np.all((k3 > 0).sum(axis=1) == 3) and np.allclose(k3.sum(axis=1), 1)
    np.testing.assert_array_equal(np.argmax(L.next_char_probabilities(logits, 1.0, top_k=1), axis=1), best)
    with pytest.raises(UsageError):
        L.next_char_probabilities(logits, temperature=-1)


def test_char_vocab_round_trip_and_unknown(tmp_path):
    vocab = L.CharVocab.fit("aaab b\n", min_count=1)
    assert vocab.decode(vocab.encode("ab a")) == "ab a"
    assert vocab.encode("z")[0] == L.UNKNOWN
    vocab.save(tmp_path / "c.json")
    assert L.CharVocab.load(tmp_path / "c.json") == vocab


def _periodic():
    return "the cat sat. " * 300


@pytest.mark.slow
def test_a_model_trained_on_periodic_text_reproduces_it(tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    text = _periodic()
    vocab = L.CharVocab.fit(text, min_count=1)
    config = L.LMConfig(units=32, embedding_dim=8, seq_len=26, batch_size=8, epochs=6, learning_rate=1e-2,
                        n_reviews=None)
    model = config.build(vocab.size)
    ids = vocab.encode(text)
    result = L.train_lm(model, ids[:3000], ids[3000:], config, verbose=False)
    assert result["history"][-1]["val_bits_per_char"] < 0.5
    out = L.sample(model, vocab, "the cat", length=26, temperature=0.0)[0]
    assert out == " sat. the cat sat. the cat"
    # sampling at a low temperature gives the same text; a large one does not
    assert L.sample(model, vocab, "the cat", 26, temperature=0.05, seed=3)[0] == out


@pytest.mark.slow
def test_training_resumes_from_the_last_saved_epoch_and_refuses_other_settings(tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    text = _periodic()
    vocab = L.CharVocab.fit(text, min_count=1)
    ids = vocab.encode(text)
    config = L.LMConfig(units=8, embedding_dim=4, seq_len=20, batch_size=4, epochs=1, n_reviews=None)
    L.train_lm(config.build(vocab.size), ids[:2000], ids[2000:], config, run_dir=tmp_path, verbose=False, vocab=vocab)
    again = L.train_lm(config.build(vocab.size), ids[:2000], ids[2000:], L.LMConfig(**{**config.to_dict(), "epochs": 2}),
                       run_dir=tmp_path, verbose=False, vocab=vocab)
    assert again["resumed_from_epoch"] == 1 and [h["epoch"] for h in again["history"]] == [1, 2]
    with pytest.raises(UsageError, match="other settings"):
        L.train_lm(config.build(vocab.size), ids[:2000], ids[2000:], L.LMConfig(**{**config.to_dict(), "units": 9}),
                   run_dir=tmp_path, verbose=False, vocab=vocab)


def test_unit_search_finds_a_planted_unit_and_nothing_in_noise():
    rng = np.random.default_rng(0)
    text = 'he said "no" (twice). then we left. ' * 40
    feats = L.text_features(text)
    states = rng.normal(size=(len(text), 20))
    states[:, 7] = feats["inside quotes"] + 0.1 * rng.normal(size=len(text))
    half = len(text) // 2
    first = {k: v[:half] for k, v in feats.items()}
    second = {k: v[half:] for k, v in feats.items()}
    rows = {r["feature"]: r for r in L.find_units(states[:half], first, states[half:], second)}
    assert rows["inside quotes"]["unit"] == 7 and rows["inside quotes"]["found"]
    assert rows["inside quotes"]["r_check"] > 0.8
    assert not rows["inside parentheses"]["found"] and not rows["space"]["found"]


def test_text_features_on_a_known_string():
    f = L.text_features('a "b c" (d). e')
    assert list(f["inside quotes"][:8]) == [0, 0, 1, 1, 1, 1, 0, 0]
    assert f["inside parentheses"][9] == 1 and f["inside parentheses"][12] == 0
    assert f["space"][1] == 1 and f["position in word"][1] == 0 and f["position in word"][2] == 1
    assert f["position in sentence"][13] == 1  # "e", after ". "


def test_lm_weights_go_into_the_classifier():
    import keras

    keras.utils.set_random_seed(0)
    lm = L.build_char_lm(10, "lstm", embedding_dim=4, units=8)
    clf = L.build_char_classifier(10, "lstm", embedding_dim=4, units=8)
    L.copy_lm_weights(lm, clf)
    for name in ("embedding", "rnn_1"):
        for a, b in zip(lm.get_layer(name).get_weights(), clf.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)
    ids = np.array([[3, 4, 5, 0, 0], [6, 7, 8, 9, 2]], "int32")
    feats = L.lm_features(lm, ids)
    assert feats.shape == (2, 16)
    # the masked mean over the real characters only equals running the model on them alone
    alone = L.lm_features(lm, ids[:1, :3])
    np.testing.assert_allclose(feats[0], alone[0], atol=1e-5)


def test_trace_of_the_trained_layer_matches_the_model():
    import keras

    keras.utils.set_random_seed(0)
    vocab = L.CharVocab.fit("abc. def\n", min_count=1)
    model = L.build_char_lm(vocab.size, "lstm", embedding_dim=4, units=6, n_layers=2)
    text = "ab. fed"
    for layer in ("rnn_1", "rnn_2"):
        trace = L.lstm_trace(model, vocab, text, layer)
        assert trace["f"].shape == (len(text), 6)
    logits, h1, c1, h2, c2 = model([vocab.encode(text)[None], *L.zero_states(model, 1)])
    np.testing.assert_allclose(trace["c"][-1], np.asarray(c2)[0], atol=1e-5)


@pytest.mark.slow
def test_cli_train_lm_and_generate(tmp_path, capsys):
    from lstm_tutorial.tools import cli

    corpus = tmp_path / "corpus.txt"
    corpus.write_text(_periodic() * 2, encoding="utf-8")
    out = tmp_path / "lm"
    args = ["train-lm", "--text", str(corpus), "--out", str(out), "--units", "16", "--batch-size", "8",
            "--seq-len", "20", "--epochs", "1"]
    assert cli.main(args) == 0
    info = json.loads((out / "lm.json").read_text())
    assert (out / "lm.keras").is_file() and info["config"]["units"] == 16
    assert info["files"]["lm.keras"] == file_sha256(out / "lm.keras")
    made_by = [a for a in args if a not in ("--out", str(out))]  # how it was made, not where it went
    assert info["recipe"]["command"] == "python -m lstm_tutorial " + " ".join(made_by)
    assert info["recipe"]["chars_seen"] > 0
    assert (out / "checkpoints" / "checkpoint" / "lm.keras").is_file()
    assert cli.main(args[:-1] + ["2"]) == 0  # resumes after epoch 1
    assert "resuming" in capsys.readouterr().out
    assert cli.main(["generate", "--model", str(out), "--prompt", "the", "--length", "12", "--temperature", "0"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("the") and len(line) == 15
    assert cli.main(["generate", "--model", str(tmp_path / "none")]) == 1
    assert "train-lm" in capsys.readouterr().err


def test_exercise_checks_of_notebook_04(capsys):
    import math

    from lstm_tutorial.lab import exercises as check

    drawable = L.CharVocab.load(L.SHIPPED_LM / L.LM_VOCAB_FILE).size - 2   # the notebook's vocabulary
    assert check.ex04_1(math.log2(drawable)) and check.ex04_1(math.log2(drawable), drawable)
    assert not check.ex04_1(drawable) and not check.ex04_1(math.log2(60))
    assert not check.ex04_1(math.log2(60), 60)   # log2 of another count is not this notebook's answer
    z = np.array(check.EX04_2_LOGITS) / check.EX04_2_TEMPERATURE
    right = float(np.exp(z[0]) / np.exp(z).sum())
    assert check.ex04_2(right) and not check.ex04_2(0.665)  # 0.665: the softmax without the temperature
    inside = 'the film (a remake (of a remake)) is "fine" (really).'.index(")) is") + 1 - 'the film ('.index("(")
    inside += len("(really")
    assert check.ex04_3(inside) and not check.ex04_3(inside + 2)
    out = capsys.readouterr().out
    assert f"{right:.3f}" not in out and str(inside) not in out


@pytest.mark.slow
def test_continuation_bits_prefers_what_the_periodic_model_learned():
    import keras

    keras.utils.set_random_seed(0)
    text = _periodic()
    vocab = L.CharVocab.fit(text, min_count=1)
    config = L.LMConfig(units=32, embedding_dim=8, seq_len=26, batch_size=8, epochs=4, learning_rate=1e-2, n_reviews=None)
    model = config.build(vocab.size)
    L.train_lm(model, vocab.encode(text), vocab.encode(text[:600]), config, verbose=False)
    learned, scrambled = L.continuation_bits_many(model, vocab, [("the cat", " sat."), ("the cat", " tas.")])
    assert learned < scrambled
    batch = L.lstm_trace(model, vocab, ["the cat", "sat. th"])
    single = L.lstm_trace(model, vocab, "sat. th")
    np.testing.assert_allclose(batch["c"][1], single["c"], atol=1e-5)


def test_bits_per_char_of_a_uniform_model_is_log2_of_the_vocabulary():
    import math

    import keras

    keras.utils.set_random_seed(0)
    model = L.build_char_lm(16, "lstm", embedding_dim=4, units=8)
    dense = model.get_layer("logits")
    dense.set_weights([np.zeros_like(w) for w in dense.get_weights()])
    ids = np.random.default_rng(0).integers(2, 16, 5000).astype("int32")
    assert abs(L.bits_per_char(model, ids, seq_len=50, batch=8) - math.log2(16)) < 1e-5


def test_the_language_model_never_reads_the_test_split():
    with pytest.raises(UsageError, match="test"):
        L.load_corpus(10, splits=("train", "test"))


def test_notebook_04_figures_draw_and_refuse_mismatched_input():
    import matplotlib

    matplotlib.use("Agg")
    from lstm_tutorial.lab import plots

    fig = plots.shaded_text("ab c", [0.1, -0.2, 0.0, 0.3], width=2)
    assert len(fig.axes[0].texts) == 4
    with pytest.raises(ValueError, match="4 characters but 3 values"):
        plots.shaded_text("ab c", [0.1, 0.2, 0.3])
    fig = plots.accuracy_vs_labels({"a": {10: [0.5, 0.6], 100: [0.7]}})
    assert len(fig.axes[0].lines) >= 1
    fig = plots.context_curves({"m": {1: 3.0, 4: 2.0}, "m, zero start": {1: 4.0, 4: 2.0}}, {"m": 2.0}, 4.2)
    assert len(fig.axes[0].lines) == 5   # two curves, one full-state line, frequencies, the legend's key


def _tiny_saved_lm(folder):
    text = _periodic()
    vocab = L.CharVocab.fit(text, min_count=1)
    config = L.LMConfig(units=8, embedding_dim=4, seq_len=20, batch_size=4, epochs=1, n_reviews=None)
    model = config.build(vocab.size)
    model.compile(optimizer="adam")  # save_lm must drop the optimizer
    model.optimizer.build(model.trainable_variables)
    L.save_lm(folder, model, vocab, config, {"val_bits_per_char": 1.0}, {"command": "test"})
    return model


def test_a_saved_model_is_loaded_with_its_hash_and_a_damaged_one_is_refused(tmp_path):
    model = _tiny_saved_lm(tmp_path / "lm")
    info = read_manifest(tmp_path / "lm", L.LM_CONFIG_FILE)
    assert info["files"]["lm.keras"] == file_sha256(tmp_path / "lm" / "lm.keras") and info["recipe"] == {"command": "test"}
    loaded, vocab, config = L.load_lm(tmp_path / "lm", require_hash=True)
    assert config.units == 8
    import io
    import zipfile

    import h5py

    with zipfile.ZipFile(tmp_path / "lm" / "lm.keras") as archive:
        weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
        assert "optimizer" not in weights or not len(weights["optimizer"].get("vars", {}))  # saved without Adam's state
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), loaded.get_weights()))
    # one byte changed: refused before Keras reads it, with a message that says what to do
    path = tmp_path / "lm" / "lm.keras"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptDataError, match="damaged or was replaced.*restore it"):
        L.load_lm(tmp_path / "lm")
    # a model folder without a recorded hash loads, unless the hash is required
    info.pop("files")
    (tmp_path / "lm" / "lm.json").write_text(json.dumps(info))
    with pytest.raises(CorruptDataError, match="no sha256"):
        L.load_lm(tmp_path / "lm", require_hash=True)


def test_the_shipped_language_model_matches_its_recorded_hash_and_recipe():
    info = read_manifest(L.SHIPPED_LM, L.LM_CONFIG_FILE)
    assert file_sha256(L.SHIPPED_LM / L.LM_MODEL_FILE) == info["files"][L.LM_MODEL_FILE]
    recipe = info["recipe"]
    assert recipe["command"].startswith("python -m lstm_tutorial train-lm") and recipe["device"]
    assert recipe["chars_seen"] > 0 and recipe["wall_seconds"] > 0
    assert info["metrics"]["val_bits_per_char"] == info["metrics"]["history"][-1]["val_bits_per_char"]
    assert "/work/" not in json.dumps(info)  # no path of the machine that trained it
    model, vocab, config, _ = L.load_shipped_lm()
    assert model.count_params() == L.char_lm_params(vocab.size, config.kind, config.embedding_dim,
                                                         config.units, config.n_layers)


@pytest.mark.parametrize("kind,n_layers", [("lstm", 1), ("lstm", 2), ("rnn", 1)])
def test_parameter_count_formula_and_matching_widths(kind, n_layers):
    model = L.build_char_lm(40, kind, 6, 10, n_layers)
    assert L.char_lm_params(40, kind, 6, 10, n_layers) == model.count_params()
    target = L.char_lm_params(73, "lstm", 32, 256)
    units = L.units_for_params(target, 73, "rnn")
    near = [abs(L.char_lm_params(73, "rnn", 32, u) - target) for u in (units - 1, units, units + 1)]
    assert near[1] == min(near) and near[1] < 0.01 * target
    with pytest.raises(UsageError):
        L.units_for_params(0, 73, "rnn")


@pytest.mark.slow
def test_cosine_schedule_time_limit_and_bad_settings(tmp_path):
    import keras

    config = L.LMConfig(units=8, embedding_dim=4, seq_len=20, batch_size=4, epochs=3, max_steps_per_epoch=5,
                        learning_rate=1e-2, lr_schedule="cosine", n_reviews=None)
    steps = config.epochs * config.max_steps_per_epoch   # 2000 characters hold more windows than that
    schedule = learning_rate_schedule(config.lr_schedule, config.learning_rate, steps, floor=L.LR_FLOOR)
    assert float(schedule(0)) == pytest.approx(1e-2) and float(schedule(15)) == pytest.approx(1e-3)
    with pytest.raises(UsageError, match="lr_schedule"):
        L.LMConfig(lr_schedule="linear").validate()
    keras.utils.set_random_seed(0)
    vocab = L.CharVocab.fit(_periodic(), min_count=1)
    ids = vocab.encode(_periodic())
    result = L.train_lm(config.build(vocab.size), ids[:2000], ids[2000:], config, verbose=False, max_minutes=0)
    assert result["stopped_early"] and len(result["history"]) == 1  # the limit is checked between epochs
    assert result["history"][0]["chars_seen"] == 5 * 4 * 20


def test_validation_text_of_a_smaller_corpus_is_held_out_of_a_larger_one(monkeypatch):
    from lstm_tutorial.io import datasets

    reviews = [f"review number {i} " * 3 for i in range(400)]
    monkeypatch.setattr(datasets, "load_imdb", lambda split: (reviews if split == "train" else [], None))
    small_train, small_val = L.load_corpus(100, seed=0, splits=("train",))
    big_train, big_val = L.load_corpus(400, seed=0, splits=("train",))
    small_val_reviews = set(small_val.split(L.SEPARATOR)) - {""}
    assert small_val_reviews <= set(big_val.split(L.SEPARATOR))
    assert not small_val_reviews & set(big_train.split(L.SEPARATOR))


def test_notebook_04_plain_keras_model_agrees_with_the_package_builder():
    """The cell that builds the language model in plain Keras makes what L.build_char_lm makes."""
    import keras
    import nbformat

    from lstm_tutorial.tools import runner

    nb = nbformat.read(runner.find_notebooks(["04"])[0], as_version=4)
    cells = [c for c in nb.cells if c.get("metadata", {}).get("lstm_tutorial", {}).get("plain_keras") == "char_lm"]
    assert len(cells) == 1, "notebook 04 builds its model in plain Keras in exactly one marked cell"
    assert "models." not in cells[0].source and "keras.layers.LSTM" in cells[0].source
    vocab = L.CharVocab(list("abcdefghij"))
    space = {"keras": keras, "vocab": vocab, "SHORT_UNITS": 12,
             "lm_config": L.LMConfig(embedding_dim=5), "print": lambda *a, **k: None}
    source = cells[0].source.replace("plain_lm.summary()", "")
    exec(source, space)
    plain = space["plain_lm"]
    built = L.build_char_lm(vocab.size, "lstm", 5, 12)

    def shape(model):
        return [(type(layer).__name__, layer.name, [tuple(w.shape) for w in layer.weights]) for layer in model.layers]

    assert shape(plain) == shape(built) and plain.count_params() == built.count_params()
    assert [tuple(t.shape) for t in plain.outputs] == [tuple(t.shape) for t in built.outputs]


def test_continuation_bits_in_batches_equal_one_at_a_time():
    vocab = L.CharVocab.fit(_periodic(), min_count=1)
    model = L.build_char_lm(vocab.size, "lstm", 4, 8)
    pairs = [("the cat", " sat."), ("the cat sat", ". the"), ("a cat", " sat."), ("the", " cat sat")]
    many = L.continuation_bits_many(model, vocab, pairs)
    assert many == pytest.approx([L.continuation_bits_many(model, vocab, [pair])[0] for pair in pairs], rel=1e-5)


def test_generate_falls_back_to_the_shipped_model(tmp_path, monkeypatch, capsys):
    from lstm_tutorial.io import paths
    from lstm_tutorial.tools import cli

    monkeypatch.setattr(paths, "output_dir", lambda name: tmp_path / name)  # no models/char_lm here
    assert cli.main(["generate", "--prompt", "this movie", "--length", "20", "--temperature", "0"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("this movie") and len(line) == len("this movie") + 20


def test_lm_features_of_padded_reviews_equal_each_review_read_alone():
    vocab = L.CharVocab.fit(_periodic(), min_count=1)
    lm = L.build_char_lm(vocab.size, "lstm", 4, 6)
    texts = ["the cat sat.", "a cat", "the cat sat. the cat sat."]
    ids = L.encode_reviews(vocab, texts, 40)
    feats = L.lm_features(lm, ids, batch=2)
    for i, text in enumerate(texts):
        alone = vocab.encode(text)[None, :]
        seq = np.asarray(lm.get_layer("rnn_1")(lm.get_layer("embedding")(alone))[0])[0]
        assert feats[i] == pytest.approx(np.concatenate([seq.mean(axis=0), seq[-1]]), abs=1e-5)


# -------------------- the context probe and the n-gram reference (known answers)

def _last_character_model(vocab_size=9, units=6):
    """An LSTM language model whose prediction depends only on the last character read.

    The recurrent weights are zero and the forget gate is shut (bias -1e4: f_t = 0), so
    c_t = i_t * g_t and h_t are functions of x_t alone, whatever the state before.
    """
    import keras

    keras.utils.set_random_seed(3)
    model = L.build_char_lm(vocab_size, "lstm", embedding_dim=4, units=units)
    layer = model.get_layer("rnn_1")
    kernel, recurrent, bias = layer.get_weights()
    bias = bias.copy()
    bias[units:2 * units] = -1e4          # Keras packs the gates i, f, g, o
    layer.set_weights([kernel, np.zeros_like(recurrent), bias])
    return model


@pytest.mark.slow
def test_full_state_bits_are_the_ordinary_evaluation_loss():
    import keras

    keras.utils.set_random_seed(0)
    model = L.build_char_lm(11, "lstm", embedding_dim=5, units=8)
    ids = np.random.default_rng(0).integers(2, 11, size=2_000).astype("int32")
    bits, rows, borders = L.carried_bits(model, ids, seq_len=25, batch=4)
    assert abs(bits.mean() - L.bits_per_char(model, ids, seq_len=25, batch=4)) < 1e-5
    assert bits.shape == (4, 475) and len(borders) == 19
    # the probe's "full" values are those same numbers at the drawn positions
    probe = L.context_curve(model, ids, (1, 8), n=50, seq_len=25, batch=4)
    flat = {b * rows.shape[1] + j + 1: bits[b, j] for b in range(4) for j in range(bits.shape[1])}
    np.testing.assert_allclose(probe["full"], [flat[t] for t in probe["targets"]])
    np.testing.assert_array_equal(ids[probe["targets"]], rows.reshape(-1)[probe["targets"]])


@pytest.mark.slow
@pytest.mark.parametrize("start", ["warm", "zero"])
def test_a_model_that_reads_only_the_last_character_needs_no_more_context(start):
    model = _last_character_model()
    ids = np.random.default_rng(1).integers(2, 9, size=1_500).astype("int32")
    probe = L.context_curve(model, ids, (1, 2, 16, 64), n=120, seed=4, seq_len=20, batch=3, start=start)
    for k, bits in probe["curve"].items():
        np.testing.assert_allclose(bits, probe["full"], atol=1e-5, err_msg=f"k = {k}")


@pytest.mark.slow
def test_a_model_with_memory_gains_from_context_and_warm_starts_differ_from_zero():
    import keras

    keras.utils.set_random_seed(2)
    model = L.build_char_lm(9, "lstm", embedding_dim=4, units=6)
    ids = np.random.default_rng(1).integers(2, 9, size=1_500).astype("int32")
    warm = L.context_curve(model, ids, (1, 64), n=120, seed=4, seq_len=20, batch=3)
    zero = L.context_curve(model, ids, (1, 64), n=120, seed=4, seq_len=20, batch=3, start="zero")
    np.testing.assert_array_equal(warm["targets"], zero["targets"])
    assert np.abs(warm["curve"][1] - warm["full"]).max() > 1e-4       # one character is not the full state
    assert np.abs(warm["curve"][1] - zero["curve"][1]).max() > 1e-4   # and the start state matters
    # 64 characters back, a random small LSTM has forgotten where it started
    np.testing.assert_allclose(warm["curve"][64], warm["full"], atol=1e-4)
    with pytest.raises(UsageError):
        L.context_curve(model, ids, (1,), start="cold")


TINY = "the cat sat on the mat. the rat ate the hat; a bat at the cab. that cat and the rat sat. the"


def _nltk_kneser_ney(text, order, discount):
    from nltk.lm import KneserNeyInterpolated
    from nltk.util import everygrams

    lm = KneserNeyInterpolated(order, discount=discount)
    lm.fit([everygrams(list(text), max_len=order)], list(text))
    return lm


@pytest.mark.parametrize("order,discount", [(2, 0.1), (3, 0.75), (4, 0.5), (5, 0.9)])
def test_kneser_ney_equals_nltk_on_a_tiny_corpus(order, discount):
    chars = sorted(set(TINY))
    encode = {c: i for i, c in enumerate(chars)}
    ids = np.array([encode[c] for c in TINY])
    ours = L.KneserNey(order, discount=discount).fit(ids)
    reference = _nltk_kneser_ney(TINY, order, discount)
    held_out = "a hat sat on the cat; the bat ate. tea"   # contexts seen and unseen, same characters
    for text in (TINY, held_out):
        x = np.array([encode[c] for c in text])
        targets = np.arange(order - 1, len(text))
        expected = [reference.score(text[t], list(text[t - order + 1:t])) for t in targets]
        np.testing.assert_allclose(ours.probabilities(x, targets), expected, rtol=0, atol=1e-9)
    # the discount is a scoring choice: a model fitted with another gives the same numbers when told it
    other = L.KneserNey(order, discount=0.3).fit(ids)
    np.testing.assert_allclose(other.probabilities(ids, np.arange(order - 1, len(TINY)), discount=discount),
                               ours.probabilities(ids, np.arange(order - 1, len(TINY))), atol=1e-12)
    # one fit serves the lower orders too: its order-3 scores are nltk's order-3 model's
    if order > 3:
        lower = _nltk_kneser_ney(TINY, 3, discount)
        targets = np.arange(2, len(TINY))
        np.testing.assert_allclose(ours.probabilities(ids, targets, order=3),
                                   [lower.score(TINY[t], list(TINY[t - 2:t])) for t in targets], atol=1e-9)


def test_kneser_ney_probabilities_sum_to_one_over_the_characters():
    chars = sorted(set(TINY))
    ids = np.array([chars.index(c) for c in TINY])
    lm = L.KneserNey(4).fit(ids)
    for context in ("the", "at ", "e c", "cab"):   # seen and unseen contexts
        ctx = [chars.index(c) for c in context]
        x = np.array([ctx + [w] for w in range(len(chars))]).reshape(-1)
        targets = np.arange(3, len(x), 4)
        assert abs(lm.probabilities(x, targets).sum() - 1) < 1e-9, context
    with pytest.raises(UsageError):
        lm.probabilities(ids, [1])          # order 4 needs three characters before the target
