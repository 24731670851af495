"""Training and evaluation of the IMDB classifiers, in the order the ``train`` command uses them::

    config = TrainConfig.for_mode(model="bilstm")  # every size in one place
    data = prepare_data(config)                    # tokens -> vocabulary -> ids, validation split
    model = prepare_model(config, data)            # word2vec start, cosine learning rate
    result = fit(model, *data.batches(config.batch_size, config.seed),
                 epochs=config.epochs, patience=config.patience)  # early stopping
    test = evaluate(model, *load_test(config, data.vocab))

``tools/classifier.py`` saves the model and predicts raw reviews with it.
An LSTM costs time per step, so batches hold reviews of similar length, each padded only to
its longest (:func:`length_batches`; the mask hides the padding, so the model computes the
same function). Only :func:`load_test` reads the official test set; early stopping sees the
validation split carved from the training set.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import keras
import numpy as np
import tensorflow as tf

from . import models, text
from .io.errors import UsageError
from .io import paths, saving
from .io.environment import DictConfig

__all__ = ["LR_SCHEDULES", "learning_rate_schedule", "TrainConfig",
           "PreparedData", "split_indices", "prepare_data", "load_test", "official_test_indices",
           "encode_tokens", "length_batches",
           "prepare_model", "FitResult", "fit", "predict_proba", "evaluate"]

#: Where the Embedding layer starts: word2vec vectors of the IMDB reviews, or random.
_WORD_VECTOR_CHOICES = ("word2vec", "none")

#: How the learning rate moves over a run (:func:`learning_rate_schedule`).
LR_SCHEDULES = ("cosine", "constant")


def learning_rate_schedule(kind: str, learning_rate: float, steps: int, floor: float = 0.0):
    """``learning_rate`` itself (``"constant"``), or (``"cosine"``) a decay from it to ``floor`` times
    it over ``steps`` optimizer steps: large steps early, small ones when the weights are nearly there."""
    if kind == "constant":
        return learning_rate
    return keras.optimizers.schedules.CosineDecay(learning_rate, max(1, steps), alpha=floor)


# -------------------- Configuration

@dataclass(frozen=True)
class TrainConfig(DictConfig):
    """Every choice of a training run; the defaults are the ``train`` command's, chosen on the
    validation split from timed CPU runs (why each: ``benchmarks/README.md``)."""

    model: str = "bilstm"
    # vocabulary and sequences
    max_tokens: int = 30000
    min_count: int = 2
    length: int = 1000
    truncating: str = "pre"
    remove_stopwords: bool = False
    # network: sizes, readout, dropout and learning rate (models.ModelConfig), and its start
    network: models.ModelConfig = models.ModelConfig()
    word_vectors: str = "word2vec"
    pretrain_limit: int | None = None
    # optimisation
    batch_size: int = 128
    epochs: int = 6
    patience: int = 2
    lr_schedule: str = "cosine"
    monitor: str = "val_accuracy"
    validation_fraction: float = 0.1
    seed: int = 0
    # subsets (fast mode); None = everything
    train_limit: int | None = None
    test_limit: int | None = None

    #: Fast mode: a small slice of the data and a small network, so that tests and quick
    #: checks finish in seconds. Accuracy then means little.
    FAST = dict(max_tokens=5000, length=96, embedding_dim=32, units=16, epochs=2, batch_size=64,
                train_limit=1200, test_limit=600, pretrain_limit=3000)

    def resume_key(self, vocab) -> dict:
        """What gives a run's weights their meaning, for :func:`fit`'s ``run_key``: the settings
        (but ``epochs``: training longer is a valid continuation) and the vocabulary's tokens in
        id order (the same ids with other words would be nonsense)."""
        return {"config": {k: v for k, v in self.to_dict().items() if k != "epochs"}, "tokens": list(vocab.tokens)}

    def validate(self) -> "TrainConfig":
        """This config, or a :class:`UsageError` naming the first setting out of range."""
        choices = {"model": models.ARCHITECTURES, "word_vectors": _WORD_VECTOR_CHOICES, "lr_schedule": LR_SCHEDULES}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise UsageError(f"unknown {name} {getattr(self, name)!r}; choose one of {', '.join(allowed)}")
        for name in ("epochs", "length", "batch_size"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name} must be at least 1, not {getattr(self, name)}")
        if not 0 < self.validation_fraction < 1:
            raise UsageError(f"validation_fraction must be between 0 and 1, not {self.validation_fraction}")
        self.network.validate()
        return self


# -------------------- Data: tokens -> vocabulary -> ids

@dataclass
class PreparedData:
    """The training split turned into ids: a training part and a validation part."""

    vocab: "object"
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    train_tokens: list = field(repr=False, default_factory=list)
    val_tokens: list = field(repr=False, default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{len(self.y_train):,} training and {len(self.y_val):,} validation reviews, "
                f"vocabulary of {self.vocab.size:,} ids")

    def batches(self, batch_size: int, seed: int = 0):
        """``(train, val)`` for :func:`fit`: :func:`length_batches`, the training part shuffled anew each epoch."""
        return (length_batches(self.x_train, self.y_train, batch_size, shuffle=True, seed=seed),
                length_batches(self.x_val, self.y_val, max(batch_size, 256)))


def _subset(n: int, limit: int | None, seed: int) -> np.ndarray:
    """A seeded permutation of range(n), cut to ``limit`` (the IMDB files come sorted by label)."""
    order = np.random.default_rng(seed).permutation(n)
    return order if limit is None else order[:limit]


def split_indices(n: int, validation_fraction: float = 0.1, limit: int | None = None,
                  seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """``(train_idx, val_idx)``: a seeded split of the ``n`` *training* reviews (cut to ``limit``),
    the one :func:`prepare_data` uses: every choice is made on its validation part, never on test."""
    if not 0 < validation_fraction < 1:
        raise UsageError(f"validation_fraction must be between 0 and 1, not {validation_fraction}")
    order = _subset(int(n), limit, seed)
    n_val = max(1, int(round(len(order) * validation_fraction)))
    if len(order) - n_val < 1:
        raise UsageError(f"only {len(order)} training reviews: too few to split off a validation set")
    return order[n_val:], order[:n_val]


def prepare_data(config: TrainConfig, verbose: bool = False) -> PreparedData:
    """Tokenized training reviews (cached) -> shuffled split -> vocabulary -> ids. The vocabulary
    sees the training part only, so validation reviews are as new to it as test reviews."""
    t0 = time.perf_counter()
    tokens, labels = text.preprocess_imdb("train", remove_stopwords=config.remove_stopwords, verbose=verbose)
    train_idx, val_idx = split_indices(len(tokens), config.validation_fraction, config.train_limit, config.seed)
    train_tokens = [tokens[i] for i in train_idx]
    val_tokens = [tokens[i] for i in val_idx]
    vocab = text.Vocabulary.fit(train_tokens, max_tokens=config.max_tokens, min_count=config.min_count)
    x_train = encode_tokens(vocab, train_tokens, config)
    x_val = encode_tokens(vocab, val_tokens, config)
    return PreparedData(vocab, x_train, labels[train_idx].astype("float32"), x_val,
                        labels[val_idx].astype("float32"), train_tokens, val_tokens,
                        time.perf_counter() - t0)


def load_test(config: TrainConfig, vocab, verbose: bool = False, with_tokens: bool = False):
    """The official test split as ``(ids, labels)`` (plus token lists if asked); ``config.test_limit``
    (fast mode) takes a seeded random subset (the files come sorted by label)."""
    tokens, labels = text.preprocess_imdb("test", remove_stopwords=config.remove_stopwords, verbose=verbose)
    idx = official_test_indices(config, len(tokens))
    tokens = [tokens[i] for i in idx]
    x = encode_tokens(vocab, tokens, config)
    y = labels[idx].astype("float32")
    return (x, y, tokens) if with_tokens else (x, y)


def official_test_indices(config: TrainConfig, n: int) -> np.ndarray:
    """Which of the ``n`` official test reviews :func:`load_test` uses, in its order: index
    the raw texts of ``load_imdb("test")`` with it to read the reviews behind a prediction."""
    return np.arange(n) if config.test_limit is None else _subset(n, config.test_limit, config.seed + 1)


def encode_tokens(vocab, token_lists: Sequence[Sequence[str]], config: TrainConfig) -> np.ndarray:
    """Right-padded ids ``(n, config.length)``; an empty review becomes one OOV id (a fully masked
    row is rejected by cuDNN and has no mean over time)."""
    x = vocab.encode(token_lists, length=config.length, truncating=config.truncating)
    empty = ~x.any(axis=1)
    if empty.any():
        x[empty, 0] = 1
    return x


def _sequence_lengths(x: np.ndarray) -> np.ndarray:
    """Number of real (non-padding) ids per row of a right-padded id matrix."""
    return np.maximum((np.asarray(x) != 0).sum(axis=1), 1)


def _check_right_padded(x: np.ndarray) -> None:
    """Refuse rows with padding (id 0) before a real token: :func:`length_batches` keeps a row's first
    ``n`` columns, which would drop tokens of a left-padded row; cuDNN needs right padding too."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise UsageError(f"expected a 2-D matrix of token ids (reviews x positions), got shape {x.shape}")
    real = x != 0
    # A right-padded row is a run of real ids followed by zeros only: no 0 -> real step.
    bad = np.flatnonzero((~real[:, :-1] & real[:, 1:]).any(axis=1))
    if bad.size:
        raise UsageError(
            f"{bad.size} of {len(x)} rows have padding (id 0) before real tokens (first: row {bad[0]}); "
            "the ids must be right-padded: real tokens first, zeros after. Encode with "
            "Vocabulary.encode / training.encode_tokens, or pad_sequences(..., padding='post')")


