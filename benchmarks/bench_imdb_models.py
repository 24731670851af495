"""Benchmark: preprocessing, training and inference throughput of the IMDB classifiers,
beside the well-known Keras example measured in the same run.

    python benchmarks/bench_imdb_models.py              # full: minutes to an hour, by CPU
    python benchmarks/bench_imdb_models.py --train-reviews 2000 --test-reviews 2000   # quick look

What is measured, in one process, one after the other (run it on an otherwise idle
machine; it prints the machine's CPU count beside the figures):

* preprocessing: reading the raw reviews (``data.load_imdb``, from its cache when warm)
  and cleaning + tokenizing them (``text.preprocess``, never cached here), reviews/s;
* for each model (``rnn``, ``lstm``, ``gru``, ``bilstm`` with the ``train`` command's
  settings from ``training.TrainConfig.for_mode``: whole reviews up to 1,000 tokens, batches
  of 128 grouped by length, masking) and for the
  reference recipe: **one epoch** over the training reviews (training throughput =
  reviews / seconds of that epoch, graph tracing included, no validation pass), then
  prediction on the test reviews (inference throughput, batches of 256), and the test
  accuracy after that single epoch;
* the reference recipe is the Keras example "Bidirectional LSTM on IMDB": 20,000 words,
  200 tokens (padded and truncated at the front, as ``pad_sequences`` does by default),
  its own 20,000-word vocabulary (ours defaults to 30,000),
  Embedding(128), two stacked Bidirectional(LSTM(64)), Dense(sigmoid), Adam, batch 32,
  no mask. It uses this package's tokens and vocabulary, so only the model and the
  batching differ.

Ratios are against the reference measured in the same run, so they do not depend on
how fast the machine is. One epoch is not how the models are trained for real (the
``train`` command runs up to its early-stopping limit); it is a like-for-like yardstick.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def build_keras_reference(vocab_size: int = 20000, compile: bool = True):
    """The well-known Keras example, as a yardstick for speed and accuracy.

    Embedding(20,000, 128) -> Bidirectional(LSTM(64), sequences) ->
    Bidirectional(LSTM(64)) -> Dense(1, sigmoid), Adam; it is fed 200 tokens per review
    in batches of 32. No mask: the original pads with zeros and lets the LSTM read them.
    """
    import keras  # after the environment is set: see the top of this file
    from keras import layers

    ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    x = layers.Embedding(vocab_size, 128, name="embedding")(ids)
    x = layers.Bidirectional(layers.LSTM(64, return_sequences=True), name="bilstm_1")(x)
    x = layers.Bidirectional(layers.LSTM(64), name="bilstm_2")(x)
    out = layers.Dense(1, activation="sigmoid", dtype="float32", name="positive_probability")(x)
    model = keras.Model(ids, out, name="keras_reference")
    if compile:
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="rnn,lstm,gru,bilstm,reference",
                        help="comma-separated, from rnn,lstm,gru,bilstm,reference")
    parser.add_argument("--train-reviews", type=int, default=None, help="train on this many (default: all 25,000)")
    parser.add_argument("--test-reviews", type=int, default=None, help="test on this many (default: all 25,000)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    import keras
    import tensorflow as tf

    from lstm_tutorial import models, text, training
    from lstm_tutorial.io import datasets as data

    wanted = [m.strip() for m in args.models.split(",") if m.strip()]
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, CPU cores: {os.cpu_count()}, "
          f"GPU: {bool(tf.config.list_physical_devices('GPU'))}")

    # ------------------------------------------------------------------ preprocessing
    t0 = time.perf_counter()
    train_texts, train_labels = data.load_imdb("train")
    test_texts, test_labels = data.load_imdb("test")
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    train_tokens = text.preprocess(train_texts)
    test_tokens = text.preprocess(test_texts)
    prep_s = time.perf_counter() - t0
    n_reviews = len(train_texts) + len(test_texts)
    n_tokens = sum(map(len, train_tokens)) + sum(map(len, test_tokens))
    print(f"preprocessing: load {n_reviews:,} reviews {load_s:.1f} s; clean + tokenize {prep_s:.1f} s "
          f"({n_reviews / prep_s:,.0f} reviews/s, {n_tokens / prep_s / 1e6:.2f} M tokens/s)")

    rng = np.random.default_rng(args.seed)
    tr = rng.permutation(len(train_tokens))[: args.train_reviews]
    te = rng.permutation(len(test_tokens))[: args.test_reviews]
    train_tokens = [train_tokens[i] for i in tr]
    test_tokens = [test_tokens[i] for i in te]
    y_train, y_test = train_labels[tr].astype("float32"), test_labels[te].astype("float32")
    config = training.TrainConfig.for_mode(model="bilstm", fast=False)
    vocab = text.Vocabulary.fit(train_tokens, max_tokens=config.max_tokens, min_count=config.min_count)
    # The reference recipe keeps the 20,000 most frequent words (keras.datasets.imdb(num_words=20000)).
    ref_vocab = text.Vocabulary.fit(train_tokens, max_tokens=20000, min_count=1)
    print(f"{len(y_train):,} training and {len(y_test):,} test reviews; vocabulary {vocab.size:,} ids "
          f"(reference recipe: {ref_vocab.size:,})\n")

    rows = []
    for kind in wanted:
        keras.utils.set_random_seed(args.seed)
        if kind == "reference":
            rows.append(bench_reference(keras, models, ref_vocab, train_tokens, y_train, test_tokens, y_test))
        else:
            rows.append(bench_model(keras, models, training, kind, config, vocab, train_tokens, y_train,
                                    test_tokens, y_test))
        r = rows[-1]
        print(f"  {r['name']}: {r['train_rps']:.0f} reviews/s training, {r['infer_rps']:.0f} reviews/s inference, "
              f"test accuracy {r['accuracy']:.4f} after 1 epoch", flush=True)

    ref = next((r for r in rows if r["kind"] == "reference"), None)
    print()
    print("| model | parameters | tokens | batch | train s (1 epoch) | train reviews/s | vs reference "
          "| inference reviews/s | vs reference | test accuracy, 1 epoch |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        tr_ratio = f"{r['train_rps'] / ref['train_rps']:.2f}x" if ref else "-"
        in_ratio = f"{r['infer_rps'] / ref['infer_rps']:.2f}x" if ref else "-"
        print(f"| {r['name']} | {r['params']:,} | {r['tokens']} | {r['batch']} | {r['train_s']:.0f} | "
              f"{r['train_rps']:.0f} | {tr_ratio} | {r['infer_rps']:.0f} | {in_ratio} | {r['accuracy']:.4f} |")
    summary = {"preprocess_reviews_per_s": n_reviews / prep_s, "load_s": load_s, "preprocess_s": prep_s,
               "train_reviews": len(y_train), "test_reviews": len(y_test),
               "models": {r["kind"]: {k: v for k, v in r.items() if k != "kind"} for r in rows}}
    print("\n" + json.dumps(summary, default=float))
    return 0


def bench_model(keras, models, training, kind, config, vocab, train_tokens, y_train, test_tokens, y_test):
    """One epoch of the ``train`` command's setup (length-grouped batches, mask)."""
    x_train = training.encode_tokens(vocab, train_tokens, config)
    x_test = training.encode_tokens(vocab, test_tokens, config)
    model = models.build_classifier(kind, config.network, vocab_size=vocab.size)
    batches = training.length_batches(x_train, y_train, config.batch_size, shuffle=True, seed=config.seed)
    t0 = time.perf_counter()
    model.fit(batches, epochs=1, verbose=0, shuffle=False)  # the dataset shuffles
    train_s = time.perf_counter() - t0
    result = training.evaluate(model, x_test, y_test)
    return {"kind": kind, "name": models.DISPLAY_NAMES[kind], "params": int(model.count_params()),
            "tokens": f"<= {config.length}", "batch": config.batch_size, "train_s": train_s,
            "train_rps": len(y_train) / train_s, "infer_rps": result["reviews_per_second"],
            "accuracy": result["accuracy"]}


