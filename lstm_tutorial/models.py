"""Sentiment classifiers for IMDB (SimpleRNN, LSTM, GRU, Bidirectional LSTM) on one shared
pipeline, so that a comparison measures the recurrent layer and nothing else::

    token ids (batch, T), 0 = padding
      -> Embedding(vocab, d, mask_zero=True)      # the mask marks the real tokens
      -> SpatialDropout1D                         # drops whole embedding channels
      -> recurrent layer, return_sequences=True   # h_t for every step t
      -> [masked max over t ; masked mean over t] # pooling over time (readout="pool")
      -> Dropout -> Dense(1, sigmoid)             # P(review is positive)

Pooling lets every step's h_t vote instead of asking h_T to carry a 300-token review alone;
``readout="last"`` (the PyTorch article's design) reads the final state only. Notebook 03's
grid measures what the choice is worth. The recurrent layers keep Keras' defaults, the
conditions for the fused cuDNN kernel on a GPU (:func:`cudnn_eligibility` checks a model).
Importing this module registers the custom layers, so ``keras.models.load_model`` reads a
saved ``.keras`` file after ``import lstm_tutorial.models``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import keras
from keras import activations, layers, ops

from .io.errors import UsageError
from .io.environment import DictConfig
from .layers import GatedLSTM  # noqa: F401 - importing it registers GatedLSTM(Cell) for load_model

__all__ = ["ARCHITECTURES", "READOUTS", "DISPLAY_NAMES", "ModelConfig", "MaskedGlobalMaxPooling1D", "build_classifier",
           "build_simple_classifier", "layer_summary", "cudnn_eligibility"]

#: The architectures the builders, the command line and the notebook know.
ARCHITECTURES = ("rnn", "lstm", "gru", "bilstm")

#: How the head reads the recurrent layer: pooled over every step, or the last state only.
READOUTS = ("pool", "last")

#: Human-readable names for tables and plots.
DISPLAY_NAMES = {
    "rnn": "SimpleRNN",
    "lstm": "LSTM",
    "gru": "GRU",
    "bilstm": "Bidirectional LSTM",
    "keras_reference": "Keras example (2 x BiLSTM(64))",
}


@dataclass(frozen=True)
class ModelConfig(DictConfig):
    """The network of a classifier, as :func:`build_classifier` builds and compiles it. The ``train``
    command's :class:`~lstm_tutorial.training.TrainConfig` holds one (its ``network``), and so does
    the readout grid's budget; these defaults are the ``train`` command's."""

    embedding_dim: int = 100
    units: int = 64
    dropout: float = 0.25
    readout: str = "pool"  # "pool" (max and mean of h_t over time) or "last" (the final state)
    learning_rate: float = 2e-3

    def validate(self) -> "ModelConfig":
        """This config, or a :class:`UsageError` naming the first setting out of range."""
        if self.readout not in READOUTS:
            raise UsageError(f"unknown readout {self.readout!r}; choose one of {', '.join(READOUTS)}")
        if min(self.embedding_dim, self.units) < 1:
            raise UsageError(f"embedding_dim and units must be at least 1, not {self.embedding_dim} and {self.units}")
        if not 0 <= self.dropout < 1:
            raise UsageError(f"dropout is a share between 0 and 1 (e.g. 0.4), not {self.dropout}")
        if not self.learning_rate > 0:
            raise UsageError(f"the learning rate must be positive, not {self.learning_rate}")
        return self


@keras.saving.register_keras_serializable(package="lstm_tutorial")
class MaskedGlobalMaxPooling1D(layers.Layer):
    """Max over time that ignores padded steps (Keras' ``GlobalMaxPooling1D`` ignores the mask,
    so a padded step, a copy of the last real one, could win); a row without real tokens gives zeros."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1)
        mask = ops.expand_dims(ops.cast(mask, "bool"), -1)  # (batch, T, 1)
        lowest = ops.full_like(inputs, -1e4)  # |h_t| <= 1; -1e4 fits float16 too
        pooled = ops.max(ops.where(mask, inputs, lowest), axis=1)
        any_real = ops.any(mask, axis=1)  # (batch, 1)
        return ops.where(any_real, pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


#: The plain recurrent layer of each kind (``"bilstm"`` wraps the LSTM in ``Bidirectional``).
_LAYERS = {"rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}


def _recurrent_layer(kind: str, units: int, return_sequences: bool = True, name: str | None = None):
    """The recurrent layer for ``kind`` with cuDNN-compatible (default) settings."""
    if kind == "bilstm":
        return layers.Bidirectional(
            layers.LSTM(units, return_sequences=return_sequences), merge_mode="concat", name=name
        )
    if kind not in _LAYERS:
        raise UsageError(f"unknown model {kind!r}; choose one of {', '.join(ARCHITECTURES)}")
    return _LAYERS[kind](units, return_sequences=return_sequences, name=name)


def build_classifier(kind: str = "bilstm", config: ModelConfig | None = None, *, vocab_size: int,
                     compile: bool = True, **overrides):
    """Build (and by default compile) the ``kind`` classifier on the shared pipeline.

    ``vocab_size`` counts the padding id 0 and the unknown id 1. The network comes from ``config``
    (default: :class:`ModelConfig`'s), each setting of which a keyword may override
    (``build_classifier("lstm", vocab_size=5000, units=32, readout="last")``). ``readout="pool"``
    feeds the head masked max and mean of h_t over time; ``"last"`` the final state only (the last
    real token's). Input: ids ``(batch, None)``, 0 = padding; output: ``(batch, 1)``, P(positive).
    """
    if kind not in ARCHITECTURES:
        raise UsageError(f"unknown model {kind!r}; choose one of {', '.join(ARCHITECTURES)}")
    unknown = set(overrides) - ModelConfig.names()
    if unknown:
        raise UsageError(f"unknown model setting(s) {sorted(unknown)}; known: {sorted(ModelConfig.names())}")
    config = replace(config or ModelConfig(), **overrides).validate()
    readout = config.readout
    if vocab_size < 3:
        raise UsageError("vocab_size must be at least 3 (padding, out-of-vocabulary and one word)")

    ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    x = layers.Embedding(vocab_size, config.embedding_dim, mask_zero=True, name="embedding")(ids)
    x = layers.SpatialDropout1D(config.dropout, name="embedding_dropout")(x)
    if readout == "pool":
        h = _recurrent_layer(kind, config.units, return_sequences=True, name=kind)(x)
        features = layers.Concatenate(name="max_and_mean_over_time")(
            [MaskedGlobalMaxPooling1D(name="max_over_time")(h), layers.GlobalAveragePooling1D(name="mean_over_time")(h)]
        )
    else:
        features = _recurrent_layer(kind, config.units, return_sequences=False, name=kind)(x)
    x = layers.Dropout(config.dropout, name="dropout")(features)
    # float32 output keeps the sigmoid and the loss stable under mixed precision on a GPU.
    out = layers.Dense(1, activation="sigmoid", dtype="float32", name="positive_probability")(x)
    model = keras.Model(ids, out, name=f"{kind}_classifier" if readout == "pool" else f"{kind}_last_classifier")
    if compile:
        _compile_binary(model, config.learning_rate)
    return model


def build_simple_classifier(rnn, vocab_size: int, embedding_dim: int, length: int | None = None,
                            jit_compile=False, learning_rate: float = 1e-3):
    """token ids -> Embedding (mask_zero) -> ``rnn`` -> Dense(1, sigmoid), compiled.

    Notebook 02's small model around any recurrent layer that returns its last output
    (``keras.layers.LSTM(32)``, a ``GatedLSTM``, ...), so two such models differ in the layer only.
    """
    model = keras.Sequential([
        keras.Input((length,), dtype="int32"),
        layers.Embedding(vocab_size, embedding_dim, mask_zero=True, name="embedding"),
        rnn,
        layers.Dense(1, activation="sigmoid", name="classifier"),
    ])
    _compile_binary(model, learning_rate, jit_compile=jit_compile)
    return model


def _compile_binary(model, learning_rate: float, jit_compile="auto") -> None:
    """Compile for a yes/no label: Adam, binary cross-entropy, accuracy."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  metrics=["accuracy"], jit_compile=jit_compile)


def layer_summary(model) -> list[tuple]:
    """``(layer type, output shape, parameters)`` per layer (no input layer; ``"Bidirectional(LSTM)"``
    names what it wraps): what two builds of one architecture share, names and weights aside."""
    rows = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        if kind == "Bidirectional":
            kind = f"Bidirectional({type(layer.forward_layer).__name__})"
        output = getattr(layer, "output", None)
        shape = (None if output is None else tuple(tuple(o.shape) for o in output)  # e.g. return_state
                 if isinstance(output, (list, tuple)) else tuple(output.shape))
        rows.append((kind, shape, int(layer.count_params())))
    return rows


def cudnn_eligibility(model) -> list[tuple[str, bool, str]]:
    """For each LSTM/GRU in ``model``: (layer name, eligible, why), by the conditions Keras checks
    before it uses the fused cuDNN kernel (used only on a GPU, with a right-padded mask)."""
    found = []

    def visit(layer, prefix=""):
        if isinstance(layer, layers.Bidirectional):
            visit(layer.forward_layer, layer.name + "/")
            visit(layer.backward_layer, layer.name + "/")
            return
        if isinstance(layer, (layers.LSTM, layers.GRU)):
            cell = layer.cell
            problems = []
            if cell.activation is not activations.tanh:
                problems.append("activation is not tanh")
            if cell.recurrent_activation is not activations.sigmoid:
                problems.append("recurrent_activation is not sigmoid")
            if cell.recurrent_dropout:
                problems.append("recurrent_dropout > 0")
            if layer.unroll:
                problems.append("unroll=True")
            if not cell.use_bias:
                problems.append("use_bias=False")
            if isinstance(layer, layers.GRU) and not cell.reset_after:
                problems.append("reset_after=False")
            if getattr(layer, "use_cudnn", "auto") is False:
                problems.append("use_cudnn=False")
            found.append((prefix + layer.name, not problems, "; ".join(problems) or "default settings"))
        elif isinstance(layer, layers.SimpleRNN):
            found.append((prefix + layer.name, False, "SimpleRNN has no cuDNN kernel"))

    for layer in model.layers:
        visit(layer)
    return found




