"""Probes of backpropagation through time: how much of the loss reaches each time step.

:func:`gradient_norms` measures ``||dL/dx_t||`` for every step t: a tiny ``norms[0]`` next to
``norms[T-1]`` is the vanishing gradient, measured. :func:`lstm_gradient_paths` splits an LSTM's
gradient into its paths back; :func:`linear_rnn` is the one RNN with a closed-form gradient.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from .io.errors import UsageError
from .layers import find_keras_layer
from .numpy_lstm import GATES, forward_tape, lstm_step_backward, split_keras_lstm_weights

__all__ = [
    "gradient_norms",
    "gradient_ratio",
    "gradient_reach",
    "spectral_radius",
    "scale_recurrent_weights",
    "linear_rnn",
    "lstm_gradient_paths",
]


def _as_sequences(inputs) -> np.ndarray:
    x = np.asarray(inputs)
    if x.ndim != 3:
        raise UsageError(
            f"expected inputs of shape (batch, T, features), got shape {x.shape}; "
            "add a batch axis with x[None] or a feature axis with x[..., None]"
        )
    if not np.issubdtype(x.dtype, np.floating):
        raise UsageError(
            f"gradient_norms needs float inputs (got dtype {x.dtype}); for token ids, "
            "measure the gradient with respect to the embedded sequence instead"
        )
    return x.astype(np.float32, copy=False)


def _projection_vector(projection, size: int) -> np.ndarray:
    """A fixed direction of length ``size``: the array given, or drawn from an int seed."""
    if isinstance(projection, (int, np.integer)) and not isinstance(projection, bool):
        v = np.random.default_rng(int(projection)).normal(size=size) / np.sqrt(size)
    else:
        v = np.asarray(projection, dtype=np.float64)
        if v.shape != (size,):
            raise UsageError(
                f"projection must be a vector of length {size} (the model's output size) or an int seed, "
                f"got shape {v.shape}"
            )
    return v.astype(np.float32)


def _check_labels(labels, batch: int):
    """Integer class ids, one per sequence, as a tensor; a clear error otherwise."""
    y = np.asarray(labels)
    if y.shape != (batch,) or not np.issubdtype(y.dtype, np.integer):
        raise UsageError(f"labels must be integer class ids of shape ({batch},), got dtype {y.dtype} and shape {y.shape}")
    return tf.convert_to_tensor(y.astype(np.int64))


def _probed_loss(out, labels, y, projection, from_logits: bool):
    """The scalar whose gradient is probed: cross-entropy with ``labels``, ``v . output``, or the sum."""
    if labels is not None:
        if out.shape[-1] is not None and int(np.max(labels)) >= out.shape[-1]:
            raise UsageError(f"a label is {int(np.max(labels))} but the model has {out.shape[-1]} outputs")
        return tf.reduce_sum(keras.losses.sparse_categorical_crossentropy(y, out, from_logits=from_logits))
    if projection is not None:
        return tf.reduce_sum(out * tf.convert_to_tensor(_projection_vector(projection, int(out.shape[-1]))))
    rows = out.numpy() if hasattr(out, "numpy") else None
    if rows is not None and rows.ndim == 2 and rows.shape[-1] > 1 and np.all(rows >= 0) \
            and np.allclose(rows.sum(axis=-1), 1.0, atol=1e-4):
        raise UsageError(
            "the model's outputs are probabilities that sum to 1, so sum(outputs) is a constant and "
            "its gradient is zero; pass labels=... (the cross-entropy loss) or projection=..."
        )
    return tf.reduce_sum(out)


def gradient_norms(model, inputs, labels=None, *, projection=None, from_logits: bool = False) -> np.ndarray:
    """Per-time-step norm ``||dL/d inputs[:, t, :]||`` (over batch and features) of a scalar loss L.

    ``inputs`` are float ``(batch, T, features)``. L is the summed cross-entropy against
    integer ``labels`` (what training differentiates; ``from_logits`` for logit outputs), or
    ``sum v . output`` for a ``projection`` (an int seed or a vector v; use it on a bare
    recurrent layer), or else the sum of the outputs (refused for probabilities: their
    sum is constant). Returns float64 ``(T,)``; an exact 0 is float32 underflow, not a bug.
    """
    if labels is not None and projection is not None:
        raise UsageError("pass labels (cross-entropy loss) or projection (v . output), not both")
    x_np = _as_sequences(inputs)
    x = tf.convert_to_tensor(x_np)
    y = _check_labels(labels, x_np.shape[0]) if labels is not None else None
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = tf.cast(model(x, training=False), tf.float32)
        total = _probed_loss(out, labels, y, projection, from_logits)
    grad = tape.gradient(total, x)
    if grad is None:  # the output does not depend on the inputs at all
        return np.zeros(x.shape[1], dtype=np.float64)
    grad = np.asarray(grad, dtype=np.float64)
    return np.sqrt(np.sum(grad**2, axis=(0, 2)))


def _per_step(norms) -> np.ndarray:
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 1 or norms.size == 0:
        raise UsageError(f"expected a 1-D array of per-step norms, got shape {norms.shape}")
    return norms


def gradient_ratio(norms) -> float:
    """``norms[0] / norms[-1]``: how much of the last step's gradient reaches the first (0.0 if it underflowed)."""
    norms = _per_step(norms)
    first, last = float(norms[0]), float(norms[-1])
    if last == 0.0:
        return 0.0 if first == 0.0 else float("inf")
    return first / last


