"""The long-range recall task and the sweep that trains models on it (notebook 01).

Step 0 holds the symbol to remember (one-hot, flag 1), steps 1 .. gap distractors from the
*same* alphabet (flag 0); the label is the symbol at step 0. Sharing the features, a model must
write only when flagged, which an LSTM's input gate can and a SimpleRNN cannot.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

import keras
import numpy as np

from ..io.errors import UsageError
from ..gradients import gradient_norms, scale_recurrent_weights
from ..layers import GatedLSTM, find_keras_layer
from ..numpy_lstm import GATES, KERAS_GATE_ORDER, lstm_sequence, sigmoid, split_keras_lstm_weights
from ..stats import compare, summarise_seeds


def recall_task(n: int, gap: int, n_symbols: int = 8, seed: int | None = None,
                distractors: str = "same") -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences with ``gap`` distractor steps: float32 ``x`` (n, gap + 1, features), balanced int64 labels
    ``y``; ``distractors="separate"`` puts the distractors on features of their own, with no flag."""
    if n < 1 or gap < 0:
        raise UsageError(f"need n >= 1 and gap >= 0, got n={n}, gap={gap}")
    if n_symbols < 2:
        raise UsageError(f"need at least 2 symbols to recall, got n_symbols={n_symbols}")
    if distractors not in ("same", "separate"):
        raise UsageError(f"distractors must be 'same' or 'separate', got {distractors!r}")
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % n_symbols).astype(np.int64)
    noise = rng.integers(0, n_symbols, size=(n, gap))
    rows = np.arange(n)
    same = distractors == "same"
    x = np.zeros((n, gap + 1, n_symbols + 1 if same else 2 * n_symbols), dtype=np.float32)
    x[rows, 0, y] = 1.0
    if same:
        x[:, 0, n_symbols] = 1.0  # the flag: "remember this one"
    offset = 0 if same else n_symbols
    if gap:
        x[rows[:, None], np.arange(1, gap + 1)[None, :], noise + offset] = 1.0
    return x, y


def chance_accuracy(n_symbols: int = 8) -> float:
    """Accuracy of guessing (or of always answering the same symbol): ``1 / n_symbols``."""
    return 1.0 / n_symbols


#: The models the sweep knows: a ``keras.layers`` class name and optional starting gate biases
#: (``"LSTM"``: forget gates at sigma(5) = 0.993, input gates at sigma(-3) = 0.05: remember by
#: default, write rarely). Add your own entries.
MODEL_SPECS: dict[str, dict] = {
    "SimpleRNN": {"layer": "SimpleRNN"},
    "GRU": {"layer": "GRU"},
    "GRU (b_z=3)": {"layer": "GRU", "update_bias": 3.0},
    "LSTM": {"layer": "LSTM", "forget_bias": 5.0, "input_bias": -3.0},
    "LSTM (b_f=5)": {"layer": "LSTM", "forget_bias": 5.0},
    "LSTM (Keras default)": {"layer": "LSTM"},
}

#: Which spec key sets which gate, per layer type.
_BIAS_KEYS = {"LSTM": {"forget_bias": "f", "input_bias": "i", "output_bias": "o"}, "GRU": {"update_bias": "z", "reset_bias": "r"}}


@dataclass(frozen=True)
class SweepConfig:
    """The training budget and task size of notebook 01's sweep, the same for every model."""

    n_symbols: int = 8
    units: int = 32
    batch_size: int = 128
    max_steps: int = 400  # optimizer steps at most (each on a fresh batch)
    eval_every: int = 50  # steps between validation checks
    target_accuracy: float = 0.99  # stop early once validation accuracy reaches this
    learning_rate: float = 1e-2
    clipnorm: float = 1.0
    n_val: int = 1000
    n_test: int = 2000
    jit_compile: bool = True  # compile with XLA: about 2x faster steps on CPU, a few seconds to compile
    jit_min_gap: int = 50  # ... so only worth it for long sequences (gap >= this)

    def __post_init__(self):
        if self.max_steps < 1 or self.eval_every < 1 or self.batch_size < 1:
            raise UsageError("max_steps, eval_every and batch_size must be positive")


def _spec(name: str, specs: dict | None) -> dict:
    table = {**MODEL_SPECS, **(specs or {})}
    if name not in table:
        raise UsageError(f"unknown model {name!r}; choose from {sorted(table)} or pass specs=")
    return table[name]


