"""An LSTM written gate by gate as a Keras 3 layer, and a bridge to ``keras.layers.LSTM``.

:class:`GatedLSTMCell` keeps one ``W_k``, ``U_k`` and ``b_k`` per gate ``k`` in ``f, i, g, o``,
so the code reads like the equations; it uses ``keras.ops`` only (any Keras 3 backend).
:class:`GatedLSTM` wraps it in ``keras.layers.RNN``, which brings masks, ``go_backwards``,
``Bidirectional`` and saving; importing this module registers both with Keras.
:func:`load_keras_lstm_weights` copies a trained ``keras.layers.LSTM`` into one, which is how
notebook 02 shows the two compute the same function.
"""
from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .io.errors import UsageError
from .numpy_lstm import (
    GATES,
    PEEPHOLE_GATES,
    LSTMParams,
    split_keras_lstm_weights,
)

__all__ = ["find_keras_layer", "GatedLSTMCell", "GatedLSTM", "BahdanauAttention", "get_params", "load_keras_lstm_weights"]

#: What a gate trace holds per step: the output, the four gates, the cell state.
_TRACE_NAMES = ("h", "f", "i", "g", "o", "c")


def find_keras_layer(model, kind: str):
    """``model`` itself if it is a ``keras.layers.<kind>``, else the first such layer inside it."""
    if type(model).__name__ == kind:
        return model
    for layer in getattr(model, "layers", []):
        if type(layer).__name__ == kind:
            return layer
    raise UsageError(
        f"no keras.layers.{kind} found in {type(model).__name__}; pass the {kind} layer itself"
    )