def gradient_reach(norms, fraction: float = 1e-3) -> int:
    """How many steps back from the last the gradient stays at or above ``fraction`` of the last step's."""
    norms = _per_step(norms)
    if not 0.0 < fraction <= 1.0:
        raise UsageError(f"fraction must be in (0, 1], got {fraction}")
    below = norms[-2::-1] < fraction * norms[-1]
    return int(np.argmax(below)) if below.any() else int(below.size)


def _recurrent_matrix(obj) -> np.ndarray:
    if hasattr(obj, "get_weights") and not isinstance(obj, np.ndarray):
        layer = find_keras_layer(obj, "SimpleRNN")
        return np.asarray(layer.get_weights()[1], dtype=np.float64)
    matrix = np.asarray(obj, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise UsageError(f"expected a square recurrent matrix U, got shape {matrix.shape}")
    return matrix


def spectral_radius(obj) -> float:
    """Largest |eigenvalue| of a square matrix or a ``SimpleRNN``'s recurrent kernel U (above 1: gradients can explode)."""
    return float(np.max(np.abs(np.linalg.eigvals(_recurrent_matrix(obj)))))


def scale_recurrent_weights(layer, radius: float) -> float:
    """Rescale a ``SimpleRNN``'s recurrent kernel U to spectral radius ``radius``; return the radius before."""
    if radius <= 0:
        raise UsageError(f"radius must be positive, got {radius}")
    rnn = find_keras_layer(layer, "SimpleRNN")
    weights = rnn.get_weights()
    before = spectral_radius(weights[1])
    if before == 0.0:
        raise UsageError("the recurrent kernel is all zeros; there is nothing to rescale")
    weights[1] = weights[1] * (radius / before)
    rnn.set_weights(weights)
    return before


def linear_rnn(a: float, features: int = 1, steps: int | None = None):
    """A Keras model h_t = a * h_{t-1} + x_t returning h_T: ``gradient_norms`` is exactly sqrt(B F) |a|^(T-1-t)."""
    eye = np.eye(features, dtype=np.float32)
    layer = keras.layers.SimpleRNN(
        features,
        activation=None,
        use_bias=False,
        kernel_initializer=keras.initializers.Constant(eye),
        recurrent_initializer=keras.initializers.Constant(a * eye),
        name="linear_rnn",
    )
    model = keras.Sequential([keras.Input((steps, features)), layer], name=f"linear_rnn_a{a:g}")
    return model


def _check_classifier(model):
    """The ``LSTM`` (last state only, with biases) and the softmax ``Dense`` head of a recall model."""
    lstm = find_keras_layer(model, "LSTM")
    if getattr(lstm, "return_sequences", False) or not getattr(lstm, "use_bias", True):
        raise UsageError("lstm_gradient_paths needs an LSTM that returns its last state and has biases")
    head = model.layers[-1]
    if type(head).__name__ != "Dense" or getattr(head.activation, "__name__", "") != "softmax":
        raise UsageError("lstm_gradient_paths needs a model that ends in Dense(..., activation='softmax')")
    return lstm, head


def _cross_entropy_grad(h, head, y):
    """dL/dh_T of the summed cross-entropy of the softmax head ``head`` on the last state ``h``."""
    w_head, b_head = (np.asarray(w, np.float64) for w in head.get_weights())
    logits = h @ w_head + b_head
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(h.shape[0]), y] -= 1.0                       # d(cross-entropy)/d(logits)
    return p @ w_head.T