def build_recall_model(name: str, n_features: int, n_classes: int, units: int = 32, specs: dict | None = None,
                       steps: int | None = None):
    """A recurrent layer (by ``MODEL_SPECS`` name) whose last state h_T alone feeds a softmax over the symbols."""
    spec = _spec(name, specs)
    layer_cls = getattr(keras.layers, spec["layer"])
    rnn = layer_cls(units, name="rnn")
    model = keras.Sequential(
        [keras.Input((steps, n_features)), rnn, keras.layers.Dense(n_classes, activation="softmax")],
        name=re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "model",  # a valid Keras scope name
    )

    known = _BIAS_KEYS.get(spec["layer"], {})
    for key, value in spec.items():
        if key == "layer":
            continue
        if key not in known:
            all_keys = sorted({k for keys in _BIAS_KEYS.values() for k in keys})
            if key in all_keys:
                raise UsageError(f"{key} is not defined for {spec['layer']} layers; "
                                 f"a {spec['layer']} takes {sorted(known) or 'no bias keys'}")
            raise UsageError(f"unknown key {key!r} in the spec of {name!r}; use 'layer' and {all_keys}")
        set_gate_bias(rnn, known[key], value)
    return model


def _train_until_target(model, gap, seed, cfg, x_val, y_val):
    """Fresh batches, ``eval_every`` steps at a time, until ``max_steps`` or the target validation accuracy."""
    steps, history, chunk = 0, [], 0
    while steps < cfg.max_steps:
        n_steps = min(cfg.eval_every, cfg.max_steps - steps)
        x, y = recall_task(n_steps * cfg.batch_size, gap, cfg.n_symbols, seed=seed * 1_000_003 + chunk)
        model.fit(x, y, batch_size=cfg.batch_size, epochs=1, shuffle=False, verbose=0)
        steps += n_steps
        chunk += 1
        val_acc = float(model.evaluate(x_val, y_val, batch_size=500, verbose=0)[1])
        history.append([steps, val_acc])
        if val_acc >= cfg.target_accuracy:
            break
    return steps, history


def train_one(name: str, gap: int, seed: int, config: SweepConfig = SweepConfig(), specs: dict | None = None,
              keep_model: bool = False) -> dict:
    """Train one model on one gap with one seed (every step sees a fresh batch, so the budget is steps): model,
    gap, seed, accuracy, correct (per test sequence), chance, steps, seconds, history, maybe ``keras_model``."""
    cfg = config
    keras.utils.set_random_seed(seed)
    x_val, y_val = recall_task(cfg.n_val, gap, cfg.n_symbols, seed=10_000 + seed)
    x_test, y_test = recall_task(cfg.n_test, gap, cfg.n_symbols, seed=20_000 + seed)
    model = build_recall_model(name, x_val.shape[-1], cfg.n_symbols, cfg.units, specs)
    model.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate, clipnorm=cfg.clipnorm),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=bool(cfg.jit_compile and gap >= cfg.jit_min_gap))
    start = time.perf_counter()
    steps, history = _train_until_target(model, gap, seed, cfg, x_val, y_val)
    # Right or wrong per test sequence: the same sequences for every model at this gap and
    # seed, so stats.compare can pair them (compare_points).
    correct = np.argmax(model.predict(x_test, batch_size=500, verbose=0), axis=-1) == y_test
    row = {"model": name, "gap": int(gap), "seed": int(seed), "accuracy": float(correct.mean()), "correct": correct,
           "chance": chance_accuracy(cfg.n_symbols), "steps": steps, "seconds": time.perf_counter() - start,
           "history": history}
    if keep_model:
        row["keras_model"] = model
    return row


def run_sweep(models=("SimpleRNN", "GRU", "LSTM"), gaps=(10, 30, 100), seeds=(0, 1, 2),
              config: SweepConfig = SweepConfig(), specs: dict | None = None, keep_models: bool = False,
              verbose: bool = True) -> list[dict]:
    """Train every model on every gap with every seed: one :func:`train_one` row per run."""
    if not models or not gaps or not seeds:
        raise UsageError("run_sweep needs at least one model, one gap and one seed")
    for name in models:
        _spec(name, specs)  # fail before training anything
    rows = []
    for gap in gaps:
        for name in models:
            for seed in seeds:
                row = train_one(name, gap, seed, config, specs, keep_model=keep_models)
                rows.append(row)
                if verbose:
                    print(f"T={gap:4d}  {name:22s} seed={seed}  accuracy={row['accuracy']:.3f}  "
                          f"steps={row['steps']:4d}  {row['seconds']:5.1f}s", flush=True)
    return rows


