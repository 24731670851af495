"""The LSTM in plain NumPy, to read next to the equations: one step, a sequence, and BPTT by hand.

One array per gate ``k`` in ``f, i, g, o``, as in :class:`lstm_tutorial.layers.GatedLSTMCell`:
``W[k]`` (input_dim, units), ``U[k]`` (units, units), ``b[k]`` (units,). Vectors are rows, so
:math:`W_f x_t` is ``x_t @ W_f`` (Keras's layout). Nothing here imports TensorFlow.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .io.errors import UsageError

__all__ = ["GATES", "KERAS_GATE_ORDER", "PEEPHOLE_GATES", "sigmoid", "LSTMParams", "init_params",
           "split_keras_lstm_weights", "lstm_step", "lstm_sequence", "lstm_step_backward", "forward_tape",
           "lstm_sequence_backward", "numeric_gradient", "parameter_count"]

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
                  output_tanh: bool = True, dtype=np.float32) -> dict:
    """Run :func:`lstm_step` over ``x`` (batch, time, input_dim): ``outputs``, ``h``, ``c``, ``cells``, ``gates``.

    A masked step (``mask`` False) carries the states over and repeats the previous output,
    and ``go_backwards`` returns reversed outputs, both as Keras does. Use ``dtype=np.float64``
    (with float64 weights) for finite-difference checks.
    """
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 3 or x.shape[-1] != params.input_dim:
        raise UsageError(f"x must be (batch, time, {params.input_dim}); got shape {x.shape}.")
    batch, steps, _ = x.shape
    units = params.units
    h = np.zeros((batch, units), dtype) if h0 is None else np.asarray(h0, dtype)
    c = np.zeros((batch, units), dtype) if c0 is None else np.asarray(c0, dtype)
    m = np.ones((batch, steps), bool) if mask is None else np.asarray(mask, bool)
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    out_prev = np.zeros((batch, units), dtype)
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
    return {"outputs": stack(outputs), "h": h, "c": c, "cells": stack(cells),
            "gates": {k: stack(v) for k, v in gates.items()}}


def lstm_step_backward(dh, dc, x_t, h_prev, c_prev, c, gates: dict, params: LSTMParams,
                       output_tanh: bool = True) -> dict:
    """Backward through one step: from dL/dh_t and dL/dc_t to everything the step read.

    ``dh`` is the gradient reaching h_t (from the loss at this step and from step t+1),
    ``dc`` the gradient reaching c_t from step t+1 only. The chain rule, one line per
    forward equation read from bottom to top (``*`` element-wise, ``a_k`` the gate's
    pre-activation, sigma'(a) = s (1 - s) and tanh'(a) = 1 - tanh(a)**2)::

        h_t = o_t * tanh(c_t)          do  = dh * tanh(c_t)
                                       dc += dh * o_t * (1 - tanh(c_t)**2)
        c_t = f_t*c_prev + i_t*g_t     df = dc * c_prev,  di = dc * g_t,  dg = dc * i_t
                                       dc_prev = dc * f_t      <- the "conveyor belt"
        k_t = act(a_k)                 da_k = dk * act'(a_k)
        a_k = x_t W_k + h_prev U_k + b_k
                                       dW_k = x_t^T da_k,  dU_k = h_prev^T da_k,  db_k = sum over batch
                                       dx_t = sum_k da_k W_k^T,  dh_prev = sum_k da_k U_k^T

    Returns a dict with ``x``, ``h_prev``, ``c_prev``, ``c`` (the whole dL/dc_t: from step
    t+1 and through h_t) and per-gate ``W``, ``U``, ``b``.
    """
    f, i, g, o = (gates[k] for k in GATES)
    if output_tanh:
        tanh_c = np.tanh(c)
        do = dh * tanh_c
        dc = dc + dh * o * (1.0 - tanh_c ** 2)
    else:                                   # h_t = o_t * c_t
        do = dh * c
        dc = dc + dh * o
    d_gate = {"f": dc * c_prev, "i": dc * g, "g": dc * i, "o": do}
    da = {k: d_gate[k] * gates[k] * (1.0 - gates[k]) for k in ("f", "i", "o")}   # sigmoid'
    da["g"] = d_gate["g"] * (1.0 - g ** 2)                                        # tanh'
    return {
        "x": sum(da[k] @ params.W[k].T for k in GATES),
        "h_prev": sum(da[k] @ params.U[k].T for k in GATES),
        "c_prev": dc * f,
        "c": dc,
        "W": {k: x_t.T @ da[k] for k in GATES},
        "U": {k: h_prev.T @ da[k] for k in GATES},
        "b": {k: da[k].sum(axis=0) for k in GATES},
    }


def forward_tape(x, params: LSTMParams, h, c, mask, output_tanh: bool = True):
    """The forward loop of BPTT, keeping what each step read and computed.

    Returns ``(tape, outputs, h, c)``: per step ``(h_prev, c_prev, c_t, gates)``, the output
    sequence (batch, time, units) and the final states. ``mask`` (batch, time) as in :func:`lstm_sequence`.
    """
    out, tape, outputs = np.zeros_like(h), [], []
    for t in range(x.shape[1]):
        h_new, c_new, gates = lstm_step(x[:, t], h, c, params, output_tanh=output_tanh)
        tape.append((h, c, c_new, gates))
        keep = mask[:, t:t + 1]
        h, c, out = np.where(keep, h_new, h), np.where(keep, c_new, c), np.where(keep, h_new, out)
        outputs.append(out)
    return tape, np.stack(outputs, axis=1), h, c


def _given(value, shape, dtype):
    """``value`` as an array of ``shape`` (zeros when None); a clear error for another shape."""
    if value is None:
        return np.zeros(shape, dtype)
    value = np.asarray(value, dtype)
    if value.shape != shape:
        raise UsageError(f"expected an array of shape {shape}, got {value.shape}.")
    return value


def lstm_sequence_backward(x, params: LSTMParams, d_outputs=None, d_h=None, d_c=None, h0=None, c0=None,
                           mask=None, output_tanh: bool = True, dtype=np.float32) -> dict:
    """Backpropagation through time for :func:`lstm_sequence` (forward direction).

    The loss enters only through its gradients: ``d_outputs`` (batch, time, units) for the
    output sequence, ``d_h`` and ``d_c`` (batch, units) for the final states (``None``: zero).
    The forward loop keeps every step (:func:`forward_tape`); then :func:`lstm_step_backward`
    runs from the last step to the first. A masked step only copied the states, so its
    gradients pass through unchanged.

    Returns ``x``; ``W``, ``U``, ``b`` (per gate); ``h0``, ``c0``; ``cells`` (dL/dc_t at each
    step, to see how far it travels back) and ``loss_terms`` (the forward ``outputs``, ``h``, ``c``).
    """
    if params.P:
        raise UsageError("lstm_sequence_backward covers the LSTM without peepholes; pass params with P = {}.")
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 3 or x.shape[-1] != params.input_dim:
        raise UsageError(f"x must be (batch, time, {params.input_dim}); got shape {x.shape}.")
    batch, steps, _ = x.shape
    shape = (batch, params.units)
    m = np.ones((batch, steps), bool) if mask is None else np.asarray(mask, bool)
    tape, outputs, h, c = forward_tape(x, params, _given(h0, shape, dtype), _given(c0, shape, dtype), m, output_tanh)
    d_outputs = _given(d_outputs, (batch, steps, params.units), dtype)
    dh, dc = _given(d_h, shape, dtype).copy(), _given(d_c, shape, dtype).copy()   # dL/dh and dL/dc of the states
    d_out = np.zeros(shape, dtype)        # dL/d(output) carried back through masked steps
    grads = {name: {k: np.zeros(getattr(params, name)[k].shape, dtype) for k in GATES} for name in "WUb"}
    dx = np.zeros_like(x)
    d_cells = np.zeros((batch, steps, params.units), dtype)
    for t in range(steps - 1, -1, -1):
        keep = m[:, t:t + 1]
        d_out = d_out + d_outputs[:, t]
        h_prev, c_prev, c_t, gates = tape[t]
        # A real step wrote h_t into both the state and the output, and c_t into the state.
        step = lstm_step_backward(np.where(keep, dh + d_out, 0.0), np.where(keep, dc, 0.0),
                                  x[:, t], h_prev, c_prev, c_t, gates, params, output_tanh=output_tanh)
        d_cells[:, t] = np.where(keep, step["c"], dc)
        dx[:, t] = step["x"]
        for name in "WUb":
            for k in GATES:
                grads[name][k] += step[name][k]
        dh = np.where(keep, step["h_prev"], dh)
        dc = np.where(keep, step["c_prev"], dc)
        d_out = np.where(keep, 0.0, d_out)   # a masked step's output was the previous output
    return {"x": dx, **grads, "h0": dh, "c0": dc, "cells": d_cells,
            "loss_terms": {"outputs": outputs, "h": h, "c": c}}


def numeric_gradient(loss, array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of ``loss()`` w.r.t. each entry of the float64 ``array`` (changed in place, restored)."""
    grad = np.zeros_like(array)
    for idx in np.ndindex(array.shape):
        old = array[idx]
        array[idx] = old + eps
        up = loss()
        array[idx] = old - eps
        down = loss()
        array[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


def parameter_count(input_dim: int, units: int, peephole: bool = False) -> int:
    """4 gates x (input weights + recurrent weights + bias) [+ 3 peephole vectors]."""
    return 4 * (units * (input_dim + units) + units) + (3 * units if peephole else 0)
