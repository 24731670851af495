"""The LSTM in plain NumPy, to read next to the equations.

One step, then a whole sequence, with the weights laid out exactly as in
:class:`lstm_tutorial.layers.GatedLSTMCell`: for each gate ``k`` in ``f, i, g, o``

* ``W[k]`` has shape ``(input_dim, units)`` and multiplies the input ``x_t``,
* ``U[k]`` has shape ``(units, units)`` and multiplies the previous hidden state,
* ``b[k]`` has shape ``(units,)``.

Vectors are rows (``x_t`` is ``(batch, input_dim)``), so a product is written
``x_t @ W_f`` (the equations' :math:`W_f x_t` with the matrix transposed, the way
Keras stores its kernels). One step computes::

    f_t = sigmoid(x_t @ W_f + h_prev @ U_f + b_f)        forget gate
    i_t = sigmoid(x_t @ W_i + h_prev @ U_i + b_i)        input gate
    g_t = tanh(x_t @ W_g + h_prev @ U_g + b_g)           candidate
    c_t = f_t * c_prev + i_t * g_t                        cell state
    o_t = sigmoid(x_t @ W_o + h_prev @ U_o + b_o)        output gate
    h_t = o_t * tanh(c_t)                                  hidden state

(``*`` is the element-wise product). Optional peephole weights ``P[k]`` (vectors)
let the forget and input gates see ``c_prev`` and the output gate see ``c_t``.
Nothing here imports TensorFlow.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import UsageError

#: The project's gate order: forget, input, candidate, output.
GATES = ("f", "i", "g", "o")
#: The order in which Keras packs the four gates in one kernel: i, f, c (= our g), o.
KERAS_GATE_ORDER = ("i", "f", "g", "o")
#: Gates that have a peephole weight in the peephole variant.
PEEPHOLE_GATES = ("f", "i", "o")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), written so large |z| does not overflow."""
    z = np.asarray(z)
    out = np.empty_like(z, dtype=np.result_type(z, np.float32))
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


@dataclass
class LSTMParams:
    """The weights of one LSTM layer, one entry per gate (keys ``"f", "i", "g", "o"``)."""

    W: dict[str, np.ndarray]
    U: dict[str, np.ndarray]
    b: dict[str, np.ndarray]
    P: dict[str, np.ndarray] = field(default_factory=dict)  # peepholes (optional)

    @property
    def input_dim(self) -> int:
        return int(self.W["f"].shape[0])

    @property
    def units(self) -> int:
        return int(self.U["f"].shape[0])

    def count(self) -> int:
        """Number of scalars: 4 * (units * (input_dim + units) + units) (+ 3 * units with peepholes)."""
        arrays = [*self.W.values(), *self.U.values(), *self.b.values(), *self.P.values()]
        return int(sum(a.size for a in arrays))

    def check(self) -> "LSTMParams":
        """Raise :class:`UsageError` if a gate is missing or a shape is inconsistent."""
        for name, table in (("W", self.W), ("U", self.U), ("b", self.b)):
            missing = [k for k in GATES if k not in table]
            if missing:
                raise UsageError(f"LSTMParams.{name} lacks gate(s) {missing}; give one array per gate f, i, g, o.")
        d, u = self.input_dim, self.units
        for k in GATES:
            for name, arr, shape in (("W", self.W[k], (d, u)), ("U", self.U[k], (u, u)), ("b", self.b[k], (u,))):
                if arr.shape != shape:
                    raise UsageError(f"{name}_{k} has shape {arr.shape}, expected {shape} (input_dim={d}, units={u}).")
        for k, arr in self.P.items():
            if k not in PEEPHOLE_GATES or arr.shape != (u,):
                raise UsageError(f"peephole P_{k} must be one of {PEEPHOLE_GATES} with shape {(u,)}.")
        return self


def init_params(input_dim: int, units: int, seed: int = 0, scale: float = 0.5,
                unit_forget_bias: bool = True, peephole: bool = False) -> LSTMParams:
    """Random weights for experiments: uniform in [-scale, scale], forget bias 1 by default."""
    rng = np.random.default_rng(seed)

    def uniform(*shape):
        return rng.uniform(-scale, scale, size=shape).astype(np.float32)

    W = {k: uniform(input_dim, units) for k in GATES}
    U = {k: uniform(units, units) for k in GATES}
    b = {k: uniform(units) for k in GATES}
    if unit_forget_bias:
        b["f"] = np.ones(units, dtype=np.float32)
    P = {k: uniform(units) for k in PEEPHOLE_GATES} if peephole else {}
    return LSTMParams(W, U, b, P)


