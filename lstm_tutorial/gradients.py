"""Probes of backpropagation through time: how much of the loss reaches each time step.

The central function is :func:`gradient_norms`: for a Keras model that reads sequences
``x`` of shape ``(batch, T, features)`` it measures, for every time step t,

    norms[t] = || d L / d x[:, t, :] ||_F

(the Frobenius norm over the batch and the features) for a scalar L with a real gradient:

* ``labels`` given: L is the cross-entropy loss of the model's predictions against the true
  labels, summed over the batch -- the signal training actually sends back;
* ``projection`` given: L = sum over the batch of v . y_T, a fixed random direction v of the
  model's output (e.g. the last hidden state h_T of a bare recurrent layer);
* neither: L = sum of the outputs, refused for a softmax output (its outputs sum to 1 for
  every sequence, so that sum is a constant and its gradient is zero: what is left is float32
  rounding noise).

If the loss depends on an early step only through a long chain of small factors,
``norms[0]`` is tiny next to ``norms[T-1]``: that is the vanishing gradient, measured
instead of asserted.

The other probes:

* :func:`set_gate_bias` sets the starting bias of one gate of a Keras ``LSTM`` (forget,
  input, ...) or ``GRU`` (update, reset, ...); :func:`set_lstm_forget_bias` is its
  forget-gate shorthand. (Gate *traces*, the gate values a layer uses at every step, live in
  :mod:`lstm_tutorial.layers`: ``trace_lstm`` and ``trace_gru``.)
* :func:`spectral_radius` and :func:`scale_recurrent_weights` read and set the size of a
  recurrent matrix U, the number that decides whether products of Jacobians shrink or grow;
* :func:`lstm_gradient_paths` splits an LSTM's loss gradient, step by step going back, into
  the part the forget gate carries along the cell state (the "belt") and the part that
  returns through h_{t-1} and the gates that read it;
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
    "set_gate_bias",
    "set_lstm_forget_bias",
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


def gradient_norms(model, inputs, labels=None, *, projection=None, from_logits: bool = False) -> np.ndarray:
    """Per-time-step norm of the gradient of a scalar loss w.r.t. the inputs.

    Parameters
    ----------
    model:
        Any callable Keras model (or layer) mapping ``(batch, T, features)`` float inputs
        to a tensor ``(batch, outputs)``. Layers such as dropout run in inference mode.
    inputs:
        Array of shape ``(batch, T, features)`` and a float dtype.
    labels:
        Integer class labels ``(batch,)``: the loss is the sparse categorical cross-entropy
        of the model's outputs (probabilities, or logits with ``from_logits=True``) summed
        over the batch. This is what training differentiates.
    projection:
        Instead of labels: an int seed (a random unit-scale direction v is drawn) or a vector
        v of the output's length; the loss is ``sum_batch v . output``. Use it on a bare
        recurrent layer whose output is h_T.
    from_logits:
        With ``labels``: the model outputs logits, not probabilities.

    With neither ``labels`` nor ``projection`` the loss is ``sum(model(inputs))``, which is
    refused when the outputs look like probabilities (non-negative rows summing to 1): their
    sum is the constant 1 and its gradient is zero.

    Returns
    -------
    np.ndarray of shape ``(T,)`` and dtype float64: ``norms[t]`` is the Frobenius norm,
    over batch and features, of dL / d inputs[:, t, :]. A step the loss does not depend
    on gets 0. Computed in float32 like the model, so a gradient below float32's smallest
    number shows up as an exact 0: that is underflow, not a bug.
    """
    import keras
    import tensorflow as tf

    if labels is not None and projection is not None:
        raise UsageError("pass labels (cross-entropy loss) or projection (v . output), not both")
    x_np = _as_sequences(inputs)
    x = tf.convert_to_tensor(x_np)
    if labels is not None:
        y = np.asarray(labels)
        if y.shape != (x_np.shape[0],) or not np.issubdtype(y.dtype, np.integer):
            raise UsageError(
                f"labels must be integer class ids of shape ({x_np.shape[0]},), got dtype {y.dtype} "
                f"and shape {y.shape}"
            )
        y = tf.convert_to_tensor(y.astype(np.int64))
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = tf.cast(model(x, training=False), tf.float32)
        if labels is not None:
            if out.shape[-1] is not None and int(np.max(labels)) >= out.shape[-1]:
                raise UsageError(f"a label is {int(np.max(labels))} but the model has {out.shape[-1]} outputs")
            per_seq = keras.losses.sparse_categorical_crossentropy(y, out, from_logits=from_logits)
            total = tf.reduce_sum(per_seq)
        elif projection is not None:
            v = tf.convert_to_tensor(_projection_vector(projection, int(out.shape[-1])))
            total = tf.reduce_sum(out * v)
        else:
            rows = out.numpy() if hasattr(out, "numpy") else None
            if rows is not None and rows.ndim == 2 and rows.shape[-1] > 1 and np.all(rows >= 0) \
                    and np.allclose(rows.sum(axis=-1), 1.0, atol=1e-4):
                raise UsageError(
                    "the model's outputs are probabilities that sum to 1, so sum(outputs) is a constant and "
                    "its gradient is zero; pass labels=... (the cross-entropy loss) or projection=..."
                )
            total = tf.reduce_sum(out)
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


def find_keras_layer(model, kind: str):
    """``model`` itself if it is a ``keras.layers.<kind>`` (e.g. ``"LSTM"``), else the first
    such layer directly inside it; a clear error otherwise."""
    if type(model).__name__ == kind:
        return model
    for layer in getattr(model, "layers", []):
        if type(layer).__name__ == kind:
            return layer
    raise UsageError(
        f"no keras.layers.{kind} found in {type(model).__name__}; pass the {kind} layer itself"
    )


#: Where each gate's bias sits in a Keras layer's packed bias vector (blocks of ``units``).
#: LSTM packs i, f, c (our g), o; GRU packs z (update), r (reset), h (candidate).
GATE_BLOCKS = {
    "LSTM": {"i": 0, "input": 0, "f": 1, "forget": 1, "g": 2, "c": 2, "candidate": 2, "o": 3, "output": 3},
    "GRU": {"z": 0, "update": 0, "r": 1, "reset": 1, "h": 2, "candidate": 2},
}


def set_gate_bias(layer, gate: str, value: float) -> None:
    """Set the starting bias of one gate of a built Keras ``LSTM`` or ``GRU`` to ``value``.

    ``layer`` is the recurrent layer or a model containing one (the first LSTM or GRU).
    ``gate``: for an LSTM ``"f"``/``"forget"``, ``"i"``/``"input"``, ``"o"``/``"output"``,
    ``"g"``/``"candidate"``; for a GRU ``"z"``/``"update"``, ``"r"``/``"reset"``,
    ``"h"``/``"candidate"``.

    Keras' LSTM starts b_f at 1 (f_t near sigma(1) = 0.73) and every other bias at 0. Its GRU,
    h_t = z_t * h_{t-1} + (1 - z_t) * h~_t, starts b_z at 0, so z_t (the share of the old state
    kept, the GRU's forget knob) starts near 0.5. A GRU with ``reset_after=True`` (the default)
    has two bias rows, input and recurrent; the input row is set and the recurrent row's entry
    for the gate is set to 0, so the gate's total bias is ``value``.
    """
    kind = None
    for name in ("LSTM", "GRU"):
        try:
            found = find_keras_layer(layer, name)
        except UsageError:
            continue
        kind, rnn = name, found
        break
    if kind is None:
        raise UsageError(f"no keras.layers.LSTM or GRU found in {type(layer).__name__}; pass the layer itself")
    blocks = GATE_BLOCKS[kind]
    if gate not in blocks:
        names = sorted({k for k in blocks if len(k) == 1})
        raise UsageError(f"a {kind} has no gate {gate!r}; choose from {names} (or their long names)")
    weights = rnn.get_weights()
    if len(weights) != 3:
        raise UsageError(f"this {kind} has no bias (use_bias=False); there is no gate bias to set")
    units = weights[1].shape[0]
    lo, hi = blocks[gate] * units, (blocks[gate] + 1) * units
    bias = np.array(weights[2], copy=True)
    if bias.ndim == 2:  # GRU with reset_after=True: rows (input bias, recurrent bias)
        bias[0, lo:hi] = value
        bias[1, lo:hi] = 0.0
    else:
        bias[lo:hi] = value
    weights[2] = bias
    rnn.set_weights(weights)


def set_lstm_forget_bias(lstm, value: float) -> None:
    """Set every forget-gate bias b_f of a built Keras ``LSTM`` to ``value``.

    Shorthand for ``set_gate_bias(lstm, "f", value)``. Keras' default
    (``unit_forget_bias=True``) starts b_f at 1, so f_t starts near sigma(1) = 0.73; 0 gives
    0.5 and 3 gives 0.95. Use it right after building a model.
    """
    find_keras_layer(lstm, "LSTM")
    set_gate_bias(lstm, "f", value)


def _recurrent_matrix(obj) -> np.ndarray:
    if hasattr(obj, "get_weights") and not isinstance(obj, np.ndarray):
        layer = find_keras_layer(obj, "SimpleRNN")
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
    rnn = find_keras_layer(layer, "SimpleRNN")
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


def lstm_gradient_paths(model, inputs, labels) -> dict:
    """Where an LSTM classifier's loss gradient goes on its way back, step by step.

    ``model`` is a Keras model whose ``LSTM`` layer returns its last state and whose last
    layer is a softmax ``Dense`` (the recall models of notebook 01); ``labels`` are the
    true classes. The LSTM is rerun in NumPy from its weights (float64,
    :mod:`lstm_tutorial.numpy_lstm`) and the summed cross-entropy is backpropagated by
    hand. Going from step t back to t - 1, the gradient reaching the cell state is

        dL/dc_{t-1} = f_t * dL/dc_t                      the belt: the forget gate alone
                    + o_{t-1} tanh'(c_{t-1}) * dL/dh_{t-1}  back through h_{t-1}

    and dL/dh_{t-1} = sum over k of da_k U_k^T: step t's gates and candidate read h_{t-1}
    through their recurrent weights U_k. With the input gate half open, the candidate's
    term (da_g = dL/dc_t * i_t * tanh'(a_g)) is the large one.

    Returns a dict of arrays over the steps:

    * ``x``: || dL/dx_t || per step, the quantity :func:`gradient_norms` measures (the
      two agree; the tests check it);
    * ``cell``: || dL/dc_t || per step;
    * ``belt_gain`` and ``total_gain`` (T - 1 values, for t = 1 .. T-1): || f_t * dL/dc_t ||
      and || dL/dc_{t-1} || over || dL/dc_t ||; their product over the steps is how much of
      the cell's gradient the belt alone, and everything together, carry back;
    * ``through_h``: per gate k in f, i, g, o, || o_{t-1} tanh'(c_{t-1}) * (da_k U_k^T) ||
      over || dL/dc_t ||, the size of each gate's path back through h_{t-1}.
    """
    from .numpy_lstm import GATES, lstm_step, lstm_step_backward, split_keras_lstm_weights

    lstm = find_keras_layer(model, "LSTM")
    if getattr(lstm, "return_sequences", False) or not getattr(lstm, "use_bias", True):
        raise UsageError("lstm_gradient_paths needs an LSTM that returns its last state and has biases")
    head = model.layers[-1]
    if type(head).__name__ != "Dense" or getattr(head.activation, "__name__", "") != "softmax":
        raise UsageError("lstm_gradient_paths needs a model that ends in Dense(..., activation='softmax')")
    x = np.asarray(inputs, dtype=np.float64)
    y = np.asarray(labels).reshape(-1)
    if x.ndim != 3 or y.shape[0] != x.shape[0]:
        raise UsageError(f"inputs must be (batch, time, features) with one label each; got {x.shape} and {y.shape}")
    params = split_keras_lstm_weights(*[np.asarray(w, np.float64) for w in lstm.get_weights()])
    w_head, b_head = (np.asarray(w, np.float64) for w in head.get_weights())
    batch, steps, _ = x.shape
    h = c = np.zeros((batch, params.units))
    tape = []
    for t in range(steps):                                   # forward, keeping every step
        h_new, c_new, gates = lstm_step(x[:, t], h, c, params)
        tape.append((h, c, c_new, gates))
        h, c = h_new, c_new
    logits = h @ w_head + b_head
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(batch), y] -= 1.0                            # d(cross-entropy)/d(logits)
    dh, dc = p @ w_head.T, np.zeros((batch, params.units))
    out = {"x": np.zeros(steps), "cell": np.zeros(steps), "belt_gain": np.zeros(steps - 1),
           "total_gain": np.zeros(steps - 1), "through_h": {k: np.zeros(steps - 1) for k in GATES}}
    for t in range(steps - 1, -1, -1):                       # backward, one step at a time
        h_prev, c_prev, c_t, gates = tape[t]
        step = lstm_step_backward(dh, dc, x[:, t], h_prev, c_prev, c_t, gates, params)
        out["x"][t] = np.linalg.norm(step["x"])
        out["cell"][t] = size = np.linalg.norm(step["c"])
        if t == 0:
            break
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
        dh, dc = step["h_prev"], step["c_prev"]
    return out
