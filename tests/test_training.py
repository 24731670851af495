"""training.py: length batches, fitting with checkpoints and resume, evaluation helpers,
saving and reloading a classifier, and the checks on raw reviews."""
from __future__ import annotations

import json
import warnings
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from lstm_tutorial import models, text, training  # noqa: E402
from lstm_tutorial.io.errors import CorruptDataError, UsageError  # noqa: E402
from lstm_tutorial.tools import classifier  # noqa: E402
from conftest import write_aclimdb  # noqa: E402

POS = "great wonderful moving superb loved brilliant".split()
NEG = "awful boring dull terrible hated waste".split()
FILLER = "the film story actor scene plot music and it was a this".split()

def fit_reviews(model, data, config, **kwargs):
    """training.fit as the train command calls it (length batches, resumable with the config's key)."""
    return training.fit(model, *data.batches(config.batch_size, config.seed), epochs=config.epochs,
                        patience=config.patience, monitor=config.monitor,
                        run_key=config.resume_key(data.vocab) if data.vocab is not None else None, **kwargs)



def synthetic_reviews(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Reviews of 3-40 words: filler plus a few words of the review's sentiment."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        label = i % 2
        words = list(rng.choice(FILLER, size=rng.integers(3, 40)))
        for _ in range(3):
            words.insert(int(rng.integers(0, len(words) + 1)), str(rng.choice(POS if label else NEG)))
        texts.append(" ".join(words).capitalize() + ".")
        labels.append(label)
    return texts, np.array(labels, dtype=np.int64)


def build_fixture_imdb(root: Path, per_folder: int = 24) -> dict:
    """A tiny folder shaped like the real aclImdb/ (same names and rating rule) of synthetic
    reviews. Returns the counts per folder, to stand in for data.EXPECTED_COUNTS in tests."""
    reviews = {"train/unsup": ["an unlabelled review"] * 2}
    for split, seed in (("train", 1), ("test", 2)):
        texts, labels = synthetic_reviews(2 * per_folder, seed)
        for sub, label in (("pos", 1), ("neg", 0)):
            reviews[f"{split}/{sub}"] = [t + "<br /><br />The end." for t, y in zip(texts, labels) if y == label]
    return write_aclimdb(root, reviews)


def tiny_data(n: int = 64, length: int = 24) -> tuple[training.PreparedData, training.TrainConfig]:
    texts, labels = synthetic_reviews(n)
    tokens = text.preprocess(texts)
    config = training.TrainConfig(model="lstm", length=length, network=models.ModelConfig(embedding_dim=8, units=4),
                                  batch_size=16, epochs=3, patience=5, max_tokens=500)
    vocab = text.Vocabulary.fit(tokens[: n * 3 // 4], max_tokens=500, min_count=1)
    x = training.encode_tokens(vocab, tokens, config)
    y = labels.astype("float32")
    cut = n * 3 // 4
    data = training.PreparedData(vocab, x[:cut], y[:cut], x[cut:], y[cut:], tokens[:cut], tokens[cut:])
    return data, config


# ----------------------------------------------------------------------------- config
def test_default_config_uses_all_data_in_full_mode_and_a_slice_in_fast_mode():
    c = training.TrainConfig.for_mode(model="bilstm", fast=False)
    assert c.train_limit is None and c.test_limit is None
    fast = training.TrainConfig.for_mode(model="lstm", fast=True)
    assert fast.train_limit and fast.test_limit and fast.length < c.length
    assert training.TrainConfig.for_mode(model="gru", fast=False, epochs=7).epochs == 7


def test_config_rejects_nonsense():
    with pytest.raises(UsageError, match="choose one of"):
        training.TrainConfig.for_mode(model="cnn", fast=False)
    with pytest.raises(UsageError, match="epochs"):
        training.TrainConfig.for_mode(model="lstm", fast=False, epochs=0)


def test_config_round_trips_through_a_dict():
    c = training.TrainConfig.for_mode(model="gru", fast=True)
    assert training.TrainConfig.from_dict({**c.to_dict(), "unknown_key": 1}) == c


def test_the_network_is_one_model_config_held_not_copied():
    """TrainConfig holds a models.ModelConfig; its settings still read and write as one flat dict."""
    c = training.TrainConfig.for_mode(model="lstm", fast=False, units=8, readout="last", dropout=0.1)
    assert c.network == models.ModelConfig(units=8, readout="last", dropout=0.1)
    assert training.TrainConfig().network == models.ModelConfig()  # one set of defaults
    flat = c.to_dict()
    assert "network" not in flat and flat["units"] == 8 and flat["readout"] == "last"
    assert not set(f.name for f in fields(training.TrainConfig)) & models.ModelConfig.names()
    with pytest.raises(TypeError, match="no setting"):
        training.TrainConfig.for_mode(model="lstm", fast=False, unit=8)
    with pytest.raises(UsageError, match="readout"):
        training.TrainConfig.for_mode(model="lstm", fast=False, readout="first")


# ----------------------------------------------------------------------------- batches
def test_length_batches_cover_every_review_once_and_cut_only_padding():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 30, size=103)
    x = np.zeros((103, 30), dtype="int32")
    for i, n in enumerate(lengths):
        x[i, :n] = rng.integers(2, 50, size=n)
    batches = training.length_batches(x, np.arange(103), batch_size=16, shuffle=True, seed=1)
    orders = []
    for epoch in range(2):
        seen = []
        for xb, idx in batches:
            xb, idx = np.asarray(xb), np.asarray(idx)
            assert xb.shape[1] == lengths[idx].max()  # padded only to the longest review
            np.testing.assert_array_equal(xb, x[idx, : xb.shape[1]])  # nothing real lost, padding on the right
            seen += list(idx)
        assert sorted(seen) == list(range(103)) and len(batches) == training._steps_per_epoch(x, 16)
        orders.append(seen)
    assert orders[0] != orders[1]  # shuffled anew each epoch ...
    again = training.length_batches(x, np.arange(103), batch_size=16, shuffle=True, seed=1)
    assert [i for _, idx in again for i in np.asarray(idx)] == orders[0]  # ... the same way for the same seed


@pytest.mark.slow
def test_length_batches_group_similar_lengths():
    """Sorted by length, the 10,000 reviews would need no padding; the buckets waste little."""
    lengths = np.random.default_rng(0).lognormal(5.4, 0.7, size=10_000).clip(1, 1000).astype(int)
    x = (np.arange(1000)[None, :] < lengths[:, None]).astype("int32")
    padded = sum(np.asarray(xb).size for xb, _ in training.length_batches(x, lengths, 128, shuffle=True))
    assert padded < 1.1 * lengths.sum()  # fixed-length batches of 1000: 3.5 times the real tokens


def test_left_padded_rows_are_refused_not_cut():
    """pad_sequences pads on the left by default; cutting such rows would drop real tokens."""
    right = np.array([[5, 6, 7, 0], [8, 0, 0, 0]], dtype="int32")
    assert len(training.length_batches(right, None, batch_size=2)) == 1
    left = keras.utils.pad_sequences([[5, 6, 7], [8]], maxlen=4)  # [[0, 5, 6, 7], [0, 0, 0, 8]]
    with pytest.raises(UsageError, match="right-padded.*padding='post'"):
        training.length_batches(left, None, batch_size=2)
    with pytest.raises(UsageError, match="row 1"):
        training.predict_proba(None, np.array([[5, 6, 0], [0, 7, 8]], dtype="int32"))


def test_empty_review_gets_one_unknown_id():
    vocab = text.Vocabulary.fit([["good", "film"]], min_count=1)
    config = training.TrainConfig(length=4)
    x = training.encode_tokens(vocab, [[], ["good"]], config)
    assert x[0].tolist() == [1, 0, 0, 0]
    assert x[1].tolist() == [vocab.token_to_id("good"), 0, 0, 0]


# ----------------------------------------------------------------------------- evaluation helpers
@pytest.mark.parametrize("review, fragment", [
    ("", "empty"), ("   \t ", "empty"), ("<br /><br />", "no words"), ("!!! ...", "no words"),
    ("good\x00film", "NUL"), (None, "not text"), (42, "not text"),
])
def test_review_problem_names_the_problem(review, fragment):
    assert fragment in classifier.review_problem(review)


@pytest.mark.parametrize("review", ["Great film!", "10/10", "not bad"])
def test_review_problem_accepts_real_reviews(review):
    assert classifier.review_problem(review) is None


# ----------------------------------------------------------------------------- fit, resume, save, load
@pytest.mark.slow
def test_fit_does_not_ask_keras_to_shuffle_a_dataset():
    """Keras warns when told to shuffle a tf.data dataset (it shuffles itself); that warning reached notebook 03."""
    data, config = tiny_data()
    model = models.build_classifier("lstm", config.network, vocab_size=data.vocab.size)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_reviews(model, data, training.TrainConfig.from_dict({**config.to_dict(), "epochs": 1}), verbose=0)
    assert not [w for w in caught if "shuffle" in str(w.message)]


@pytest.mark.slow
def test_fit_records_history_time_and_checkpoints(tmp_path):
    keras.utils.set_random_seed(0)
    data, config = tiny_data()
    model = models.build_classifier("lstm", config.network, vocab_size=data.vocab.size)
    result = fit_reviews(model, data, config, run_dir=tmp_path / "run", verbose=0)
    assert result.epochs_run == 3
    assert len(result.epoch_seconds) == 3 and all(s > 0 for s in result.epoch_seconds)
    assert result.history["epoch_seconds"] == result.epoch_seconds
    assert {"accuracy", "loss", "val_accuracy", "val_loss"} <= set(result.history)
    assert 1 <= result.best_epoch <= 3
    assert (tmp_path / "run" / "best.weights.h5").is_file()
    assert not (tmp_path / "run" / "backup").exists()  # deleted once training completed


@pytest.mark.slow
def test_early_stopping_restores_the_best_weights():
    keras.utils.set_random_seed(0)
    data, config = tiny_data()
    config = training.TrainConfig.from_dict({**config.to_dict(), "epochs": 6, "patience": 1,
                                     "monitor": "val_loss", "learning_rate": 0.05})
    model = models.build_classifier("lstm", config.network, vocab_size=data.vocab.size)
    result = fit_reviews(model, data, config, verbose=0)
    best = int(np.argmin(result.history["val_loss"]))
    assert result.best_epoch == best + 1
    restored = training.evaluate(model, data.x_val, data.y_val)["loss"]
    assert restored == pytest.approx(result.history["val_loss"][best], rel=1e-3, abs=1e-4)


@pytest.mark.slow
def test_an_interrupted_run_resumes_after_the_last_finished_epoch(tmp_path):
    keras.utils.set_random_seed(0)
    data, config = tiny_data()

    interrupted = interrupt_after_two_epochs(data, config, tmp_path)

    fresh = models.build_classifier("lstm", config.network, vocab_size=data.vocab.size)
    started_with = {}
    result = fit_reviews(fresh, data, config, run_dir=tmp_path, verbose=0,
                          callbacks=[WeightsAtStart(started_with)])
    assert result.resumed_from_epoch == 2
    assert result.epochs_run == config.epochs - 2
    # the resumed run started from the weights of the interrupted one after epoch 2
    for a, b in zip(started_with["weights"], interrupted["weights"]):
        np.testing.assert_array_equal(a, b)
    assert not (tmp_path / "backup").exists()


class WeightsAtStart(keras.callbacks.Callback):
    """Records the model's weights when training begins (after BackupAndRestore ran)."""

    def __init__(self, store):
        super().__init__()
        self.store = store

    def on_train_begin(self, logs=None):
        self.store["weights"] = [np.array(w) for w in self.model.get_weights()]


def interrupt_after_two_epochs(data, config, run_dir, sabotage=None) -> dict:
    """Run fit in ``run_dir`` and interrupt it after epoch 2; returns the weights and logs then."""
    seen = {}

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                seen["weights"] = [np.array(w) for w in self.model.get_weights()]
                raise KeyboardInterrupt

    model = models.build_classifier("lstm", config.network, vocab_size=data.vocab.size)
    original_fit = model.fit
    model.fit = lambda *a, callbacks=(), **k: original_fit(*a, callbacks=[*callbacks, Interrupt()], **k)
    with pytest.raises(KeyboardInterrupt):
        fit_reviews(model, data, config, run_dir=run_dir, verbose=0)
    assert (Path(run_dir) / "backup").is_dir()
    return seen


@pytest.mark.slow
def test_resume_with_other_settings_or_vocabulary_is_refused(tmp_path):
    """Ids of another vocabulary mean other words: such a backup must not be resumed."""
    keras.utils.set_random_seed(0)
    data, config = tiny_data()
    interrupt_after_two_epochs(data, config, tmp_path)
    other_config = training.TrainConfig.from_dict({**config.to_dict(), "remove_stopwords": True})
    model = models.build_classifier("lstm", config.network, vocab_size=data.vocab.size)
    with pytest.raises(UsageError, match="other settings or another vocabulary.*delete"):
        fit_reviews(model, data, other_config, run_dir=tmp_path, verbose=0)
    shuffled = text.Vocabulary(data.vocab.tokens[:2] + data.vocab.tokens[:1:-1])  # same words, other ids
    other_data = training.PreparedData(shuffled, data.x_train, data.y_train, data.x_val, data.y_val)
    with pytest.raises(UsageError, match="another vocabulary"):
        fit_reviews(model, other_data, config, run_dir=tmp_path, verbose=0)
    # a longer run of the same settings is a valid continuation
    longer = training.TrainConfig.from_dict({**config.to_dict(), "epochs": 4})
    assert fit_reviews(model, data, longer, run_dir=tmp_path, verbose=0).resumed_from_epoch == 2


@pytest.mark.slow
def test_a_resumed_run_keeps_the_better_checkpoint_of_before_the_interruption(tmp_path):
    """After a resume, a worse epoch must not replace best.weights.h5, and the model ends
    with the best weights of the whole run."""
    keras.utils.set_random_seed(0)
    data, config = tiny_data()
    interrupted = interrupt_after_two_epochs(data, config, tmp_path)
    best_file = tmp_path / "best.weights.h5"
    probe = models.build_classifier("lstm", config.network, vocab_size=data.vocab.size)
    probe.load_weights(best_file)
    best_before = [np.array(w) for w in probe.get_weights()]

    class WorseEveryEpoch(keras.callbacks.Callback):
        """Runs first: the resumed epochs report the worst possible validation accuracy."""

        def on_epoch_end(self, epoch, logs=None):
            logs["val_accuracy"] = 0.0

    fresh = models.build_classifier("lstm", config.network, vocab_size=data.vocab.size)
    original_fit = fresh.fit
    fresh.fit = lambda *a, callbacks=(), **k: original_fit(*a, callbacks=[WorseEveryEpoch(), *callbacks], **k)
    result = fit_reviews(fresh, data, config, run_dir=tmp_path, verbose=0)
    probe.load_weights(best_file)
    for a, b in zip(probe.get_weights(), best_before):
        np.testing.assert_array_equal(a, b)  # not overwritten by a worse epoch
    for a, b in zip(fresh.get_weights(), best_before):
        np.testing.assert_array_equal(a, b)  # and the model ends with them
    assert result.best_epoch <= 2
    assert interrupted["weights"]


@pytest.mark.slow
def test_save_and_load_give_identical_predictions_on_raw_text(tmp_path):
    keras.utils.set_random_seed(0)
    data, config = tiny_data()
    model = models.build_classifier("bilstm", config.network, vocab_size=data.vocab.size)
    fit_reviews(model, data, config, verbose=0)
    clf = classifier.Classifier(model, data.vocab, config)
    reviews = ["A wonderful, moving film.", "Awful and boring.<br />A waste.", "it"]
    before = clf.predict_proba(reviews)
    classifier.save_classifier(tmp_path, model, data.vocab, config, {"note": np.float32(1.5), "arr": np.ones(2)})
    assert {p.name for p in tmp_path.iterdir()} >= {"model.keras", "vocabulary.json", "training.json"}
    again = classifier.Classifier.load(tmp_path)
    assert again.config == config
    np.testing.assert_array_equal(again.predict_proba(reviews), before)
    preds = again.predict(reviews)
    assert [p.label for p in preds] == ["positive" if v >= 0.5 else "negative" for v in before]
    np.testing.assert_allclose([p.confidence for p in preds], np.maximum(before, 1 - before), rtol=1e-6)


def test_classifier_refuses_bad_reviews_with_a_clear_error():
    data, config = tiny_data()
    model = models.build_classifier("lstm", config.network, vocab_size=data.vocab.size)
    clf = classifier.Classifier(model, data.vocab, config)
    with pytest.raises(UsageError, match="review 2: empty"):
        clf.predict(["fine film", ""])


def test_loading_a_missing_model_says_how_to_get_one(tmp_path):
    with pytest.raises(UsageError, match="lstm_tutorial train"):
        classifier.Classifier.load(tmp_path / "nothing")


# ----------------------------------------------------------------------------- saving is all or nothing
@pytest.fixture(scope="module")
def two_saves(tmp_path_factory):
    """Two classifiers with different vocabularies, saved in two folders."""
    keras.utils.set_random_seed(0)
    root = tmp_path_factory.mktemp("saves")
    data, config = tiny_data()
    model = models.build_classifier("lstm", config.network, vocab_size=data.vocab.size)
    classifier.save_classifier(root / "a", model, data.vocab, config)
    other_vocab = text.Vocabulary.fit([["other", "words", "entirely"]] * 2, min_count=1)
    other = models.build_classifier("lstm", config.network, vocab_size=other_vocab.size)
    classifier.save_classifier(root / "b", other, other_vocab, config)
    return root, data, config, model, other, other_vocab


def test_an_interrupted_save_leaves_the_old_classifier_whole(two_saves, tmp_path, monkeypatch):
    import shutil

    root, data, config, model, other, other_vocab = two_saves
    folder = tmp_path / "clf"
    shutil.copytree(root / "a", folder)
    (folder / "checkpoints").mkdir()
    (folder / "checkpoints" / "note.txt").write_text("kept")
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}

    def interrupted_save(self, path):
        raise KeyboardInterrupt  # Ctrl-C after the new model.keras was written

    monkeypatch.setattr(text.Vocabulary, "save", interrupted_save)
    with pytest.raises(KeyboardInterrupt):
        classifier.save_classifier(folder, other, other_vocab, config)
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["clf"]  # no temporary folder left
    monkeypatch.undo()
    classifier.save_classifier(folder, other, other_vocab, config)  # a complete save replaces all three
    assert classifier.Classifier.load(folder).vocab.tokens == other_vocab.tokens
    assert (folder / "checkpoints" / "note.txt").read_text() == "kept"  # other contents move along


def test_load_refuses_files_of_different_saves(two_saves, tmp_path):
    import shutil

    root = two_saves[0]
    shutil.copytree(root / "a", tmp_path / "mixed")
    shutil.copy(root / "b" / "vocabulary.json", tmp_path / "mixed" / "vocabulary.json")
    with pytest.raises(CorruptDataError, match="vocabulary.json is not the file saved with"):
        classifier.Classifier.load(tmp_path / "mixed")


def test_load_keeps_the_cause_of_a_failure(two_saves, monkeypatch):
    """Only a file problem says "train again"; other failures keep their own message."""
    folder = two_saves[0] / "a"

    def out_of_memory(*a, **k):
        raise RuntimeError("CUDA_ERROR_OUT_OF_MEMORY")

    monkeypatch.setattr(keras.models, "load_model", out_of_memory)
    with pytest.raises(RuntimeError, match="CUDA_ERROR_OUT_OF_MEMORY"):
        classifier.Classifier.load(folder)

    def unknown_layer(*a, **k):
        raise TypeError("Could not locate class 'Foo'")

    monkeypatch.setattr(keras.models, "load_model", unknown_layer)
    with pytest.raises(CorruptDataError, match=f"Keras {keras.__version__}.*Could not locate") as info:
        classifier.Classifier.load(folder)
    assert isinstance(info.value.__cause__, TypeError)


# ----------------------------------------------------------------------------- train_seeds
def test_train_seeds_refuses_repeated_or_no_seeds():
    config = training.TrainConfig.for_mode(model="lstm", fast=True)
    with pytest.raises(UsageError, match="each seed once"):
        classifier.train_seeds(config, [1, 1], verbose=False)
    with pytest.raises(UsageError, match="at least one seed"):
        classifier.train_seeds(config, [], verbose=False)


@pytest.mark.slow
def test_train_seeds_keeps_every_run_and_the_best_on_validation(tmp_path, monkeypatch, capsys):
    """On a tiny aclImdb-shaped fixture: every seed's run kept, the best on validation (only) saved on top."""
    from lstm_tutorial.io import datasets as data

    root = tmp_path / "imdb"
    counts = build_fixture_imdb(root)
    monkeypatch.setattr(data, "EXPECTED_COUNTS", counts)
    monkeypatch.setenv("LSTM_TUTORIAL_DATA", str(root))
    monkeypatch.setenv("LSTM_TUTORIAL_HOME", str(tmp_path / "home"))
    config = training.TrainConfig.for_mode(model="lstm", fast=True, epochs=1)
    out = tmp_path / "models" / "lstm"
    result = classifier.train_seeds(config, [3, 5], out_dir=out)
    printed = capsys.readouterr().out

    runs = result["runs"]
    assert [r["seed"] for r in runs] == [3, 5]
    for r in runs:
        saved = json.loads((out / "seeds" / f"seed-{r['seed']}" / "training.json").read_text())
        assert saved["config"]["seed"] == r["seed"]
        assert saved["metrics"]["test_accuracy"] == pytest.approx(r["test_accuracy"])
    best = max(runs, key=lambda r: r["val_accuracy"])
    assert result["best_seed"] == best["seed"]
    top = json.loads((out / "training.json").read_text())
    assert top["config"]["seed"] == best["seed"] and top["metrics"]["chosen_seed"] == best["seed"]
    assert top["metrics"]["seed_summary"]["mean"] == pytest.approx(np.mean([r["test_accuracy"] for r in runs]))
    # the top-level model is the chosen seed's: same vocabulary file, same predictions
    chosen = out / "seeds" / f"seed-{best['seed']}"
    assert (out / "vocabulary.json").read_bytes() == (chosen / "vocabulary.json").read_bytes()
    reviews = ["a wonderful moving film", "boring and awful"]
    np.testing.assert_allclose(classifier.Classifier.load(out).predict_proba(reviews),
                               classifier.Classifier.load(chosen).predict_proba(reviews), atol=1e-6)
    assert "test accuracy over seeds:" in printed and result["summary"]["text"] in printed