def _paths_one_step_back(out, t, step, dh, tape, params):
    """Fill the belt, total and per-gate ``through_h`` gains of going from step t back to t - 1."""
    h_prev, c_prev, c_t, gates = tape[t]
    size = out["cell"][t]
    # h_{t-1} = o_{t-1} tanh(c_{t-1}): what a gradient at h_{t-1} adds to dL/dc_{t-1}.
    into_cell = tape[t - 1][3]["o"] * (1.0 - np.tanh(c_prev) ** 2)
    f, i, g, o = (gates[k] for k in GATES)
    dct, tanh_c = step["c"], np.tanh(c_t)
    da = {"f": dct * c_prev * f * (1 - f), "i": dct * g * i * (1 - i), "g": dct * i * (1 - g ** 2),
          "o": (dh * tanh_c) * o * (1 - o)}
    for k in GATES:
        out["through_h"][k][t - 1] = np.linalg.norm((da[k] @ params.U[k].T) * into_cell) / size
    out["belt_gain"][t - 1] = np.linalg.norm(step["c_prev"]) / size
    out["total_gain"][t - 1] = np.linalg.norm(step["c_prev"] + step["h_prev"] * into_cell) / size


def lstm_gradient_paths(model, inputs, labels) -> dict:
    """Where an LSTM classifier's loss gradient goes on its way back, step by step.

    ``model``: an ``LSTM`` returning its last state, then a softmax ``Dense`` (notebook 01). Rerun
    in float64 NumPy, backpropagated by hand: dL/dc_{t-1} = f_t * dL/dc_t (the belt) +
    o_{t-1} tanh'(c_{t-1}) * dL/dh_{t-1} (back through h_{t-1}). Returns arrays over the steps: ``x`` (||dL/dx_t||, what :func:`gradient_norms` measures),
    ``cell`` (||dL/dc_t||), ``belt_gain`` and ``total_gain`` (||f_t dL/dc_t|| and
    ||dL/dc_{t-1}|| over ||dL/dc_t||, for t = 1 .. T-1), and ``through_h`` (per gate, the
    size of its path back through h_{t-1}, over ||dL/dc_t||).
    """
    lstm, head = _check_classifier(model)
    x = np.asarray(inputs, dtype=np.float64)
    y = np.asarray(labels).reshape(-1)
    if x.ndim != 3 or y.shape[0] != x.shape[0]:
        raise UsageError(f"inputs must be (batch, time, features) with one label each; got {x.shape} and {y.shape}")
    params = split_keras_lstm_weights(*[np.asarray(w, np.float64) for w in lstm.get_weights()])
    batch, steps, _ = x.shape
    zeros = np.zeros((batch, params.units))
    tape, _, h, _ = forward_tape(x, params, zeros, zeros, np.ones((batch, steps), bool))
    dh, dc = _cross_entropy_grad(h, head, y), np.zeros((batch, params.units))
    out = {"x": np.zeros(steps), "cell": np.zeros(steps), "belt_gain": np.zeros(steps - 1),
           "total_gain": np.zeros(steps - 1), "through_h": {k: np.zeros(steps - 1) for k in GATES}}
    for t in range(steps - 1, -1, -1):                       # backward, one step at a time
        h_prev, c_prev, c_t, gates = tape[t]
        step = lstm_step_backward(dh, dc, x[:, t], h_prev, c_prev, c_t, gates, params)
        out["x"][t] = np.linalg.norm(step["x"])
        out["cell"][t] = np.linalg.norm(step["c"])
        if t == 0:
            break
        _paths_one_step_back(out, t, step, dh, tape, params)
        dh, dc = step["h_prev"], step["c_prev"]
    return out
