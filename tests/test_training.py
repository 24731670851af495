"""training.py: length batches, fitting with checkpoints and resume, evaluation helpers,
saving and reloading a classifier, and the checks on raw reviews."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from lstm_tutorial import models, text, training  # noqa: E402
from lstm_tutorial.errors import UsageError  # noqa: E402

POS = "great wonderful moving superb loved brilliant".split()
NEG = "awful boring dull terrible hated waste".split()
FILLER = "the film story actor scene plot music and it was a this".split()


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
    """A tiny folder shaped like the real aclImdb/ (same names and rating rule).

    Returns the counts per folder, to stand in for data.EXPECTED_COUNTS in tests.
    """
    counts = {}
    for split, seed in (("train", 1), ("test", 2)):
        texts, labels = synthetic_reviews(2 * per_folder, seed)
        for sub, label in (("pos", 1), ("neg", 0)):
            folder = root / "aclImdb" / split / sub
            folder.mkdir(parents=True)
            chosen = [t for t, y in zip(texts, labels) if y == label]
            for i, t in enumerate(chosen):
                rating = 8 if label else 2
                (folder / f"{i}_{rating}.txt").write_text(t + "<br /><br />The end.", encoding="utf-8")
            counts[f"{split}/{sub}"] = len(chosen)
    unsup = root / "aclImdb" / "train" / "unsup"
    unsup.mkdir()
    for i in range(2):
        (unsup / f"{i}_0.txt").write_text("an unlabelled review", encoding="utf-8")
    counts["train/unsup"] = 2
    return counts


def tiny_data(n: int = 64, length: int = 24) -> tuple[training.PreparedData, training.TrainConfig]:
    texts, labels = synthetic_reviews(n)
    tokens = text.preprocess(texts)
    config = training.TrainConfig(model="lstm", length=length, embedding_dim=8, units=4, batch_size=16,
                                  epochs=3, patience=5, max_tokens=500)
    vocab = text.Vocabulary.fit(tokens[: n * 3 // 4], max_tokens=500, min_count=1)
    x = training.encode_tokens(vocab, tokens, config)
    y = labels.astype("float32")
    cut = n * 3 // 4
    data = training.PreparedData(vocab, x[:cut], y[:cut], x[cut:], y[cut:], tokens[:cut], tokens[cut:])
    return data, config


# ----------------------------------------------------------------------------- config
def test_default_config_is_the_documented_one():
    c = training.default_config("bilstm", fast=False)
    assert (c.model, c.length, c.max_tokens, c.batch_size, c.epochs) == ("bilstm", 400, 10000, 128, 3)
    assert (c.truncating, c.dropout, c.embedding_dim, c.units) == ("pre", 0.4, 128, 64)
    assert c.train_limit is None and c.test_limit is None
    fast = training.default_config("lstm", fast=True)
    assert fast.train_limit and fast.test_limit and fast.length < c.length
    assert training.default_config("gru", fast=False, epochs=7).epochs == 7


def test_config_rejects_nonsense():
    with pytest.raises(UsageError, match="choose one of"):
        training.default_config("cnn", fast=False)
    with pytest.raises(UsageError, match="epochs"):
        training.default_config("lstm", fast=False, epochs=0)


def test_config_round_trips_through_a_dict():
    c = training.default_config("gru", fast=True)
    assert training.TrainConfig.from_dict({**c.to_dict(), "unknown_key": 1}) == c


# ----------------------------------------------------------------------------- batches
def test_length_batches_cover_every_review_once_and_cut_only_padding():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 30, size=103)
    x = np.zeros((103, 30), dtype="int32")
    for i, n in enumerate(lengths):
        x[i, :n] = rng.integers(2, 50, size=n)
    y = (np.arange(103) % 2).astype("float32")
    batches = training.LengthBatches(x, y, batch_size=16, shuffle=True, seed=1)
    for epoch in range(2):
        seen = []
        for i in range(len(batches)):
            xb, yb = batches[i]
            idx = batches.batches[i]
            assert xb.shape[1] == lengths[idx].max()  # cut to the longest review
            np.testing.assert_array_equal(xb, x[idx, : xb.shape[1]])  # nothing real lost
            np.testing.assert_array_equal(yb, y[idx])
            seen += list(idx)
        assert sorted(seen) == list(range(103))
        batches.on_epoch_end()


def test_length_batches_restore_the_input_order():
    x = np.array([[5, 5, 5], [5, 0, 0], [5, 5, 0]], dtype="int32")
    batches = training.LengthBatches(x, None, batch_size=2)
    # a per-review result computed batch by batch (in length order) ...
    computed = np.concatenate([(batches[i][0] != 0).sum(axis=1) for i in range(len(batches))])
    assert computed.tolist() == [1, 2, 3]
    # ... goes back to the input order
    np.testing.assert_array_equal(batches.original_order(computed), [3, 1, 2])


def test_empty_review_gets_one_unknown_id():
    vocab = text.Vocabulary.fit([["good", "film"]], min_count=1)
    config = training.TrainConfig(length=4)
    x = training.encode_tokens(vocab, [[], ["good"]], config)
    assert x[0].tolist() == [1, 0, 0, 0]
    assert x[1].tolist() == [vocab.token_to_id("good"), 0, 0, 0]


# ----------------------------------------------------------------------------- evaluation helpers
def test_confusion_matrix_and_confident_mistakes():
    y = np.array([0, 0, 1, 1, 1])
    p = np.array([0.1, 0.97, 0.8, 0.4, 0.02])
    np.testing.assert_array_equal(training.confusion_matrix(y, p), [[1, 1], [2, 1]])
    mistakes = training.most_confident_mistakes(y, p, k=2)
    assert [i for i, _ in mistakes] == [4, 1]  # 0.02 for a positive is the worst, then 0.97
    assert mistakes[0][1] == pytest.approx(0.02)


@pytest.mark.parametrize("review, fragment", [
    ("", "empty"), ("   \t ", "empty"), ("<br /><br />", "no words"), ("!!! ...", "no words"),
    ("good\x00film", "NUL"), (None, "not text"), (42, "not text"),
])
def test_review_problem_names_the_problem(review, fragment):
    assert fragment in training.review_problem(review)


@pytest.mark.parametrize("review", ["Great film!", "10/10", "not bad"])
def test_review_problem_accepts_real_reviews(review):
    assert training.review_problem(review) is None


# ----------------------------------------------------------------------------- fit, resume, save, load
def test_fit_records_history_time_and_checkpoints(tmp_path):
    keras.utils.set_random_seed(0)
    data, config = tiny_data()
    model = models.build_classifier("lstm", config.model_config(data.vocab.size))
    result = training.fit(model, data, config, run_dir=tmp_path / "run", verbose=0)
    assert result.epochs_run == 3
    assert len(result.epoch_seconds) == 3 and all(s > 0 for s in result.epoch_seconds)
    assert result.history["epoch_seconds"] == result.epoch_seconds
    assert {"accuracy", "loss", "val_accuracy", "val_loss"} <= set(result.history)
    assert 1 <= result.best_epoch <= 3
    assert (tmp_path / "run" / "best.weights.h5").is_file()
    assert not (tmp_path / "run" / "backup").exists()  # deleted once training completed


def test_early_stopping_restores_the_best_weights():
    keras.utils.set_random_seed(0)
    data, config = tiny_data()
    config = training.TrainConfig(**{**config.to_dict(), "epochs": 6, "patience": 1,
                                     "monitor": "val_loss", "learning_rate": 0.05})
    model = models.build_classifier("lstm", config.model_config(data.vocab.size))
    result = training.fit(model, data, config, verbose=0)
    best = int(np.argmin(result.history["val_loss"]))
    assert result.best_epoch == best + 1
    restored = training.evaluate(model, data.x_val, data.y_val)["loss"]
    assert restored == pytest.approx(result.history["val_loss"][best], rel=1e-3, abs=1e-4)


def test_an_interrupted_run_resumes_after_the_last_finished_epoch(tmp_path):
    keras.utils.set_random_seed(0)
    data, config = tiny_data()

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    model = models.build_classifier("lstm", config.model_config(data.vocab.size))
    original_fit = model.fit
    model.fit = lambda *a, callbacks=(), **k: original_fit(*a, callbacks=[*callbacks, Interrupt()], **k)
    with pytest.raises(KeyboardInterrupt):
        training.fit(model, data, config, run_dir=tmp_path, verbose=0)
    assert (tmp_path / "backup").is_dir()

    fresh = models.build_classifier("lstm", config.model_config(data.vocab.size))
    result = training.fit(fresh, data, config, run_dir=tmp_path, verbose=0)
    assert result.resumed_from_epoch >= 1
    assert result.epochs_run == config.epochs - result.resumed_from_epoch
    assert not (tmp_path / "backup").exists()


def test_save_and_load_give_identical_predictions_on_raw_text(tmp_path):
    keras.utils.set_random_seed(0)
    data, config = tiny_data()
    model = models.build_classifier("bilstm", config.model_config(data.vocab.size))
    training.fit(model, data, config, verbose=0)
    clf = training.Classifier(model, data.vocab, config)
    reviews = ["A wonderful, moving film.", "Awful and boring.<br />A waste.", "it"]
    before = clf.predict_proba(reviews)
    training.save_classifier(tmp_path, model, data.vocab, config, {"note": np.float32(1.5), "arr": np.ones(2)})
    assert {p.name for p in tmp_path.iterdir()} >= {"model.keras", "vocabulary.json", "training.json"}
    again = training.Classifier.load(tmp_path)
    assert again.config == config
    np.testing.assert_array_equal(again.predict_proba(reviews), before)
    preds = again.predict(reviews)
    assert [p.label for p in preds] == ["positive" if v >= 0.5 else "negative" for v in before]
    assert all(0.5 <= p.confidence <= 1 for p in preds)


def test_classifier_refuses_bad_reviews_with_a_clear_error():
    data, config = tiny_data()
    model = models.build_classifier("lstm", config.model_config(data.vocab.size))
    clf = training.Classifier(model, data.vocab, config)
    with pytest.raises(UsageError, match="review 2: empty"):
        clf.predict(["fine film", ""])


def test_loading_a_missing_model_says_how_to_get_one(tmp_path):
    with pytest.raises(UsageError, match="lstm_tutorial train"):
        training.Classifier.load(tmp_path / "nothing")


def test_tf_dataset_accepts_any_batch_width_and_reshuffles_each_pass():
    x = np.zeros((40, 20), dtype="int32")
    for i in range(40):
        x[i, : 1 + i % 20] = 7
    y = np.zeros(40, dtype="float32")
    batches = training.LengthBatches(x, y, batch_size=8, shuffle=True, seed=3)
    ds = batches.as_tf_dataset()
    first = [tuple(np.asarray(xb).shape) for xb, _ in ds]
    second_plan = [list(b) for b in batches.batches]
    second = [tuple(np.asarray(xb).shape) for xb, _ in ds]
    assert len(first) == len(second) == 5
    assert len({w for _, w in first}) > 1  # widths differ from batch to batch
    third_plan = [list(b) for b in batches.batches]
    assert second_plan != third_plan  # a new plan for the second pass
