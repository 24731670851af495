"""Probes of backpropagation through time: how much of the loss reaches each time step.

The central function is :func:`gradient_norms`: for a Keras model that reads sequences
``x`` of shape ``(batch, T, features)`` it measures, for every time step t,

    norms[t] = || d sum(model(x)) / d x[:, t, :] ||_F

(the Frobenius norm over the batch and the features). If the model's output depends on an
early step only through a long chain of small factors, ``norms[0]`` is tiny next to
``norms[T-1]``: that is the vanishing gradient, measured instead of asserted.

The other probes look inside trained layers:

* :func:`lstm_gates` reruns a Keras ``LSTM`` step by step from its weights (the NumPy LSTM
  of notebook 02, :mod:`lstm_tutorial.reference`) and returns the forget-gate values f_t it actually uses;
* :func:`spectral_radius` and :func:`scale_recurrent_weights` read and set the size of a
  recurrent matrix U, the number that decides whether products of Jacobians shrink or grow;
* :func:`linear_rnn` builds the one RNN whose gradients have a closed form
  (h_t = a h_{t-1} + x_t, so d h_T / d x_t = a^(T-1-t) I), used by the tests and the notebook.

TensorFlow is imported inside the functions, so ``import lstm_tutorial`` stays fast.
"""
from __future__ import annotations

import numpy as np

from .errors import UsageError

