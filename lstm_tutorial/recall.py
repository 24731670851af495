"""Synthetic long-range tasks and the experiment that sweeps them (notebook 01).

The task: **recall the flagged symbol.** A sequence of ``gap + 1`` steps; each step is
one of ``n_symbols`` symbols, one-hot encoded, plus one extra "flag" feature. Step 0 holds
the symbol to remember and has flag = 1. Steps 1 .. gap are distractors: random symbols
from the *same* alphabet, flag = 0. The label is the symbol at step 0, read after the last
step. Chance accuracy is ``1 / n_symbols``; the default of 8 symbols gives 0.125.

Why this design (notebook 01 measures the alternatives):

* The distractors use the same input features as the symbol to remember, so a model
  cannot simply learn to ignore those features. It must store the symbol when the flag
  is on and then keep it while similar inputs keep arriving: a multiplicative decision
  ("write only if flagged") that an LSTM's input gate can make and a SimpleRNN cannot.
* Eight symbols rather than two or four: with fewer, a SimpleRNN can latch part of the
  answer into a saturated state and climb well above chance at T = 100, which blurs the
  comparison without changing the lesson.
* With distractors on separate features (``distractors="separate"``) or with Gaussian
  noise after the first step, an orthogonally initialised SimpleRNN learns to ignore the
  noise and can solve long gaps, while a briefly trained LSTM sits at chance. Such tasks
  measure the initialisation, not the architecture.

:func:`run_sweep` trains every model on every gap with several seeds and returns one
tidy row per run; :func:`summarize` turns the rows into mean and spread per point.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np

from .errors import UsageError

__all__ = [
    "recall_task",
    "chance_accuracy",
    "MODEL_SPECS",
    "SweepConfig",
    "build_recall_model",
    "train_one",
    "run_sweep",
    "summarize",
    "accuracy_table",
    "compare_points",
    "clipping_experiment",
]


def recall_task(
    n: int,
    gap: int,
    n_symbols: int = 8,
    seed: int | None = None,
    distractors: str = "same",
) -> tuple[np.ndarray, np.ndarray]:
    """Make ``n`` sequences of the recall task with ``gap`` distractor steps.

    Returns ``(x, y)``: ``x`` float32 of shape ``(n, gap + 1, n_features)`` and ``y``
    int64 of shape ``(n,)`` with values in ``0 .. n_symbols - 1``. Labels are balanced:
    each symbol is the answer ``n // n_symbols`` or ``n // n_symbols + 1`` times.

    ``distractors="same"`` (the default, the real test): features are the ``n_symbols``
    one-hot symbols plus a flag, ``n_features = n_symbols + 1``; distractors are random
    symbols from the same alphabet with flag 0.
    ``distractors="separate"``: the symbol to remember uses ``n_symbols`` features and the
    distractors use another ``n_symbols`` features (no flag), ``n_features = 2 * n_symbols``.
    """
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
    if distractors == "same":
        x = np.zeros((n, gap + 1, n_symbols + 1), dtype=np.float32)
        x[rows, 0, y] = 1.0
        x[:, 0, n_symbols] = 1.0  # the flag: "remember this one"
        offset = 0
    else:
        x = np.zeros((n, gap + 1, 2 * n_symbols), dtype=np.float32)
        x[rows, 0, y] = 1.0
        offset = n_symbols
    if gap:
        x[rows[:, None], np.arange(1, gap + 1)[None, :], noise + offset] = 1.0
    return x, y


def chance_accuracy(n_symbols: int = 8) -> float:
    """Accuracy of guessing (or of always answering the same symbol): ``1 / n_symbols``."""
    return 1.0 / n_symbols


#: The models the sweep knows, by name. ``layer`` is a ``keras.layers`` class name; the
#: other keys are optional initial gate biases (see :func:`lstm_tutorial.gradients.set_gate_bias`):
#: ``forget_bias`` / ``input_bias`` for an LSTM, ``update_bias`` for a GRU. ``"LSTM"`` starts
#: its forget gates at sigma(5) = 0.993 and its input gates at sigma(-3) = 0.05 (remember by
#: default, write rarely); ``"LSTM (b_f=5)"`` raises the forget bias alone (input gates half
#: open, as in Keras); ``"LSTM (Keras default)"`` keeps Keras' b_f = 1, b_i = 0.
#: ``"GRU (b_z=3)"`` starts the GRU's update gate, the share of the old state it keeps, at
#: sigma(3) = 0.95 instead of Keras' 0.5: a start comparable to an LSTM with a high b_f.
#: Add your own entries.
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
    """The training budget and task size of notebook 01's sweep, the same for every model.

    (Not :class:`lstm_tutorial.training.TrainConfig`, which configures the IMDB classifiers.)
    """

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


def build_recall_model(
    name: str,
    n_features: int,
    n_classes: int,
    units: int = 32,
    specs: dict | None = None,
    steps: int | None = None,
):
    """A recurrent layer (by ``MODEL_SPECS`` name) followed by a softmax over the symbols.

    The recurrent layer reads the whole sequence and passes only its last hidden state
    h_T to the classifier, so everything about step 0 must survive the gap inside h_T.
    """
    import keras

    spec = _spec(name, specs)
    layer_cls = getattr(keras.layers, spec["layer"])
    rnn = layer_cls(units, name="rnn")
    model = keras.Sequential(
        [keras.Input((steps, n_features)), rnn, keras.layers.Dense(n_classes, activation="softmax")],
        name=re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "model",  # a valid Keras scope name
    )
    from .gradients import set_gate_bias

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


def train_one(
    name: str,
    gap: int,
    seed: int,
    config: SweepConfig = SweepConfig(),
    specs: dict | None = None,
    keep_model: bool = False,
) -> dict:
    """Train one model on the recall task with one gap and one seed.

    Each optimizer step sees a fresh batch (the task generator never runs out), so there
    is no overfitting to worry about: the budget is the number of steps. Every
    ``eval_every`` steps the model is checked on a validation set and training stops once
    it reaches ``target_accuracy``. The reported ``accuracy`` is on a separate test set.

    Returns a dict: model, gap, seed, accuracy, correct (right or wrong per test sequence),
    chance, steps, seconds, history (list of ``[step, validation accuracy]``) and, if
    ``keep_model``, the trained Keras model.
    """
    import keras

    cfg = config
    keras.utils.set_random_seed(seed)
    x_val, y_val = recall_task(cfg.n_val, gap, cfg.n_symbols, seed=10_000 + seed)
    x_test, y_test = recall_task(cfg.n_test, gap, cfg.n_symbols, seed=20_000 + seed)
    model = build_recall_model(name, x_val.shape[-1], cfg.n_symbols, cfg.units, specs)
    model.compile(
        optimizer=keras.optimizers.Adam(cfg.learning_rate, clipnorm=cfg.clipnorm),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=bool(cfg.jit_compile and gap >= cfg.jit_min_gap),
    )
    start = time.perf_counter()
    steps, history = 0, []
    chunk = 0
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
    # Right or wrong per test sequence: the same sequences for every model at this gap and
    # seed, so stats.compare can pair them (compare_points).
    correct = np.argmax(model.predict(x_test, batch_size=500, verbose=0), axis=-1) == y_test
    row = {
        "model": name,
        "gap": int(gap),
        "seed": int(seed),
        "accuracy": float(correct.mean()),
        "correct": correct,
        "chance": chance_accuracy(cfg.n_symbols),
        "steps": steps,
        "seconds": time.perf_counter() - start,
        "history": history,
    }
    if keep_model:
        row["keras_model"] = model
    return row


def run_sweep(
    models=("SimpleRNN", "GRU", "LSTM"),
    gaps=(10, 30, 100),
    seeds=(0, 1, 2),
    config: SweepConfig = SweepConfig(),
    specs: dict | None = None,
    keep_models: bool = False,
    verbose: bool = True,
) -> list[dict]:
    """Train every model on every gap with every seed; one call, one tidy list of rows.

    Each row is what :func:`train_one` returns (``keras_model`` only if ``keep_models``).
    Pass the rows to :func:`summarize` for mean and spread per (model, gap).
    """
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
                    print(
                        f"T={gap:4d}  {name:22s} seed={seed}  accuracy={row['accuracy']:.3f}  "
                        f"steps={row['steps']:4d}  {row['seconds']:5.1f}s",
                        flush=True,
                    )
    return rows


def summarize(rows: list[dict]) -> list[dict]:
    """Mean and spread of test accuracy per (model, gap), in the order first seen.

    Each summary row: model, gap, n (seeds), mean, std (sample, ddof=1: the same as
    :func:`lstm_tutorial.stats.summarise_seeds`), min, max,
    accuracies and seeds (per seed), correct (per seed, right or wrong per test sequence;
    None for rows without it), chance, seconds (total training time of the point).
    """
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["model"], row["gap"]), []).append(row)
    out = []
    for (name, gap), group in groups.items():
        acc = np.array([r["accuracy"] for r in group], dtype=np.float64)
        out.append(
            {
                "model": name,
                "gap": gap,
                "n": int(acc.size),
                "mean": float(acc.mean()),
                "std": float(acc.std(ddof=1)) if acc.size > 1 else 0.0,
                "min": float(acc.min()),
                "max": float(acc.max()),
                "accuracies": [float(a) for a in acc],
                "seeds": [int(r["seed"]) for r in group],
                "correct": [r["correct"] for r in group] if all("correct" in r for r in group) else None,
                "chance": float(group[0]["chance"]),
                "seconds": float(sum(r["seconds"] for r in group)),
            }
        )
    return out


def compare_points(a: dict, b: dict):
    """:func:`lstm_tutorial.stats.compare` of two summary points (from :func:`summarize`).

    Each point is one model at one gap, over seeds. The test sequences of a seed are the
    same for every model at that gap, so when both points carry their per-sequence results
    for the same seeds, the test-sample noise is measured by a paired bootstrap over those
    sequences; otherwise the verdict rests on the seeds alone. Returns the
    :class:`lstm_tutorial.stats.Comparison` of A minus B.
    """
    from .stats import compare

    for s in (a, b):
        if not {"accuracies", "n"} <= set(s):
            raise UsageError("compare_points() compares two rows of recall.summarize(...)")
    paired = (a.get("correct") is not None and b.get("correct") is not None
              and a.get("seeds") == b.get("seeds"))
    if not paired:
        return compare(a["accuracies"], b["accuracies"])
    return compare(a["accuracies"], b["accuracies"], a_examples=np.asarray(a["correct"], np.float64),
                   b_examples=np.asarray(b["correct"], np.float64))


def accuracy_table(summary: list[dict]) -> str:
    """A Markdown table: one line per model, one column per gap, "mean ± std (min-max)"."""
    gaps = sorted({s["gap"] for s in summary})
    names = list(dict.fromkeys(s["model"] for s in summary))
    cell = {(s["model"], s["gap"]): s for s in summary}
    n = max(s["n"] for s in summary)
    lines = [
        "| model | " + " | ".join(f"T = {g}" for g in gaps) + " |",
        "|---|" + "---|" * len(gaps),
    ]
    for name in names:
        parts = []
        for g in gaps:
            s = cell.get((name, g))
            parts.append(
                "" if s is None else f"{s['mean']:.3f} ± {s['std']:.3f} ({s['min']:.2f}-{s['max']:.2f})"
            )
        lines.append(f"| {name} | " + " | ".join(parts) + " |")
    lines.append("")
    lines.append(f"Test accuracy, mean ± standard deviation over {n} seeds (min-max in brackets).")
    return "\n".join(lines)



def clipping_experiment(
    radius: float = 1.1,
    gap: int = 50,
    learning_rate: float = 0.01,
    clipnorm: float = 1.0,
    steps: int = 80,
    n: int = 1024,
    batch_size: int = 128,
    units: int = 32,
    n_symbols: int = 8,
    seed: int = 0,
) -> dict:
    """The same exploding run three times: no clipping, per-variable and global clipping.

    The model is a linear RNN (``SimpleRNN(activation=None)``) whose recurrent kernel U is
    rescaled to spectral radius ``radius`` > 1, followed by a linear read-out (logits), on
    the recall task with ``gap`` distractors. All runs start from the same weights and see
    the same batches of plain SGD; only the clipping differs:

    * ``"no clipping"``;
    * ``"clipnorm=c"``: Keras' ``clipnorm`` rescales *each variable's* gradient separately to
      norm at most c (five variables here: input kernel, recurrent kernel, bias, read-out
      kernel and bias), so the whole step can be up to sqrt(5) c long and its direction
      changes (a variable with a small gradient is not scaled down with the others);
    * ``"global_clipnorm=c"``: the *whole* gradient, all variables together, is rescaled to
      norm at most c; its direction is kept.

    Returns a dict with ``norms`` (per-step norms of the loss gradient at initialisation,
    :func:`lstm_tutorial.gradients.gradient_norms` with the labels), ``losses`` (label ->
    training loss after each of ``steps`` SGD steps, NaN/inf kept), ``accuracy`` (final
    accuracy on the training sequences, NaN if the run diverged), ``variable_norms`` (name ->
    norm of each variable's gradient on the first batch at the start), ``radius``, ``gap``.
    """
    import keras
    import tensorflow as tf

    from .gradients import gradient_norms, scale_recurrent_weights

    x, y = recall_task(n, gap, n_symbols, seed=seed)
    keras.utils.set_random_seed(seed)
    template = keras.Sequential(
        [
            keras.Input((gap + 1, x.shape[-1])),
            keras.layers.SimpleRNN(units, activation=None, name="rnn"),
            keras.layers.Dense(n_symbols, name="logits"),
        ]
    )
    scale_recurrent_weights(template, radius)
    start_weights = template.get_weights()
    norms = gradient_norms(template, x[:64], y[:64], from_logits=True)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        first_loss = loss_fn(y[:batch_size], template(x[:batch_size], training=False))
    grads = tape.gradient(first_loss, template.trainable_variables)
    variable_norms = {v.path: float(np.linalg.norm(np.asarray(g))) for v, g in zip(template.trainable_variables, grads)}
    settings = (
        ("no clipping", {}),
        (f"clipnorm={clipnorm:g}", {"clipnorm": clipnorm}),
        (f"global_clipnorm={clipnorm:g}", {"global_clipnorm": clipnorm}),
    )
    losses, accuracy = {}, {}
    for label, clip in settings:
        model = keras.models.clone_model(template)
        model.set_weights(start_weights)
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate, **clip),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        run = []
        for step in range(steps):
            lo = (step * batch_size) % n
            out = model.train_on_batch(x[lo : lo + batch_size], y[lo : lo + batch_size], return_dict=True)
            run.append(float(out["loss"]))
        losses[label] = run
        acc = float(model.evaluate(x, y, batch_size=500, verbose=0)[1])
        accuracy[label] = acc if np.isfinite(run[-1]) else float("nan")
    return {"radius": radius, "gap": gap, "norms": norms, "losses": losses, "accuracy": accuracy,
            "variable_norms": variable_norms}