def left_pad(ids: np.ndarray) -> np.ndarray:
    """Right-padded rows -> left-padded rows (what ``keras.utils.pad_sequences`` makes)."""
    out = np.zeros_like(ids)
    lengths = (ids != 0).sum(axis=1)
    for i, n in enumerate(lengths):
        if n:
            out[i, -n:] = ids[i, :n]
    return out


def bench_reference(keras, models, vocab, train_tokens, y_train, test_tokens, y_test):
    """The Keras example: 200 tokens kept from the end, padded at the front, batch 32."""
    x_train = left_pad(vocab.encode(train_tokens, 200, truncating="pre"))
    x_test = left_pad(vocab.encode(test_tokens, 200, truncating="pre"))
    model = build_keras_reference(vocab.size)
    t0 = time.perf_counter()
    model.fit(x_train, y_train, batch_size=32, epochs=1, verbose=0)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    p = np.asarray(model.predict(x_test, batch_size=256, verbose=0)).reshape(-1)
    infer_s = time.perf_counter() - t0
    return {"kind": "reference", "name": models.DISPLAY_NAMES["keras_reference"],
            "params": int(model.count_params()), "tokens": "200", "batch": 32, "train_s": train_s,
            "train_rps": len(y_train) / train_s, "infer_rps": len(y_test) / infer_s,
            "accuracy": float(np.mean((p >= 0.5) == (y_test >= 0.5)))}


if __name__ == "__main__":
    raise SystemExit(main())