# -------------------- Batches of similar length

def _buckets(lengths: np.ndarray, batch_size: int) -> np.ndarray:
    """Bucket boundaries for :func:`length_batches`: length ranges holding equal shares of
    the reviews, about two batches each (1 to 64 buckets): narrow ranges waste little on
    padding, and each bucket ends an epoch with at most one part-full batch."""
    n_buckets = int(np.clip(len(lengths) // (2 * batch_size), 1, 64))
    quantiles = np.quantile(lengths, np.linspace(0, 1, n_buckets + 1)[1:-1])
    return np.unique(quantiles.astype(int) + 1)  # bucket k: boundaries[k-1] <= length < boundaries[k]


def _steps_per_epoch(x: np.ndarray, batch_size: int) -> int:
    """Batches in one epoch of :func:`length_batches` over the right-padded rows ``x``."""
    lengths = _sequence_lengths(x)
    counts = np.bincount(np.searchsorted(_buckets(lengths, batch_size), lengths, side="right"))
    return int(np.sum(-(-counts // batch_size)))


def length_batches(x: np.ndarray, y=None, batch_size: int = 128, shuffle: bool = False, seed: int = 0):
    """A ``tf.data.Dataset`` of batches of reviews of similar length, each padded only to its longest.

    Each right-padded row of ``x`` is cut to its real ids; ``Dataset.bucket_by_sequence_length``
    groups rows by length and pads each batch on the right again (cuDNN needs right padding; the
    mask hides it). ``shuffle`` reshuffles (``seed``) every epoch. Elements: ``(ids,)`` or ``(ids, y)``.
    """
    x = np.asarray(x, dtype="int32")
    _check_right_padded(x)
    lengths = _sequence_lengths(x)
    rows = tf.data.Dataset.from_tensor_slices((x, lengths)).map(lambda r, n: r[:n])
    if y is not None:
        rows = tf.data.Dataset.zip(rows, tf.data.Dataset.from_tensor_slices(np.asarray(y)))
    else:
        rows = rows.map(lambda r: (r,))
    if shuffle:
        rows = rows.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    boundaries = _buckets(lengths, batch_size)
    batches = rows.bucket_by_sequence_length(lambda r, *_: tf.shape(r)[0], list(boundaries),
                                             [batch_size] * (len(boundaries) + 1))
    return batches.apply(tf.data.experimental.assert_cardinality(_steps_per_epoch(x, batch_size))).prefetch(2)


# -------------------- Fitting

def prepare_model(config: TrainConfig, data: PreparedData, verbose: bool = False, source=None):
    """The ``config.model`` classifier for ``data``'s vocabulary, compiled, ready for :func:`fit`;
    its Embedding starts from word2vec vectors (:func:`lstm_tutorial.embeddings.word_vectors`)
    when ``config.word_vectors == "word2vec"``."""
    model = models.build_classifier(config.model, config.network, vocab_size=data.vocab.size, compile=False)
    if config.word_vectors == "word2vec":
        from . import embeddings  # gensim loads in seconds; a random start needs none of it

        vectors = embeddings.word_vectors(config.network.embedding_dim, limit=config.pretrain_limit,
                                          remove_stopwords=config.remove_stopwords, source=source,
                                          verbose=verbose)
        matrix, share = embeddings.embedding_matrix(data.vocab, vectors, seed=config.seed)
        model.get_layer("embedding").set_weights([matrix])
        if verbose:
            print(f"  embedding starts from word2vec for {share:.1%} of the {data.vocab.size:,} ids")
    steps = _steps_per_epoch(data.x_train, config.batch_size) * config.epochs
    schedule = learning_rate_schedule(config.lr_schedule, config.network.learning_rate, steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _epoch_timer(seconds: list):
    """A callback that appends each epoch's seconds (training and validation) to ``seconds`` and to
    the logs, so (before Keras' History callback) to ``history.history["epoch_seconds"]``."""
    def end(epoch, logs):
        seconds.append(time.perf_counter() - seconds.pop())  # the start time was kept in its place
        logs["epoch_seconds"] = seconds[-1]

    return keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: seconds.append(time.perf_counter()),
                                          on_epoch_end=end)


@dataclass
class FitResult:
    """What :func:`fit` returns: the per-epoch history and how training ended."""

    history: dict
    epoch_seconds: list
    epochs_run: int
    best_epoch: int  # 1-based
    best_val_accuracy: float
    resumed_from_epoch: int = 0

    @property
    def seconds_per_epoch(self) -> float:
        return float(np.mean(self.epoch_seconds)) if self.epoch_seconds else float("nan")

    def to_dict(self) -> dict:
        return {**asdict(self), "seconds_per_epoch": self.seconds_per_epoch}


def fit(model, train, val, *, epochs: int, patience: int, monitor: str = "val_accuracy",
        batch_size: int | None = None, run_dir=None, run_key=None, callbacks: Sequence = (),
        verbose: int | str = "auto") -> FitResult:
    """Train ``model`` as practitioners do: the one loop of the IMDB classifiers, the readout
    grid and the forecasting benchmark (the language model keeps its own, which is its lesson).

    ``train`` and ``val`` are batched ``tf.data`` datasets (e.g. :meth:`PreparedData.batches`)
    or ``(x, y)`` arrays cut into ``batch_size`` rows.

    * ``EarlyStopping`` on ``monitor`` stops after ``patience`` epochs without improvement
      and restores the best epoch's weights;
    * with ``run_dir``: ``BackupAndRestore`` writes ``run_dir/backup`` after every epoch, so
      the same call after an interruption resumes from the last finished epoch, and a
      checkpoint keeps the best weights of the whole run. ``run_key`` (JSON data: whatever
      gives the weights their meaning, e.g. :meth:`TrainConfig.resume_key`) must match for a
      resume, so a backup is never continued with other settings or another vocabulary;
    * extra ``callbacks`` run after these (so after the backup is written).
    """
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    seconds: list[float] = []
    stop = keras.callbacks.EarlyStopping(monitor=monitor, patience=patience, restore_best_weights=True,
                                         verbose=1 if verbose else 0)
    own = [_epoch_timer(seconds), stop]
    best = None
    if run_dir is not None:
        backup = Path(run_dir) / "backup"
        fingerprint = hashlib.sha256(json.dumps(run_key, sort_keys=True).encode("utf-8")).hexdigest()[:16]
        best = _best_checkpoint(Path(run_dir), monitor, fingerprint, resuming=(backup / "latest.weights.h5").is_file())
        if best.resuming and verbose:
            print(f"resuming an interrupted run from {backup}")
        own += [keras.callbacks.BackupAndRestore(str(backup)), best]
    x, y = train if isinstance(train, tuple) else (train, None)
    # arrays are shuffled by Keras each epoch; a tf.data dataset shuffles itself (Keras warns if told to)
    history = model.fit(x, y, validation_data=val, batch_size=batch_size, epochs=epochs, shuffle=y is not None,
                        callbacks=own + list(callbacks), verbose=verbose)
    return _fit_result(model, history, monitor, seconds, best)


def _fit_result(model, history, monitor: str, seconds: list, best) -> FitResult:
    """The :class:`FitResult` of a finished ``model.fit``; after a resume whose best epoch came before
    the interruption (EarlyStopping never saw it), the model gets that epoch's weights."""
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    val_acc = hist.get("val_accuracy", [float("nan")] * len(history.epoch))
    i = int(np.nanargmax(hist[monitor]) if "acc" in monitor else np.nanargmin(hist[monitor]))  # as Keras's "auto"
    resumed_from = history.epoch[0] if history.epoch else 0  # Keras counts on from the restored epoch
    best_epoch, best_val_accuracy = i + 1 + resumed_from, float(val_acc[i])
    if best is not None and best.record.get("epoch") and best.record["epoch"] <= resumed_from:
        model.load_weights(best.filepath)
        best_epoch, best_val_accuracy = best.record["epoch"], best.record["val_accuracy"]
    return FitResult(history=hist, epoch_seconds=list(seconds), epochs_run=len(history.epoch), best_epoch=best_epoch,
                     best_val_accuracy=float("nan") if best_val_accuracy is None else best_val_accuracy,
                     resumed_from_epoch=resumed_from)


def _best_checkpoint(run_dir: Path, monitor: str, fingerprint: str, resuming: bool):
    """``ModelCheckpoint(save_best_only=True)`` into ``run_dir/best.weights.h5``, plus ``run.json``:
    Keras keeps the best value in memory only, so ``run.json`` records it with the run's
    fingerprint, and a resume (which must match it) neither replaces the best with a worse
    epoch nor forgets the best epoch of before the interruption."""
    path = run_dir / "run.json"
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        record = json.loads(path.read_text()) if resuming else {}
    except (OSError, ValueError):  # missing or unreadable: cannot be matched
        record = {}
    if resuming and record.get("fingerprint") != fingerprint:
        why = ("was made with other settings or another vocabulary" if record.get("fingerprint")
               else "cannot be matched to these settings (no run.json beside it)")
        raise UsageError(f"{run_dir / 'backup'} holds an interrupted run that {why}; resuming it would give "
                         f"ids the wrong words. To start over, delete {run_dir / 'backup'} (or use another "
                         f"output folder)")
    if not resuming:
        record = {"fingerprint": fingerprint}
        (run_dir / "best.weights.h5").unlink(missing_ok=True)  # an earlier run's best is not this run's

    class BestCheckpoint(keras.callbacks.ModelCheckpoint):
        def write_record(self):
            with paths.atomic_write(path, "w", encoding="utf-8") as fh:
                json.dump(saving.jsonable(self.record), fh)

        def on_epoch_end(self, epoch, logs=None):
            before = self.best
            super().on_epoch_end(epoch, logs)
            if self.best != before:  # saved a new best: note it
                self.record.update(best=float(self.best), epoch=epoch + 1,
                                   val_accuracy=float((logs or {}).get("val_accuracy", float("nan"))))
                self.write_record()

    best = BestCheckpoint(str(run_dir / "best.weights.h5"), monitor=monitor, save_best_only=True,
                          save_weights_only=True, initial_value_threshold=record.get("best"))
    best.record, best.resuming = record, resuming
    best.write_record()
    return best


# -------------------- Prediction and evaluation

def predict_proba(model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """P(positive) for each row of right-padded ids, computed in batches of similar length."""
    x = np.asarray(x)
    if len(x) == 0:
        return np.zeros(0, dtype="float32")
    batches = length_batches(x, np.arange(len(x)), batch_size)  # each row carries its index
    p = np.asarray(model.predict(batches, verbose=0)).reshape(-1)  # predict ignores the index
    out = np.empty(len(x), dtype="float32")
    out[np.concatenate([np.asarray(i) for _, i in batches])] = p  # the fixed order, read again
    return out


def evaluate(model, x: np.ndarray, y: np.ndarray, batch_size: int = 256) -> dict:
    """Accuracy, log-loss, the probabilities and the time taken, on ``(x, y)``."""
    t0 = time.perf_counter()
    p = predict_proba(model, x, batch_size)
    seconds = time.perf_counter() - t0
    from sklearn import (
        metrics,  # scikit-learn loads in seconds; predicting needs none of it
    )

    y = np.asarray(y).reshape(-1)
    # clipped at 1e-7 as Keras' binary cross-entropy is: a saturated float32 sigmoid gives exactly 1.0
    loss = float(metrics.log_loss(y, np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7), labels=[0, 1]))
    return {"accuracy": float(np.mean((p >= 0.5) == (y >= 0.5))), "loss": loss, "count": int(len(y)),
            "seconds": seconds, "reviews_per_second": len(y) / seconds if seconds else float("nan"),
            "probabilities": p}


# -------------------- Saving, loading and predicting raw text