def summarize(rows: list[dict]) -> list[dict]:
    """Mean, std (ddof=1), min, max and the per-seed results of test accuracy per (model, gap)."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["model"], row["gap"]), []).append(row)
    out = []
    for (name, gap), group in groups.items():
        acc = [float(r["accuracy"]) for r in group]
        spread = summarise_seeds(acc)   # std with ddof=1
        out.append({"model": name, "gap": gap, **{k: spread[k] for k in ("n", "mean", "std", "min", "max")},
                    "accuracies": acc, "seeds": [int(r["seed"]) for r in group],
                    "correct": [r["correct"] for r in group] if all("correct" in r for r in group) else None,
                    "chance": float(group[0]["chance"]), "seconds": float(sum(r["seconds"] for r in group))})
    return out


def compare_points(a: dict, b: dict):
    """:func:`lstm_tutorial.stats.compare` of two :func:`summarize` points (A minus B), paired per test sequence
    when both have them for the same seeds (a seed's test sequences are the same for every model)."""
    for s in (a, b):
        if not {"accuracies", "n"} <= set(s):
            raise UsageError("compare_points() compares two rows of recall.summarize(...)")
    paired = (a.get("correct") is not None and b.get("correct") is not None
              and a.get("seeds") == b.get("seeds"))
    same_seeds = a.get("seeds") is not None and a.get("seeds") == b.get("seeds")  # a seed's data trains both
    if not paired:
        return compare(a["accuracies"], b["accuracies"], same_seeds=same_seeds)
    return compare(a["accuracies"], b["accuracies"], a_examples=np.asarray(a["correct"], np.float64),
                   b_examples=np.asarray(b["correct"], np.float64), same_seeds=True)


def accuracy_table(summary: list[dict]) -> str:
    """A Markdown table: one line per model, one column per gap, "mean ± std (min-max)"."""
    gaps = sorted({s["gap"] for s in summary})
    names = list(dict.fromkeys(s["model"] for s in summary))
    cell = {(s["model"], s["gap"]): s for s in summary}
    n = max(s["n"] for s in summary)
    lines = ["| model | " + " | ".join(f"T = {g}" for g in gaps) + " |", "|---|" + "---|" * len(gaps)]
    for name in names:
        parts = [f"{s['mean']:.3f} ± {s['std']:.3f} ({s['min']:.2f}-{s['max']:.2f})" if s else ""
                 for s in (cell.get((name, g)) for g in gaps)]
        lines.append(f"| {name} | " + " | ".join(parts) + " |")
    lines += ["", f"Test accuracy, mean ± standard deviation over {n} seeds (min-max in brackets)."]
    return "\n".join(lines)


def _sgd_run(template, start_weights, clip: dict, x, y, learning_rate, steps, batch_size):
    """Plain SGD from ``start_weights`` over the same batches; the loss after each step and the final accuracy."""
    model = keras.models.clone_model(template)
    model.set_weights(start_weights)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate, **clip),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    run = []
    for step in range(steps):
        lo = (step * batch_size) % len(x)
        out = model.train_on_batch(x[lo : lo + batch_size], y[lo : lo + batch_size], return_dict=True)
        run.append(float(out["loss"]))
    acc = float(model.evaluate(x, y, batch_size=500, verbose=0)[1])
    return run, (acc if np.isfinite(run[-1]) else float("nan"))