def split_keras_lstm_weights(kernel, recurrent_kernel, bias=None) -> LSTMParams:
    """Cut the fused weights of ``keras.layers.LSTM`` into one matrix per gate.

    Keras stores ``kernel`` as ``(input_dim, 4*units)``, ``recurrent_kernel`` as
    ``(units, 4*units)`` and ``bias`` as ``(4*units,)``, the gates side by side in the
    order i, f, c, o (its ``c`` is our candidate ``g``).
    """
    kernel = np.asarray(kernel)
    recurrent_kernel = np.asarray(recurrent_kernel)
    units = recurrent_kernel.shape[0]
    if kernel.ndim != 2 or kernel.shape[1] != 4 * units or recurrent_kernel.shape != (units, 4 * units):
        raise UsageError(
            f"expected kernel (input_dim, 4*units) and recurrent_kernel (units, 4*units); got "
            f"{kernel.shape} and {recurrent_kernel.shape}. Pass the weights of a keras.layers.LSTM."
        )
    if bias is None:
        bias = np.zeros(4 * units, dtype=kernel.dtype)
    bias = np.asarray(bias)
    W, U, b = {}, {}, {}
    for n, k in enumerate(KERAS_GATE_ORDER):
        cols = slice(n * units, (n + 1) * units)
        W[k], U[k], b[k] = kernel[:, cols], recurrent_kernel[:, cols], bias[cols]
    return LSTMParams(W, U, b).check()


def join_keras_lstm_weights(params: LSTMParams) -> list[np.ndarray]:
    """The inverse: ``[kernel, recurrent_kernel, bias]`` in Keras's i, f, c, o layout."""
    order = KERAS_GATE_ORDER
    return [
        np.concatenate([params.W[k] for k in order], axis=1),
        np.concatenate([params.U[k] for k in order], axis=1),
        np.concatenate([params.b[k] for k in order], axis=0),
    ]


def lstm_step(x_t, h_prev, c_prev, params: LSTMParams,
              output_tanh: bool = True) -> tuple[np.ndarray, np.ndarray, dict]:
    """One LSTM step. Shapes: x_t (batch, input_dim); h_prev, c_prev (batch, units).

    Returns ``(h_t, c_t, gates)`` where ``gates`` holds ``f, i, g, o`` (batch, units).
    ``output_tanh=False`` computes h_t = o_t * c_t, the variant without the final tanh
    that some tutorials show; it is not what Keras or the original LSTM compute.
    """
    W, U, b, P = params.W, params.U, params.b, params.P

    def pre(k):  # the gate's pre-activation: x_t W_k + h_{t-1} U_k + b_k
        return x_t @ W[k] + h_prev @ U[k] + b[k]

    f = sigmoid(pre("f") + (P["f"] * c_prev if "f" in P else 0.0))  # what to keep of c_{t-1}
    i = sigmoid(pre("i") + (P["i"] * c_prev if "i" in P else 0.0))  # how much of g_t to write
    g = np.tanh(pre("g"))                                             # what could be written
    c = f * c_prev + i * g                                            # the new memory
    o = sigmoid(pre("o") + (P["o"] * c if "o" in P else 0.0))        # what to show of it
    h = o * (np.tanh(c) if output_tanh else c)
    return h, c, {"f": f, "i": i, "g": g, "o": o}


def lstm_sequence(x, params: LSTMParams, h0=None, c0=None, mask=None, go_backwards: bool = False,
                  output_tanh: bool = True) -> dict:
    """Run :func:`lstm_step` over ``x`` of shape (batch, time, input_dim).

    ``mask`` (batch, time), True where a step is real: at a masked step the states are
    carried over unchanged and the output repeats the previous one (what Keras does).
    ``go_backwards`` reads the sequence from the end; outputs are then in reversed time
    order, as Keras returns them.

    Returns a dict: ``outputs`` (batch, time, units), ``h`` and ``c`` (batch, units),
    ``cells`` (batch, time, units) and ``gates`` (a dict of (batch, time, units)).
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3 or x.shape[-1] != params.input_dim:
        raise UsageError(f"x must be (batch, time, {params.input_dim}); got shape {x.shape}.")
    batch, steps, _ = x.shape
    units = params.units
    h = np.zeros((batch, units), np.float32) if h0 is None else np.asarray(h0, np.float32)
    c = np.zeros((batch, units), np.float32) if c0 is None else np.asarray(c0, np.float32)
    m = np.ones((batch, steps), bool) if mask is None else np.asarray(mask, bool)
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    out_prev = np.zeros((batch, units), np.float32)
    outputs, cells, gates = [], [], {k: [] for k in GATES}
    for t in order:
        h_new, c_new, gate = lstm_step(x[:, t], h, c, params, output_tanh=output_tanh)
        keep = m[:, t:t + 1]
        h = np.where(keep, h_new, h)
        c = np.where(keep, c_new, c)
        out_prev = np.where(keep, h_new, out_prev)
        outputs.append(out_prev)
        cells.append(c)
        for k in GATES:
            gates[k].append(gate[k])
    stack = lambda seq: np.stack(seq, axis=1)  # noqa: E731
    return {
        "outputs": stack(outputs),
        "h": h,
        "c": c,
        "cells": stack(cells),
        "gates": {k: stack(v) for k, v in gates.items()},
    }


def parameter_count(input_dim: int, units: int, peephole: bool = False) -> int:
    """4 gates x (input weights + recurrent weights + bias) [+ 3 peephole vectors]."""
    return 4 * (units * (input_dim + units) + units) + (3 * units if peephole else 0)
