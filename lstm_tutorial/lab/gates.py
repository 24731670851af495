"""Notebook 02's harness: the proof that the gate-by-gate layer equals ``keras.layers.LSTM``
(outputs, states and gradients), weights copied between the two, and the paired step timer."""
from __future__ import annotations

import time

import keras
import numpy as np

from ..io.errors import UsageError
from ..layers import GatedLSTM, load_keras_lstm_weights
from ..numpy_lstm import GATES, lstm_sequence, split_keras_lstm_weights


def copy_builtin_model(builtin_model, gated_model) -> None:
    """Give ``gated_model`` the weights of ``builtin_model`` (the same layers in order, LSTM -> GatedLSTM)."""
    if len(builtin_model.layers) != len(gated_model.layers):
        raise UsageError("the two models must have the same layers (one LSTM replaced by a GatedLSTM).")
    for src, dst in zip(builtin_model.layers, gated_model.layers):
        if isinstance(src, keras.layers.LSTM):
            load_keras_lstm_weights(dst, src)
        else:
            dst.set_weights(src.get_weights())


def compare_train_step_times(models: dict, x, y, steps: int = 10, rounds: int = 3) -> dict:
    """Median wall time (seconds) of one ``train_on_batch(x, y)`` for each compiled model: ``{name: {"median_s",
    "min_s", "first_s" (two warm-up steps), "steps", "round_median_s"}}``. The models take turns, ``rounds``
    times, so a change in machine load hits all alike; the rounds' medians are the unit to pair them on."""
    if steps < 1 or rounds < 1 or not models:
        raise UsageError("give at least one model, and steps and rounds of at least 1.")
    first, times, rounds_of = {}, {name: [] for name in models}, {name: [] for name in models}
    for name, model in models.items():
        t0 = time.perf_counter()
        model.train_on_batch(x, y)
        model.train_on_batch(x, y)
        first[name] = time.perf_counter() - t0
    for _ in range(rounds):
        for name, model in models.items():
            for _ in range(steps):
                t0 = time.perf_counter()
                model.train_on_batch(x, y)
                times[name].append(time.perf_counter() - t0)
            rounds_of[name].append(float(np.median(times[name][-steps:])))
    return {name: {"median_s": float(np.median(t)), "min_s": float(np.min(t)), "first_s": float(first[name]),
                   "steps": len(t), "round_median_s": rounds_of[name]} for name, t in times.items()}


def compare_with_keras_lstm(x, units: int, mask=None, go_backwards: bool = False,
                            fused: bool = True, seed: int = 0) -> dict:
    """Build a ``keras.layers.LSTM``, copy it into a :class:`GatedLSTM`, and return the largest absolute
    differences of their outputs, final h and c, gradients of a random linear loss (input and every
    weight, the fused ones cut per gate), and of the NumPy reference, on the same ``x`` and ``mask``."""
    import tensorflow as tf  # GradientTape; the layers themselves run on any Keras backend

    keras.utils.set_random_seed(seed)
    x = tf.constant(np.asarray(x, np.float32))
    # random biases, so that a gate-order mistake in the bias would show
    builtin = keras.layers.LSTM(units, return_sequences=True, return_state=True, go_backwards=go_backwards,
                                bias_initializer="random_normal")
    gated = GatedLSTM(units, return_sequences=True, return_state=True, go_backwards=go_backwards, fused=fused)
    builtin(x), gated(x)
    params = load_keras_lstm_weights(gated, builtin)
    weights = tf.constant(np.random.default_rng(seed).normal(size=(*x.shape[:2], units)).astype(np.float32))

    def run(layer):
        with tf.GradientTape() as tape:
            tape.watch(x)
            seq, h, c = layer(x, mask=mask)
            loss = tf.reduce_sum(seq * weights) + tf.reduce_sum(h) + tf.reduce_sum(c)
        grads = tape.gradient(loss, [x] + layer.trainable_weights)
        return [t.numpy() for t in (seq, h, c)], [g.numpy() for g in grads]

    (seq_a, h_a, c_a), grads_a = run(builtin)
    (seq_b, h_b, c_b), grads_b = run(gated)
    split = split_keras_lstm_weights(*grads_a[1:]) if builtin.cell.use_bias else None
    by_name = {v.name: g for v, g in zip(gated.trainable_weights, grads_b[1:])}
    grad_w = max(float(np.abs(getattr(split, kind)[k] - by_name[f"{kind}_{k}"]).max())
                 for kind in ("W", "U", "b") for k in GATES)
    ref = lstm_sequence(x.numpy(), params, mask=None if mask is None else np.asarray(mask),
                        go_backwards=go_backwards)
    diff = lambda a, b: float(np.abs(a - b).max())
    return {"outputs": diff(seq_a, seq_b), "h": diff(h_a, h_b), "c": diff(c_a, c_b),
            "grad_inputs": diff(grads_a[0], grads_b[0]), "grad_weights": grad_w,
            "numpy_vs_keras": max(diff(ref["outputs"], seq_a), diff(ref["h"], h_a), diff(ref["c"], c_a))}