def clipping_experiment(radius: float = 1.1, gap: int = 50, learning_rate: float = 0.01, clipnorm: float = 1.0,
                        steps: int = 80, n: int = 1024, batch_size: int = 128, units: int = 32, n_symbols: int = 8,
                        seed: int = 0) -> dict:
    """The same exploding run (a linear RNN of spectral radius ``radius``, the same SGD batches) three times: no
    clipping, per-variable ``clipnorm`` and ``global_clipnorm``. Returns ``norms`` (per step, at the start),
    ``losses`` (per run, NaN/inf kept), ``accuracy`` (NaN if diverged), ``variable_norms``, ``radius``, ``gap``."""
    import tensorflow as tf

    x, y = recall_task(n, gap, n_symbols, seed=seed)
    keras.utils.set_random_seed(seed)
    template = keras.Sequential([keras.Input((gap + 1, x.shape[-1])),
                                 keras.layers.SimpleRNN(units, activation=None, name="rnn"),
                                 keras.layers.Dense(n_symbols, name="logits")])
    scale_recurrent_weights(template, radius)
    start_weights = template.get_weights()
    norms = gradient_norms(template, x[:64], y[:64], from_logits=True)
    with tf.GradientTape() as tape:   # each variable's gradient norm: what clipnorm clips one by one
        logits = template(x[:batch_size], training=False)
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y[:batch_size], logits)
    grads = tape.gradient(loss, template.trainable_variables)
    variable_norms = {v.path: float(np.linalg.norm(np.asarray(g))) for v, g in zip(template.trainable_variables, grads)}
    settings = (("no clipping", {}), (f"clipnorm={clipnorm:g}", {"clipnorm": clipnorm}),
                (f"global_clipnorm={clipnorm:g}", {"global_clipnorm": clipnorm}))
    losses, accuracy = {}, {}
    for label, clip in settings:
        losses[label], accuracy[label] = _sgd_run(template, start_weights, clip, x, y, learning_rate, steps, batch_size)
    return {"radius": radius, "gap": gap, "norms": norms, "losses": losses, "accuracy": accuracy,
            "variable_norms": variable_norms}


def _check_default_activations(cell, name: str) -> None:
    act = getattr(getattr(cell, "activation", None), "__name__", "tanh")
    rec = getattr(getattr(cell, "recurrent_activation", None), "__name__", "sigmoid")
    if act != "tanh" or rec != "sigmoid":
        raise UsageError(f"{name} assumes activation='tanh' and recurrent_activation='sigmoid', "
                         f"got {act!r} and {rec!r}.")


def _float_sequences(x, input_dim: int, name: str) -> np.ndarray:
    x = np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float32)
    if x.ndim != 3 or x.shape[-1] != input_dim:
        raise UsageError(f"{name}: inputs must be (batch, time, {input_dim}) features, the sequences that enter "
                         f"the layer; got shape {x.shape}.")
    return x


def trace_lstm(layer, sequences, mask=None) -> dict[str, np.ndarray]:
    """Every step's gates and states (batch, time, units), keys ``"h", "f", "i", "g", "o", "c"``, of a
    :class:`GatedLSTM` (its own trace) or a ``keras.layers.LSTM`` (whose fused kernel hides the gates: rerun
    in :mod:`lstm_tutorial.numpy_lstm`), or of a model's first LSTM reading ``sequences`` directly."""
    if isinstance(layer, GatedLSTM):
        return layer.trace(sequences, mask=mask)
    for inner in getattr(layer, "layers", []):
        if isinstance(inner, GatedLSTM):
            return inner.trace(sequences, mask=mask)
    lstm = find_keras_layer(layer, "LSTM")
    _check_default_activations(getattr(lstm, "cell", lstm), "trace_lstm")
    weights = lstm.get_weights()
    if len(weights) not in (2, 3):
        raise UsageError("unexpected LSTM weights; is this a keras.layers.LSTM?")
    x = _float_sequences(sequences, weights[0].shape[0], "trace_lstm")
    run = lstm_sequence(x, split_keras_lstm_weights(*weights), mask=mask,
                        go_backwards=bool(getattr(lstm, "go_backwards", False)))
    parts = {**run["gates"], "c": run["cells"], "h": run["outputs"]}
    if getattr(lstm, "go_backwards", False):
        parts = {k: v[:, ::-1] for k, v in parts.items()}
    return {k: parts[k] for k in ("h", *GATES, "c")}