@keras.saving.register_keras_serializable(package="lstm_tutorial")
class GatedLSTMCell(keras.layers.Layer):
    """One LSTM step, one block per gate. Use it inside ``keras.layers.RNN``.

    Args:
        units: size of the hidden state h_t and cell state c_t.
        activation: squashes the candidate and the cell state (``tanh``).
        recurrent_activation: the gates' squashing function (``sigmoid``).
        use_bias: add a bias b_k to each gate.
        unit_forget_bias: start the forget bias at 1, so the cell remembers by default (as Keras).
        peephole: the forget and input gates see c_{t-1}, the output gate c_t, through one
            weight vector each (``P_f``, ``P_i``, ``P_o``; Gers and Schmidhuber, 2000), zero at first.
        return_gates: output ``[h, f, i, g, o, c]`` (6 * units per step) instead of h: to look inside.
        fused: the four gates in one matrix product of the weights stacked side by side (faster;
            stored per gate all the same); ``False`` runs one product per gate, as the equations read.
    """

    def __init__(
        self,
        units: int,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias: bool = True,
        unit_forget_bias: bool = True,
        peephole: bool = False,
        return_gates: bool = False,
        fused: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        peephole_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(units, (int, np.integer)) or units <= 0:
            raise UsageError(f"units must be a positive integer; got {units!r}.")
        self.units = int(units)
        self.activation = keras.activations.get(activation)
        self.recurrent_activation = keras.activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.peephole = bool(peephole)
        self.return_gates = bool(return_gates)
        self.fused = bool(fused)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.peephole_initializer = keras.initializers.get(peephole_initializer)
        # What keras.layers.RNN needs to know: two states (h, c) and the output size.
        self.state_size = [self.units, self.units]
        # Weights stacked side by side for the fused products; GatedLSTM sets this once per
        # call so that the stacking is not repeated at every time step (see stacked_weights).
        self._stacked = None
        self.output_size = self.units * (len(_TRACE_NAMES) if self.return_gates else 1)

    # ------------------------------------------------------------------ weights
    def build(self, input_shape):
        input_dim = input_shape[-1]
        u = self.units
        for k in GATES:  # f, i, g, o: three weights per gate, named after it
            setattr(self, f"W_{k}", self.add_weight(
                shape=(input_dim, u), name=f"W_{k}", initializer=self.kernel_initializer))
            setattr(self, f"U_{k}", self.add_weight(
                shape=(u, u), name=f"U_{k}", initializer=self.recurrent_initializer))
            if self.use_bias:
                init = "ones" if (k == "f" and self.unit_forget_bias) else self.bias_initializer
                setattr(self, f"b_{k}", self.add_weight(shape=(u,), name=f"b_{k}", initializer=init))
        if self.peephole:
            for k in PEEPHOLE_GATES:
                setattr(self, f"P_{k}", self.add_weight(
                    shape=(u,), name=f"P_{k}", initializer=self.peephole_initializer))
        self.built = True

    def gate_weights(self, kind: str) -> list:
        """The four per-gate variables of one kind (``"W"``, ``"U"`` or ``"b"``) in order f, i, g, o."""
        return [getattr(self, f"{kind}_{k}") for k in GATES]

    def stacked_weights(self) -> tuple:
        """``[W_f W_i W_g W_o]`` (input_dim, 4u), ``[U_f U_i U_g U_o]`` (u, 4u) and the biases (4u,)."""
        W = ops.concatenate(self.gate_weights("W"), axis=1)
        U = ops.concatenate(self.gate_weights("U"), axis=1)
        b = ops.concatenate(self.gate_weights("b"), axis=0) if self.use_bias else None
        return W, U, b

    # ------------------------------------------------------------------ one step
    def call(self, inputs, states, training=False):
        x, (h_prev, c_prev) = inputs, states
        if self.fused:
            pre = self._preactivations_fused(x, h_prev)
        else:
            pre = self._preactivations_per_gate(x, h_prev)
        sigma, tanh = self.recurrent_activation, self.activation

        if self.peephole:
            pre["f"] = pre["f"] + self.P_f * c_prev
            pre["i"] = pre["i"] + self.P_i * c_prev
        f = sigma(pre["f"])            # forget gate: how much of c_{t-1} to keep
        i = sigma(pre["i"])            # input gate: how much of the candidate to write
        g = tanh(pre["g"])             # candidate: what could be written
        c = f * c_prev + i * g         # new cell state
        if self.peephole:
            pre["o"] = pre["o"] + self.P_o * c
        o = sigma(pre["o"])            # output gate: how much of the memory to show
        h = o * tanh(c)                # new hidden state

        output = ops.concatenate([h, f, i, g, o, c], axis=-1) if self.return_gates else h
        return output, [h, c]

    def _preactivations_per_gate(self, x, h_prev):
        """x_t W_k + h_{t-1} U_k + b_k for each gate: eight small matrix products."""
        pre = {}
        for k in GATES:
            z = ops.matmul(x, getattr(self, f"W_{k}")) + ops.matmul(h_prev, getattr(self, f"U_{k}"))
            if self.use_bias:
                z = z + getattr(self, f"b_{k}")
            pre[k] = z
        return pre

    def _preactivations_fused(self, x, h_prev):
        """The same numbers with two products: [W_f W_i W_g W_o] and [U_f U_i U_g U_o]."""
        W, U, b = self._stacked or self.stacked_weights()  # (input_dim, 4u), (u, 4u), (4u,)
        z = ops.matmul(x, W) + ops.matmul(h_prev, U)
        if b is not None:
            z = z + b
        return dict(zip(GATES, ops.split(z, 4, axis=-1)))

    def get_config(self):
        ser = keras.saving.serialize_keras_object
        config = {
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "recurrent_activation": keras.activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "unit_forget_bias": self.unit_forget_bias,
            "peephole": self.peephole,
            "return_gates": self.return_gates,
            "fused": self.fused,
            "kernel_initializer": ser(self.kernel_initializer),
            "recurrent_initializer": ser(self.recurrent_initializer),
            "bias_initializer": ser(self.bias_initializer),
            "peephole_initializer": ser(self.peephole_initializer),
        }
        return {**super().get_config(), **config}


#: Arguments of :class:`GatedLSTMCell` that :class:`GatedLSTM` passes through.
_CELL_ARGS = (
    "activation", "recurrent_activation", "use_bias", "unit_forget_bias", "peephole",
    "return_gates", "fused", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", "peephole_initializer",
)


@keras.saving.register_keras_serializable(package="lstm_tutorial")
class GatedLSTM(keras.layers.RNN):
    """``keras.layers.RNN(GatedLSTMCell(units, ...))`` with the familiar LSTM arguments: masks,
    ``go_backwards``, ``return_sequences``/``return_state``, ``Bidirectional`` and ``.keras`` saving."""

    def __init__(self, units: int, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False, **kwargs):
        cell_kwargs = {k: kwargs.pop(k) for k in _CELL_ARGS if k in kwargs}
        cell = GatedLSTMCell(units, dtype=kwargs.get("dtype"), name="gated_lstm_cell", **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.input_spec = keras.layers.InputSpec(ndim=3)

    @property
    def units(self) -> int:
        return self.cell.units

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, mask=mask, training=training, initial_state=initial_state)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        # Stack the per-gate weights once for the whole sequence instead of at every step:
        # the loop then does exactly what keras.layers.LSTM does, two products per step.
        if self.cell.fused:
            self.cell._stacked = self.cell.stacked_weights()
        try:
            return super().inner_loop(sequences, initial_state, mask, training=training)
        finally:
            self.cell._stacked = None

    def get_config(self):
        config = super().get_config()
        cell_config = self.cell.get_config()
        del config["cell"]
        config["units"] = self.units
        for k in _CELL_ARGS:
            config[k] = cell_config[k]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    def trace(self, sequences, mask=None) -> dict[str, np.ndarray]:
        """Every step's h, f, i, g, o and c on ``sequences`` (NumPy, batch x time x units, reading
        order), from a twin with ``return_gates=True`` and these weights: the layer is untouched."""
        if not self.built:
            raise UsageError("trace() needs a built layer: call the layer (or its model) once first.")
        config = self.get_config()
        config.update(return_gates=True, return_sequences=True, return_state=False, name=f"{self.name}_trace")
        twin = GatedLSTM.from_config(config)
        twin(ops.convert_to_tensor(sequences[:1]))
        twin.set_weights(self.get_weights())
        out = keras.ops.convert_to_numpy(twin(sequences, mask=mask))
        parts = _split_gates(out, self.units)
        if self.go_backwards:
            parts = {k: v[:, ::-1] for k, v in parts.items()}
        return parts


@keras.saving.register_keras_serializable(package="lstm_tutorial")
class BahdanauAttention(keras.layers.Layer):
    """Additive attention written out: which encoder outputs should the decoder read now?

    For a decoder output (the query) ``s_t`` and encoder outputs ``e_j``::

        score[t, j]  = v . tanh(W_query s_t + W_key e_j)      how well e_j answers s_t
        weight[t, j] = softmax over j of score[t, j]          padded letters get weight 0
        read[t]      = sum over j of weight[t, j] e_j         the context handed back

    Called on ``[queries, encoder_outputs]``; Keras passes their masks. It computes what
    ``keras.layers.AdditiveAttention(use_scale=True)`` computes after two bias-free
    ``Dense(units)`` projections of query and key (notebook 06 proves it, gradients too).
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.supports_masking = True

    def build(self, input_shape):
        query_shape, value_shape = input_shape
        self.W_query = self.add_weight(shape=(query_shape[-1], self.units), name="W_query")
        self.W_key = self.add_weight(shape=(value_shape[-1], self.units), name="W_key")
        self.v = self.add_weight(shape=(self.units,), name="v")

    def call(self, inputs, mask=None, return_attention_scores=False):
        queries, values = inputs
        query_mask, value_mask = mask if mask is not None else (None, None)
        q = ops.expand_dims(ops.matmul(queries, self.W_query), 2)  # (batch, T_out, 1, units)
        k = ops.expand_dims(ops.matmul(values, self.W_key), 1)     # (batch, 1, T_in, units)
        scores = ops.sum(self.v * ops.tanh(q + k), axis=-1)        # (batch, T_out, T_in)
        if value_mask is not None:  # a padded letter can never win: -1e9 before the softmax
            scores = scores - 1e9 * ops.cast(ops.logical_not(ops.expand_dims(value_mask, 1)), scores.dtype)
        weights = ops.softmax(scores, axis=-1)
        read = ops.matmul(weights, values)
        if query_mask is not None:  # padded output steps read nothing (as Keras's layer does)
            read = read * ops.cast(ops.expand_dims(query_mask, -1), read.dtype)
        return (read, weights) if return_attention_scores else read

    def compute_mask(self, inputs, mask=None):
        return None if mask is None else mask[0]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _split_gates(output, units: int) -> dict:
    """Cut the output of a ``return_gates=True`` cell or layer into h, f, i, g, o, c."""
    output = keras.ops.convert_to_numpy(output)
    if output.shape[-1] != len(_TRACE_NAMES) * units:
        raise UsageError(f"expected a last axis of {len(_TRACE_NAMES)} * {units}; got {output.shape}.")
    return {k: output[..., n * units:(n + 1) * units] for n, k in enumerate(_TRACE_NAMES)}


def _as_cell(layer) -> GatedLSTMCell:
    cell = getattr(layer, "cell", layer)
    if not isinstance(cell, GatedLSTMCell):
        raise UsageError(f"expected a GatedLSTM or GatedLSTMCell; got {type(layer).__name__}.")
    return cell


def get_params(gated) -> LSTMParams:
    """The weights of a built :class:`GatedLSTM` (or cell) as NumPy arrays per gate."""
    cell = _as_cell(gated)
    if not cell.built:
        raise UsageError("the layer is not built yet: call it on a batch (or build its model) first.")
    as_np = keras.ops.convert_to_numpy
    W = {k: as_np(getattr(cell, f"W_{k}")) for k in GATES}
    U = {k: as_np(getattr(cell, f"U_{k}")) for k in GATES}
    if cell.use_bias:
        b = {k: as_np(getattr(cell, f"b_{k}")) for k in GATES}
    else:
        b = {k: np.zeros(cell.units, np.float32) for k in GATES}
    P = {k: as_np(getattr(cell, f"P_{k}")) for k in PEEPHOLE_GATES} if cell.peephole else {}
    return LSTMParams(W, U, b, P)


def _set_params(gated, params: LSTMParams) -> None:
    """Assign per-gate NumPy weights to a built :class:`GatedLSTM` (or cell)."""
    cell = _as_cell(gated)
    params.check()
    targets = [("W", params.W), ("U", params.U)] + ([("b", params.b)] if cell.use_bias else [])
    for kind, table in targets:
        for k in GATES:
            var = getattr(cell, f"{kind}_{k}")
            if tuple(var.shape) != table[k].shape:
                raise UsageError(f"{kind}_{k}: layer has shape {tuple(var.shape)}, weights {table[k].shape}.")
            var.assign(table[k])
    if cell.peephole:
        for k in PEEPHOLE_GATES:
            getattr(cell, f"P_{k}").assign(params.P.get(k, np.zeros(cell.units, np.float32)))


def load_keras_lstm_weights(gated, keras_lstm) -> LSTMParams:
    """Copy a built ``keras.layers.LSTM`` into a built :class:`GatedLSTM`: the fused kernels (gates
    i, f, c, o) cut into ``W_k, U_k, b_k`` for k in f, i, g, o, peepholes zero. Returns them (NumPy)."""
    lstm_cell = getattr(keras_lstm, "cell", None)
    if not isinstance(keras_lstm, keras.layers.LSTM) or lstm_cell is None:
        raise UsageError(f"keras_lstm must be a keras.layers.LSTM; got {type(keras_lstm).__name__}.")
    cell = _as_cell(gated)
    if not (keras_lstm.built and cell.built):
        raise UsageError("both layers must be built: call each once on a batch of the same input size.")
    if cell.units != lstm_cell.units:
        raise UsageError(f"sizes differ: GatedLSTM has {cell.units} units, the LSTM {lstm_cell.units}.")
    as_np = keras.ops.convert_to_numpy
    bias = as_np(lstm_cell.bias) if lstm_cell.use_bias else None
    if cell.use_bias != lstm_cell.use_bias:
        raise UsageError("use_bias differs between the two layers; create the GatedLSTM with the same use_bias.")
    params = split_keras_lstm_weights(as_np(lstm_cell.kernel), as_np(lstm_cell.recurrent_kernel), bias)
    _set_params(cell, params)
    return params