__all__ = [
    "gradient_norms",
    "gradient_ratio",
    "gradient_reach",
    "lstm_gates",
    "set_lstm_forget_bias",
    "spectral_radius",
    "scale_recurrent_weights",
    "linear_rnn",
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


def gradient_norms(model, inputs) -> np.ndarray:
    """Per-time-step norm of the gradient of ``sum(model(inputs))`` w.r.t. the inputs.

    Parameters
    ----------
    model:
        Any callable Keras model (or layer) mapping ``(batch, T, features)`` float inputs
        to a tensor. Layers such as dropout run in inference mode (``training=False``).
    inputs:
        Array of shape ``(batch, T, features)`` and a float dtype.

    Returns
    -------
    np.ndarray of shape ``(T,)`` and dtype float64: ``norms[t]`` is the Frobenius norm,
    over batch and features, of d sum(model(inputs)) / d inputs[:, t, :]. A step the
    output does not depend on gets 0. Computed in float32 like the model, so a gradient
    below float32's smallest number shows up as an exact 0: that is underflow, not a bug.
    """
    import tensorflow as tf

    x = tf.convert_to_tensor(_as_sequences(inputs))
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(tf.cast(model(x, training=False), tf.float32))
    grad = tape.gradient(total, x)
    if grad is None:  # the output does not depend on the inputs at all
        return np.zeros(x.shape[1], dtype=np.float64)
    grad = np.asarray(grad, dtype=np.float64)
    return np.sqrt(np.sum(grad**2, axis=(0, 2)))


def gradient_ratio(norms) -> float:
    """``norms[0] / norms[-1]``: how much of the last step's gradient reaches the first.

    1 means the first step is as visible to the loss as the last; 1e-10 means it is, in
    practice, invisible. Returns 0.0 if the first norm underflowed and ``inf`` if the last
    step gets no gradient but the first does.
    """
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 1 or norms.size == 0:
        raise UsageError(f"expected a 1-D array of per-step norms, got shape {norms.shape}")
    first, last = float(norms[0]), float(norms[-1])
    if last == 0.0:
        return 0.0 if first == 0.0 else float("inf")
    return first / last


def gradient_reach(norms, fraction: float = 1e-3) -> int:
    """How many steps back from the last step the gradient stays above ``fraction`` of it.

    Counts steps t = T-1, T-2, ... while ``norms[t] >= fraction * norms[T-1]`` and returns
    the count minus one (0: only the last step gets a real gradient; T-1: all steps do).
    A summary of "how far gradients reach" that one number can carry in a table.
    """
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 1 or norms.size == 0:
        raise UsageError(f"expected a 1-D array of per-step norms, got shape {norms.shape}")
    if not 0.0 < fraction <= 1.0:
        raise UsageError(f"fraction must be in (0, 1], got {fraction}")
    threshold = fraction * norms[-1]
    steps = 0
    for value in norms[-2::-1]:
        if value < threshold:
            break
        steps += 1
    return steps


def _find_layer(model, kind: str):
    """The first layer named like ``kind`` (e.g. ``"LSTM"``) in a model, or the layer itself."""
    if type(model).__name__ == kind:
        return model
    for layer in getattr(model, "layers", []):
        if type(layer).__name__ == kind:
            return layer
        if type(layer).__name__ == "Bidirectional":
            continue
    raise UsageError(
        f"no keras.layers.{kind} found in {type(model).__name__}; pass the {kind} layer itself"
    )


def lstm_gates(lstm, inputs) -> dict[str, np.ndarray]:
    """Rerun a Keras ``LSTM`` from its weights and return its gates at every step.

    ``lstm`` is a ``keras.layers.LSTM`` (or a model whose first LSTM reads ``inputs``
    directly) with the default activations (tanh, and sigmoid for the gates). The step
    itself is the NumPy LSTM of :mod:`lstm_tutorial.reference` (notebook 02), fed with the
    layer's weights cut per gate; this function only adapts its input and output.

    Returns a dict of float32 arrays of shape ``(batch, T, units)`` with keys
    ``"i"``, ``"f"``, ``"g"``, ``"o"``, ``"c"``, ``"h"``. ``h[:, -1]`` equals the layer's
    own output (the tests check this), so ``f`` is exactly what the trained layer uses.
    """
    from . import reference

    layer = _find_layer(lstm, "LSTM")
    cell = getattr(layer, "cell", layer)
    act = getattr(getattr(cell, "activation", None), "__name__", "tanh")
    rec = getattr(getattr(cell, "recurrent_activation", None), "__name__", "sigmoid")
    if act != "tanh" or rec != "sigmoid":
        raise UsageError(
            f"lstm_gates assumes activation='tanh' and recurrent_activation='sigmoid', "
            f"got {act!r} and {rec!r}"
        )
    weights = layer.get_weights()
    if len(weights) not in (2, 3):
        raise UsageError("unexpected LSTM weights; is this a keras.layers.LSTM?")
    x = _as_sequences(inputs)
    if x.shape[-1] != weights[0].shape[0]:
        raise UsageError(
            f"inputs have {x.shape[-1]} features but the LSTM expects {weights[0].shape[0]}; "
            "pass the sequences that enter the LSTM layer"
        )
    run = reference.lstm_sequence(x, reference.split_keras_lstm_weights(*weights))
    return {**run["gates"], "c": run["cells"], "h": run["outputs"]}


def set_lstm_forget_bias(lstm, value: float) -> None:
    """Set every forget-gate bias b_f of a built Keras ``LSTM`` to ``value``.

    Keras' default (``unit_forget_bias=True``) starts b_f at 1, so f_t starts near
    sigma(1) = 0.73; 0 gives 0.5 and 3 gives 0.95. Use it right after building a model.
    """
    layer = _find_layer(lstm, "LSTM")
    weights = layer.get_weights()
    if len(weights) != 3:
        raise UsageError("this LSTM has no bias (use_bias=False); there is no b_f to set")
    units = weights[1].shape[0]
    weights[2] = np.array(weights[2], copy=True)
    weights[2][units : 2 * units] = value
    layer.set_weights(weights)


def _recurrent_matrix(obj) -> np.ndarray:
    if hasattr(obj, "get_weights") and not isinstance(obj, np.ndarray):
        layer = _find_layer(obj, "SimpleRNN")
        return np.asarray(layer.get_weights()[1], dtype=np.float64)
    matrix = np.asarray(obj, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise UsageError(f"expected a square recurrent matrix U, got shape {matrix.shape}")
    return matrix


def spectral_radius(obj) -> float:
    """Largest |eigenvalue| of a square matrix, or of a ``SimpleRNN``'s recurrent kernel U.

    Above 1, repeated multiplication by U grows some directions (exploding gradients
    unless tanh saturates); below 1 it shrinks every direction (vanishing gradients).
    """
    return float(np.max(np.abs(np.linalg.eigvals(_recurrent_matrix(obj)))))


def scale_recurrent_weights(layer, radius: float) -> float:
    """Rescale a ``SimpleRNN``'s recurrent kernel U so its spectral radius is ``radius``.

    Returns the radius it had before. The direction of U is kept, only its size changes.
    """
    if radius <= 0:
        raise UsageError(f"radius must be positive, got {radius}")
    rnn = _find_layer(layer, "SimpleRNN")
    weights = rnn.get_weights()
    before = spectral_radius(weights[1])
    if before == 0.0:
        raise UsageError("the recurrent kernel is all zeros; there is nothing to rescale")
    weights[1] = weights[1] * (radius / before)
    rnn.set_weights(weights)
    return before


def linear_rnn(a: float, features: int = 1, steps: int | None = None):
    """A Keras model h_t = a * h_{t-1} + x_t (no activation, no bias), returning h_T.

    The input kernel is the identity and the recurrent kernel is a * I, so
    d sum(h_T) / d x_t = a^(T-1-t) per feature: with the batch and feature sizes B and F,
    ``gradient_norms`` gives exactly sqrt(B * F) * |a|^(T-1-t). It is the simplest model
    that shows vanishing (|a| < 1) and exploding (|a| > 1) gradients.
    """
    import keras

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