def trace_gru(layer, sequences) -> dict[str, np.ndarray]:
    """Every step's gates and state (batch, time, units) of a ``keras.layers.GRU``, rerun in NumPy.

    Keras' GRU (``reset_after=True``, the default) computes, with its kernel packed as z, r, h::

        z_t = sigma(x_t W_z + h_{t-1} U_z + b_z)            update gate: share of h_{t-1} kept
        r_t = sigma(x_t W_r + h_{t-1} U_r + b_r)            reset gate
        g_t = tanh(x_t W_h + r_t * (h_{t-1} U_h + b'_h) + b_h)   candidate (h~_t)
        h_t = z_t * h_{t-1} + (1 - z_t) * g_t

    so z_t plays the LSTM forget gate's part: the product of z over a gap is how much of a
    stored value survives it.
    """
    gru = find_keras_layer(layer, "GRU")
    cell = getattr(gru, "cell", gru)
    _check_default_activations(cell, "trace_gru")
    weights = gru.get_weights()
    kernel, recurrent = (np.asarray(w, np.float32) for w in weights[:2])
    units = recurrent.shape[0]
    reset_after = bool(getattr(cell, "reset_after", True))
    bias = np.asarray(weights[2], np.float32) if len(weights) == 3 else np.zeros(3 * units, np.float32)
    b_in, b_rec = (bias[0], bias[1]) if bias.ndim == 2 else (bias, np.zeros(3 * units, np.float32))
    x = _float_sequences(sequences, kernel.shape[0], "trace_gru")
    if getattr(gru, "go_backwards", False):
        raise UsageError("trace_gru reads sequences forwards; this GRU has go_backwards=True.")
    h = np.zeros((x.shape[0], units), np.float32)
    cut = lambda a, k: a[..., k * units:(k + 1) * units]
    out = {k: [] for k in ("z", "r", "g", "h")}
    for t in range(x.shape[1]):
        xw = x[:, t] @ kernel + b_in
        if reset_after:
            hu = h @ recurrent + b_rec
            z = sigmoid(cut(xw, 0) + cut(hu, 0))
            r = sigmoid(cut(xw, 1) + cut(hu, 1))
            g = np.tanh(cut(xw, 2) + r * cut(hu, 2))
        else:
            z = sigmoid(cut(xw, 0) + h @ cut(recurrent, 0))
            r = sigmoid(cut(xw, 1) + h @ cut(recurrent, 1))
            g = np.tanh(cut(xw, 2) + (r * h) @ cut(recurrent, 2))
        h = z * h + (1.0 - z) * g
        for k, v in (("z", z), ("r", r), ("g", g), ("h", h)):
            out[k].append(v)
    return {k: np.stack(v, axis=1).astype(np.float32) for k, v in out.items()}


#: Where each gate's bias sits in a Keras layer's packed bias vector (blocks of ``units``): an
#: LSTM packs its gates in :data:`~lstm_tutorial.numpy_lstm.KERAS_GATE_ORDER`, a GRU packs
#: z (update), r (reset), h (candidate).
_GATE_BLOCKS = {"LSTM": {k: n for n, k in enumerate(KERAS_GATE_ORDER)}, "GRU": {"z": 0, "r": 1, "h": 2}}


#: The long names a gate may also be called by (Keras calls the LSTM's candidate c).
_LONG_NAMES = {"LSTM": {"input": "i", "forget": "f", "candidate": "g", "c": "g", "output": "o"},
               "GRU": {"update": "z", "reset": "r", "candidate": "h"}}


def set_gate_bias(layer, gate: str, value: float) -> None:
    """Set the starting bias of one gate (``"f"`` or ``"forget"``, ...) of a built Keras ``LSTM`` or ``GRU``.

    For a GRU with two bias rows (``reset_after=True``) the recurrent row's entry is set to 0,
    so the gate's total bias is ``value``.
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
    blocks = _GATE_BLOCKS[kind]
    block = blocks.get(_LONG_NAMES[kind].get(gate, gate))
    if block is None:
        raise UsageError(f"a {kind} has no gate {gate!r}; choose from {sorted(blocks)} (or their long names)")
    weights = rnn.get_weights()
    if len(weights) != 3:
        raise UsageError(f"this {kind} has no bias (use_bias=False); there is no gate bias to set")
    units = weights[1].shape[0]
    lo, hi = block * units, (block + 1) * units
    bias = np.array(weights[2], copy=True)
    if bias.ndim == 2:  # GRU with reset_after=True: rows (input bias, recurrent bias)
        bias[0, lo:hi] = value
        bias[1, lo:hi] = 0.0
    else:
        bias[lo:hi] = value
    weights[2] = bias
    rnn.set_weights(weights)
