"""A character-level language model on movie reviews: data, training, sampling, probes (notebook 04).

Characters, not words: a few dozen symbols (a tiny output layer, nothing out of vocabulary), and
quotes, parentheses and positions in a word become visible to the cells; the price is sequences
five times longer. Truncated backpropagation through time: the text is cut into ``batch`` streams
side by side, and each step reads the next ``seq_len`` characters of every stream from the states
the previous window ended with. The model takes its states as inputs and returns them
(:func:`build_char_lm`) and the loop carries them, so nothing depends on ``stateful=True`` (whose
Keras 2 recipes no longer work in Keras 3).
"""
from __future__ import annotations

import json
import math
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import keras
import numpy as np
from scipy.special import log_softmax

from ..io.errors import CorruptDataError, UsageError
from ..io import datasets, environment, paths, saving
from ..io.environment import DictConfig
from ..training import LR_SCHEDULES, learning_rate_schedule

#: Marks the end of one review and the start of the next in the training text.
SEPARATOR = "\n"
PAD, UNKNOWN = 0, 1

LM_MODEL_FILE = "lm.keras"
LM_VOCAB_FILE = "chars.json"
LM_CONFIG_FILE = "lm.json"
LM_FILES = (LM_MODEL_FILE, LM_VOCAB_FILE, LM_CONFIG_FILE)

#: The language model trained once with ``train-lm`` and shipped with the package
#: (notebook 04 loads it for its later sections; ``lm.json`` beside it says how it was made).
SHIPPED_LM = Path(__file__).resolve().parents[1] / "pretrained" / "char_lm"


# -------------------- Text and characters

def load_corpus(n_reviews: int | None = None, val_fraction: float = 0.05, seed: int = 0,
                splits: Sequence[str] = ("train", "unsup")) -> tuple[str, str]:
    """Training and validation text: ``n_reviews`` shuffled, cleaned reviews of ``splits`` (never the test
    split), each ending with :data:`SEPARATOR`; a share ``val_fraction`` of whole reviews is held out."""
    from ..text import clean

    if "test" in splits:
        raise UsageError("the language model never reads the test split: its reviews are the classifiers' exam")
    texts = []
    for split in splits:
        texts += datasets.load_imdb(split)[0]
    order = np.random.default_rng(seed).permutation(len(texts))
    if n_reviews is not None:
        order = order[:n_reviews]
    n_val = max(1, int(round(len(order) * val_fraction)))
    if len(order) - n_val < 1:
        raise UsageError(f"{len(order)} reviews are too few to hold out validation text")
    return tuple("".join(clean(texts[i]) + SEPARATOR for i in part) for part in (order[n_val:], order[:n_val]))


@dataclass
class CharVocab:
    """Characters <-> ids. Id 0 is padding, id 1 any character not in the list."""

    chars: list

    @classmethod
    def fit(cls, text: str, min_count: int = 20) -> "CharVocab":
        """Every character seen at least ``min_count`` times, most frequent first (ties: by character)."""
        counts = Counter(text)
        chars = sorted((c for c, n in counts.items() if n >= min_count), key=lambda c: (-counts[c], c))
        if SEPARATOR in counts and SEPARATOR not in chars:
            chars.append(SEPARATOR)
        return cls(chars)

    @property
    def size(self) -> int:
        return len(self.chars) + 2

    def encode(self, text: str) -> np.ndarray:
        index = {c: i + 2 for i, c in enumerate(self.chars)}
        return np.fromiter((index.get(c, UNKNOWN) for c in text), dtype=np.int32, count=len(text))

    def decode(self, ids) -> str:
        table = ["", "\ufffd"] + list(self.chars)
        return "".join(table[int(i)] if 0 <= int(i) < len(table) else "\ufffd" for i in np.asarray(ids).reshape(-1))

    def save(self, path) -> None:
        with paths.atomic_write(path, "w", encoding="utf-8") as fh:
            json.dump({"chars": self.chars}, fh, ensure_ascii=False)

    @classmethod
    def load(cls, path) -> "CharVocab":
        try:
            return cls(list(json.loads(Path(path).read_text(encoding="utf-8"))["chars"]))
        except (OSError, ValueError, KeyError) as exc:
            raise CorruptDataError(f"{path} is not a character list saved by CharVocab ({exc})") from exc


# -------------------- Streams and windows (truncated BPTT)

def streams(ids: np.ndarray, batch: int, offset: int = 0) -> np.ndarray:
    """Cut ``ids[offset:]`` into ``batch`` contiguous rows of equal length: row b continues row b's text."""
    ids = np.asarray(ids)[offset:]
    n = len(ids) // batch
    if n < 2:
        raise UsageError(f"{len(ids)} characters are too few for {batch} streams; use more text or a smaller batch")
    return ids[: n * batch].reshape(batch, n)


def windows(rows: np.ndarray, seq_len: int):
    """Consecutive ``(inputs, targets)`` windows of ``seq_len`` steps; targets are inputs moved by one."""
    n = rows.shape[1] - 1
    for start in range(0, n - seq_len + 1, seq_len):
        yield rows[:, start:start + seq_len], rows[:, start + 1:start + seq_len + 1]


def zero_states(model, batch: int) -> list:
    """All-zero initial states for ``model`` (one per state input)."""
    return [np.zeros((batch, int(inp.shape[-1])), np.float32) for inp in model.inputs[1:]]


def run_windows(model, ids: np.ndarray, seq_len: int, states=None):
    """``(logits (batch, T, vocab), final states)`` of ``model`` run over ``ids`` window by window, carrying states."""
    ids = np.asarray(ids, np.int32)
    states = zero_states(model, len(ids)) if states is None else states
    outs = []
    for start in range(0, ids.shape[1], seq_len):
        logits, *states = model([ids[:, start:start + seq_len], *states], training=False)
        outs.append(np.asarray(logits))
        states = [np.asarray(s) for s in states]
    return np.concatenate(outs, axis=1), states


# -------------------- Training

@dataclass(frozen=True)
class LMConfig(DictConfig):
    """Every choice of a language-model training run (the ``train-lm`` defaults)."""

    kind: str = "lstm"
    n_layers: int = 1
    embedding_dim: int = 32
    units: int = 128
    seq_len: int = 100
    batch_size: int = 64
    epochs: int = 1
    max_steps_per_epoch: int | None = None  # None: a whole pass over the training text
    learning_rate: float = 3e-3
    lr_schedule: str = "constant"  # or "cosine": decays to LR_FLOOR of learning_rate by the last step
    clipnorm: float = 1.0
    n_reviews: int | None = 8000
    val_chars: int | None = 200_000  # validation characters read after each epoch (None: all)
    seed: int = 0

    #: Fast mode for ``train-lm``: a small model on little text.
    FAST = dict(units=32, n_reviews=300, batch_size=16, seq_len=50, epochs=1)

    def validate(self) -> "LMConfig":
        _kind(self.kind)
        for name in ("n_layers", "units", "seq_len", "batch_size", "epochs", "embedding_dim"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise UsageError(f"unknown lr_schedule {self.lr_schedule!r}; choose one of {', '.join(LR_SCHEDULES)}")
        if not self.learning_rate > 0:
            raise UsageError(f"learning_rate must be positive, not {self.learning_rate}")
        return self

    def build(self, vocab_size: int):
        return build_char_lm(vocab_size, self.kind, self.embedding_dim, self.units, self.n_layers)


#: Where the cosine schedule ends, as a share of the learning rate: a rate that ends low lets
#: the last steps settle into a minimum instead of bouncing around it.
LR_FLOOR = 0.1


def _train_step(model, optimizer):
    """One compiled TBPTT step: ``(loss, new states)`` from a window and the carried states."""
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def step(x, y, states):
        with tf.GradientTape() as tape:
            logits, *new_states = model([x, *states], training=True)
            loss = keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss, new_states

    return step


def bits_per_char(model, ids: np.ndarray, seq_len: int = 200, batch: int = 32) -> float:
    """Mean bits per character of predicting each next character of ``ids``, with the states carried
    as in training (the mean of :func:`carried_bits`)."""
    return float(carried_bits(model, ids, seq_len, batch)[0].mean())


def train_lm(model, train_ids: np.ndarray, val_ids: np.ndarray, config: LMConfig, run_dir=None,
             verbose: bool = True, vocab: "CharVocab | None" = None, max_minutes: float | None = None) -> dict:
    """Truncated BPTT with carried states, Adam and gradient clipping: ``{"history", "seconds",
    "resumed_from_epoch", "stopped_early"}``. Each epoch starts the streams at a new random offset (so
    window borders move). With ``run_dir`` (and ``vocab``) the model, Adam's state and the history are
    saved after every epoch, and the same call resumes there; ``max_minutes`` stops between epochs."""
    say = print if verbose else (lambda *a, **k: None)
    if config.val_chars:
        val_ids = val_ids[:config.val_chars]
    per_epoch = (len(train_ids) // config.batch_size - 1) // config.seq_len
    total_steps = config.epochs * min(per_epoch, config.max_steps_per_epoch or per_epoch)
    schedule = learning_rate_schedule(config.lr_schedule, config.learning_rate, total_steps, floor=LR_FLOOR)
    optimizer = keras.optimizers.Adam(schedule, clipnorm=config.clipnorm)
    model.compile(optimizer=optimizer)  # saved with the model, so a resume continues Adam's moments
    checkpoint = Path(run_dir) / "checkpoint" if run_dir is not None else None
    if checkpoint is not None and vocab is None:
        raise UsageError("train_lm saves a run_dir checkpoint with its characters: pass vocab= too")
    fingerprint = json.dumps({**{k: v for k, v in config.to_dict().items() if k != "epochs"},
                              "chars": vocab.chars if vocab else None}, sort_keys=True)
    history = _resume_lm(model, optimizer, checkpoint, fingerprint, say) if checkpoint is not None else []
    start_epoch, stopped_early = len(history), False
    step = _train_step(model, optimizer)
    t0 = time.perf_counter()
    for epoch in range(start_epoch, config.epochs):
        t_epoch = time.perf_counter()
        losses = _lm_epoch(step, model, train_ids, config, epoch, say if verbose else None)
        val = bits_per_char(model, val_ids, seq_len=config.seq_len)
        history.append({"epoch": epoch + 1, "steps": len(losses),
                        "train_bits_per_char": float(np.mean(losses)) / math.log(2), "val_bits_per_char": val,
                        "seconds": time.perf_counter() - t_epoch,
                        "chars_seen": (history[-1]["chars_seen"] if history else 0)
                        + len(losses) * config.batch_size * config.seq_len})
        say(f"epoch {epoch + 1}: train {history[-1]['train_bits_per_char']:.3f}, validation {val:.3f} "
            f"bits/char ({history[-1]['seconds']:.0f} s)")
        if checkpoint is not None:
            saving.save_model_folder(checkpoint, model, vocab, config, names=LM_FILES, fingerprint=fingerprint,
                                      history=history)
        if max_minutes is not None and time.perf_counter() - t0 > 60 * max_minutes and epoch + 1 < config.epochs:
            say(f"stopping after epoch {epoch + 1}: the {max_minutes:g} minutes are up (run again to resume)")
            stopped_early = True
            break
    return {"history": history, "seconds": time.perf_counter() - t0, "resumed_from_epoch": start_epoch,
            "stopped_early": stopped_early}


def _resume_lm(model, optimizer, checkpoint: Path, fingerprint: str, say) -> list:
    """The history saved in ``checkpoint`` ([] if none), its weights and Adam's moments copied in."""
    if not (checkpoint / LM_CONFIG_FILE).is_file():
        return []
    if saving.read_manifest(checkpoint, LM_CONFIG_FILE).get("fingerprint") != fingerprint:
        raise UsageError(f"{checkpoint} holds a run with other settings; delete it or choose another folder")
    restored, _, _, info = saving.load_model_folder(checkpoint, names=LM_FILES, vocab_class=CharVocab, config_class=LMConfig,
                                             how_to_train=f"delete {checkpoint} to start over")
    model.set_weights(restored.get_weights())
    optimizer.build(model.trainable_variables)
    for mine, theirs in zip(optimizer.variables, restored.optimizer.variables):
        mine.assign(theirs)
    say(f"resuming from {checkpoint} after epoch {len(info['history'])}")
    return info["history"]


def _lm_epoch(step, model, train_ids: np.ndarray, config: LMConfig, epoch: int, say=None) -> list[float]:
    """One epoch of :func:`train_lm`: the training loss of each window (reports progress with ``say``)."""
    rng = np.random.default_rng(config.seed + epoch)
    rows = streams(train_ids, config.batch_size, offset=int(rng.integers(config.seq_len)))
    n_steps = total = (rows.shape[1] - 1) // config.seq_len
    if config.max_steps_per_epoch and config.max_steps_per_epoch < total:
        # Shorter epochs read on where the last one stopped, so no text is read twice too soon.
        n_steps = config.max_steps_per_epoch
        rows = rows[:, ((epoch * n_steps) % (total - n_steps + 1)) * config.seq_len:]
    states = zero_states(model, config.batch_size)
    t0, losses = time.perf_counter(), []
    for k, (x, y) in enumerate(windows(rows, config.seq_len)):
        if k >= n_steps:
            break
        loss, states = step(x, y, states)
        losses.append(float(loss))
        if say and (k + 1) % max(1, n_steps // 10) == 0:
            rate = (k + 1) * x.size / (time.perf_counter() - t0)
            say(f"  epoch {epoch + 1}/{config.epochs} step {k + 1}/{n_steps}: train "
                f"{np.mean(losses[-50:]) / math.log(2):.3f} bits/char ({rate:,.0f} chars/s)")
            sys.stdout.flush()
    return losses


def save_lm(folder, model, vocab: CharVocab, config: LMConfig, metrics: dict | None = None,
            recipe: dict | None = None) -> Path:
    """Write ``lm.keras`` (without the optimizer: a third of the size), ``chars.json`` and ``lm.json``
    (config, metrics, recipe and the other files' SHA-256) into ``folder``, all or nothing."""
    plain = keras.Model(model.inputs, model.outputs, name=model.name)  # the same layers, no optimizer attached
    return saving.save_model_folder(folder, plain, vocab, config, metrics, names=LM_FILES, recipe=recipe or {})


def load_lm(folder, require_hash: bool = False):
    """``(model, vocab, config)`` saved by :func:`save_lm` (or ``train-lm``); a file that does not
    match the SHA-256 in ``lm.json`` is refused (a manifest without them only if ``require_hash``)."""
    environment.quiet_tensorflow()
    model, vocab, config, _ = saving.load_model_folder(
        folder, names=LM_FILES, vocab_class=CharVocab, config_class=LMConfig, require_hash=require_hash,
        how_to_train=f"train one with `python -m lstm_tutorial train-lm --out {folder}`")
    return model, vocab, config


def load_shipped_lm():
    """``(model, vocab, config, info)`` of the model shipped in :data:`SHIPPED_LM`; ``info`` is its ``lm.json``."""
    model, vocab, config = load_lm(SHIPPED_LM, require_hash=True)
    return model, vocab, config, saving.read_manifest(SHIPPED_LM, LM_CONFIG_FILE)


# -------------------- Sampling

def next_char_probabilities(logits, temperature: float = 1.0, top_k: int | None = None) -> np.ndarray:
    """The distribution to sample the next character from, per row of ``logits`` (padding and unknown never):
    ``temperature`` below 1 sharpens it, above 1 flattens it, 0 is greedy; ``top_k`` keeps the k most likely."""
    z = np.array(logits, dtype=np.float64, copy=True)
    z[..., :2] = -np.inf
    if temperature < 0:
        raise UsageError(f"temperature must be 0 (greedy) or positive, not {temperature}")
    if top_k is not None:
        if top_k < 1:
            raise UsageError(f"top_k must be at least 1, not {top_k}")
        kth = np.sort(z, axis=-1)[..., -min(top_k, z.shape[-1])][..., None]
        z = np.where(z < kth, -np.inf, z)
    if temperature == 0:
        p = (z == z.max(axis=-1, keepdims=True)).astype(np.float64)
    else:
        z = (z - z.max(axis=-1, keepdims=True)) / temperature
        p = np.exp(z)
    return p / p.sum(axis=-1, keepdims=True)


def sample(model, vocab: CharVocab, prompt: str, length: int = 300, temperature: float = 1.0,
           top_k: int | None = None, n: int = 1, seed: int = 0) -> list[str]:
    """``n`` continuations of ``prompt`` (cleaned like the training text), ``length`` characters each."""
    import tensorflow as tf

    from ..text import clean

    if length < 0:
        raise UsageError(f"length must be 0 or more, not {length}")

    @tf.function(reduce_retracing=True)
    def step(x, states):
        logits, *new_states = model([x, *states], training=False)
        return logits[:, -1], new_states

    prompt_ids = vocab.encode(SEPARATOR + clean(prompt) if prompt else SEPARATOR)
    rng = np.random.default_rng(seed)
    logits, states = step(np.repeat(prompt_ids[None, :], n, axis=0), zero_states(model, n))
    out = np.zeros((n, length), np.int32)
    for t in range(length):
        p = next_char_probabilities(np.asarray(logits), temperature, top_k)
        nxt = np.array([rng.choice(p.shape[-1], p=row) for row in p], np.int32)
        out[:, t] = nxt
        logits, states = step(nxt[:, None], states)
    return [vocab.decode(row) for row in out]


def word_list(text: str, min_count: int = 3) -> set[str]:
    """The words (runs of a-z) seen at least ``min_count`` times in ``text``: rarer ones are often typos."""
    counts = Counter(re.findall(r"[a-z]+", text))
    return {w for w, c in counts.items() if c >= min_count}


def real_word_share(texts: Sequence[str], words: set[str]) -> tuple[float, int]:
    """``(share, n)``: the share of the ``n`` words of ``texts`` that are in ``words`` (the last word of
    each text is left out: a sample may stop in the middle of it)."""
    found = []
    for text in texts:
        found += re.findall(r"[a-z]+", text.lower())[:-1]
    if not found:
        return float("nan"), 0
    return float(np.mean([w in words for w in found])), len(found)


def continuation_bits_many(model, vocab: CharVocab, pairs: Sequence[tuple[str, str]]) -> list[float]:
    """Bits the model needs to write each ``continuation`` after its ``context``, which is cleaned like the
    training text (losing trailing spaces); the continuation is only lower-cased, so write its leading space."""
    from ..text import clean

    encoded = []
    for context, continuation in pairs:
        ctx, cont = vocab.encode(SEPARATOR + clean(context)), vocab.encode(continuation.lower())
        encoded.append((np.concatenate([ctx, cont]), len(ctx)))
    out = [0.0] * len(pairs)
    by_length: dict[int, list[int]] = {}
    for i, (ids, _) in enumerate(encoded):
        by_length.setdefault(len(ids), []).append(i)
    for rows in by_length.values():
        ids = np.stack([encoded[i][0] for i in rows])
        logits = np.asarray(model([ids[:, :-1], *zero_states(model, len(rows))], training=False)[0])
        logp = log_softmax(logits.astype(np.float64), axis=2)
        for j, i in enumerate(rows):
            steps = np.arange(encoded[i][1] - 1, ids.shape[1] - 1)
            out[i] = float(-logp[j, steps, ids[j, steps + 1]].sum() / math.log(2))
    return out


# -------------------- Looking inside: per-character states and features a person can name

def lstm_trace(model, vocab: CharVocab, text, layer: str = "rnn_1") -> dict:
    """Gates and states (f, i, g, o, c, h) of an LSTM layer of ``model`` at every character of ``text`` (one
    string, or a list of strings of equal length), read by notebook 02's :class:`~lstm_tutorial.layers.GatedLSTM`."""
    from ..layers import GatedLSTM, load_keras_lstm_weights

    single = isinstance(text, str)
    texts = [text] if single else list(text)
    if len({len(t) for t in texts}) != 1:
        raise UsageError("lstm_trace reads several texts in parallel only when they have the same length")
    lstm = model.get_layer(layer)
    ids = np.stack([vocab.encode(t) for t in texts])
    n = int(layer.rsplit("_", 1)[1])
    inputs = model.get_layer("embedding").output if n == 1 else model.get_layer(f"rnn_{n - 1}").output[0]
    below = keras.Model(model.inputs, inputs)
    x = np.asarray(below([ids, *zero_states(model, len(ids))]))
    gated = GatedLSTM(lstm.units, return_sequences=True)
    gated(x[:1, :1])
    load_keras_lstm_weights(gated, lstm)
    trace = gated.trace(x)
    return {k: v[0] for k, v in trace.items()} if single else trace


def text_features(text: str) -> dict[str, np.ndarray]:
    """Per-character features a person can name, each a float array of ``len(text)``: inside quotes,
    inside parentheses, position in sentence (since . ! ?), position in word (0 on a space), space."""
    n = len(text)
    quote, paren, sent, word, space = (np.zeros(n, np.float32) for _ in range(5))
    in_quote, depth, since_stop, since_space = False, 0, 0, 0
    for t, ch in enumerate(text):
        if ch == SEPARATOR:
            in_quote, depth, since_stop, since_space = False, 0, 0, 0
        elif ch == '"':
            in_quote = not in_quote
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        quote[t] = in_quote
        paren[t] = depth > 0
        sent[t] = since_stop
        since_stop = 0 if ch in ".!?" or ch == SEPARATOR else since_stop + 1
        since_space = 0 if ch in " " + SEPARATOR else since_space + 1
        word[t] = since_space
        space[t] = ch == " "
    return {"inside quotes": quote, "inside parentheses": paren, "position in sentence": sent,
            "position in word": word, "space": space}


def correlations(states: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """Pearson correlation of each unit (column of ``states`` (T, units)) with ``feature`` (T,)."""
    s = np.asarray(states, np.float64)
    f = np.asarray(feature, np.float64)
    if s.shape[0] != f.shape[0]:
        raise UsageError(f"states have {s.shape[0]} steps, the feature {f.shape[0]}")
    s = s - s.mean(axis=0)
    f = f - f.mean()
    denom = np.sqrt((s ** 2).sum(axis=0) * (f ** 2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (s * f[:, None]).sum(axis=0) / denom
    return np.nan_to_num(r)


def find_units(states_search: np.ndarray, features_search: dict, states_check: np.ndarray,
               features_check: dict, threshold: float = 0.3) -> list[dict]:
    """For each feature, the unit most correlated with it on the *search* text, and its correlation on the
    *check* text: the best of 128 units flatters itself (some correlate with anything by chance)."""
    rows = []
    for name, feature in features_search.items():
        row = {"feature": name, "unit": None, "r_search": float("nan"), "r_check": float("nan"), "found": False}
        if np.std(feature) > 0 and np.std(features_check[name]) > 0:   # a constant feature has no correlation
            r = correlations(states_search, feature)
            unit = int(np.argmax(np.abs(r)))
            r_check = float(correlations(states_check[:, [unit]], features_check[name])[0])
            row.update(unit=unit, r_search=float(r[unit]), r_check=r_check,
                       found=bool(np.sign(r_check) == np.sign(r[unit]) and abs(r_check) >= threshold))
        rows.append(row)
    return rows


# -------------------- How far back does a prediction depend on its input?

def carried_bits(model, ids: np.ndarray, seq_len: int = 100, batch: int = 32):
    """``(bits, rows, borders)``: ``bits[b, j]`` is the cost of ``rows[b, j + 1]`` with the state carried over
    ``rows[b, :j + 1]`` (``batch`` streams); ``borders[w]`` the states at the start of window ``w``."""
    import tensorflow as tf

    rows = streams(ids, min(batch, max(1, len(ids) // (seq_len + 1))))
    states = zero_states(model, len(rows))

    @tf.function(reduce_retracing=True)
    def run(x, y, states):
        logits, *new_states = model([x, *states], training=False)
        nats = tf.keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
        return nats, new_states

    bits, borders = [], []
    for x, y in windows(rows, seq_len):
        borders.append([np.asarray(s) for s in states])
        nats, states = run(x, y, states)
        bits.append(np.asarray(nats, np.float64) / math.log(2))
    if not bits:
        raise UsageError("validation text shorter than one window; use more text or a smaller seq_len")
    return np.concatenate(bits, axis=1), rows, borders


def context_curve(model, ids: np.ndarray, contexts: Sequence[int], n: int = 1500, seed: int = 0,
                  seq_len: int = 100, batch: int = 32, start: str = "warm", chunk: int = 500) -> dict:
    """Bits per character when the model may read only the last ``k`` characters, against the full state:
    ``{"full", "curve": {k: bits}, "targets"}``, one value per drawn position (the same for every k).

    Each read starts from zeros or (``start="warm"``) a state reached at a window border of another stream:
    it knows nothing of this text, so small k measure the missing context, not the surprise of a zero state.
    """
    if start not in ("warm", "zero"):
        raise UsageError(f"start must be 'warm' or 'zero', not {start!r}")
    bits, rows, borders = carried_bits(model, ids, seq_len, batch)
    longest = max(contexts)
    if min(contexts) < 1 or bits.shape[1] <= longest:
        raise UsageError(f"contexts must be at least 1 and shorter than a stream ({bits.shape[1]} characters)")
    rng = np.random.default_rng(seed)
    b = rng.integers(0, len(rows), size=n)
    j = rng.integers(longest - 1, bits.shape[1], size=n)   # predicts rows[b, j + 1] from rows[b, :j + 1]
    # donors: another stream (so another part of the text), at a random window border
    donor_b = (b + rng.integers(1, max(2, len(rows)), size=n)) % len(rows)
    donor_w = rng.integers(0, len(borders), size=n)
    out = {"full": bits[b, j], "curve": {}, "targets": b * rows.shape[1] + j + 1}
    for k in contexts:
        got = []
        for s in range(0, n, chunk):
            part = slice(s, s + chunk)
            x = np.stack([rows[bi, ji + 1 - k:ji + 1] for bi, ji in zip(b[part], j[part])]).astype(np.int32)
            if start == "warm":
                states = [np.stack([borders[w][i][d] for w, d in zip(donor_w[part], donor_b[part])])
                          for i in range(len(borders[0]))]
            else:
                states = zero_states(model, len(x))
            logits = np.asarray(model([x, *states], training=False)[0][:, -1], np.float64)  # eager: k varies
            got.append(-log_softmax(logits, axis=1)[np.arange(len(x)), rows[b[part], j[part] + 1]] / math.log(2))
        out["curve"][int(k)] = np.concatenate(got)
    return out


def mention_effect(rows: Sequence[tuple], label: str, role: str, names: Sequence[str]) -> dict:
    """Bits a name saves when it plays ``role`` in story ``label``, against the same name unmentioned
    (``rows``: ``(story, greeter, other, name, role, bits)``; pairs matched by name and greeter)."""
    from ..stats import paired_difference_interval

    def bits_of(name, greeter, wanted):
        return [r[5] for r in rows if r[0] == label and r[3] == name and r[4] == wanted
                and (r[1] == greeter if wanted != "greeter" else r[1] == name)]

    pairs_in, pairs_out = [], []
    for greeter in names:
        for name in names:
            if role == "answer" and name == greeter:
                continue
            mentioned, absent = bits_of(name, greeter, role), bits_of(name, greeter, "not mentioned")
            if mentioned and absent:
                pairs_in.append(np.mean(mentioned))
                pairs_out.append(np.mean(absent))
    return paired_difference_interval(pairs_out, pairs_in)


# -------------------- A character n-gram reference: interpolated Kneser-Ney

class KneserNey:
    """Interpolated Kneser-Ney character n-grams: ``nltk.lm.KneserNeyInterpolated``'s estimate (tested to 1e-9).

    Not ``nltk.lm`` itself: it fits about 50,000 characters a second; here an n-gram is one integer,
    counted by ``np.unique`` and scored by a vectorised lookup, so millions of characters take seconds.
    """

    def __init__(self, order: int, discount: float = 0.75, base: int = 128):
        if not 1 <= order <= 63 // max(1, math.ceil(math.log2(base))) or not 0 <= discount <= 1:
            raise UsageError(f"order {order} does not fit in 63 bits with base {base}, or discount not in [0, 1]")
        self.order, self.discount, self.base = order, float(discount), base

    def _codes(self, ids: np.ndarray, m: int) -> np.ndarray:
        """Every m-gram of ``ids`` as one integer (the first character most significant)."""
        code = np.zeros(len(ids) - m + 1, np.int64)
        for i in range(m):
            code = code * self.base + ids[i:len(ids) - m + 1 + i]
        return code

    def _grouped(self, codes: np.ndarray, counts: np.ndarray):
        """Per context of the n-grams ``codes`` (all but their last character): the sum of ``counts`` and
        the number of n-grams (contexts sorted)."""
        uniq, first, n = np.unique(codes // self.base, return_index=True, return_counts=True)
        return uniq, np.add.reduceat(counts, first) if len(counts) else counts, n

    def fit(self, ids) -> "KneserNey":
        ids = np.asarray(ids, np.int64)
        if ids.min() < 0 or ids.max() >= self.base:
            raise UsageError(f"character ids must lie in [0, {self.base})")
        self.raw, self.cont, self.prefix = {}, {}, {}
        for m in range(1, self.order + 1):
            self.raw[m] = np.unique(self._codes(ids, m), return_counts=True)
        for m in range(1, self.order):   # continuation counts: distinct characters before each m-gram
            self.cont[m] = np.unique(self.raw[m + 1][0] % self.base ** m, return_counts=True)
        for m in range(1, self.order + 1):
            # per context (the first m - 1 characters): raw total, distinct followers (raw),
            # and the continuation total of the lower orders
            ctx, total, followers = self._grouped(*self.raw[m])
            self.prefix[m] = (ctx, total, followers, self._grouped(*self.cont[m])[:2] if m < self.order else None)
        return self

    @staticmethod
    def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(keys, query), max(len(keys) - 1, 0))
        hit = (keys[at] == query) if len(keys) else np.zeros(len(query), bool)
        return np.where(hit, values[at] if len(keys) else 0, 0).astype(np.float64)

    def probabilities(self, ids, targets, order: int | None = None, discount: float | None = None) -> np.ndarray:
        """P(ids[t] | the ``order - 1`` characters before it) for each t in ``targets`` (default: the model's)."""
        order = self.order if order is None else order
        discount = self.discount if discount is None else float(discount)
        ids, targets = np.asarray(ids, np.int64), np.asarray(targets)
        if not 1 <= order <= self.order or targets.min() < order - 1:
            raise UsageError(f"order must be 1..{self.order} and every target needs {order - 1} characters before it")
        word = ids[targets]
        codes, counts = self.cont[1] if self.order > 1 else self.raw[1]
        p = self._lookup(codes, counts, word) / counts.sum()          # unigram: continuation share
        for m in range(2, order + 1):
            ctx = np.zeros(len(targets), np.int64)
            for i in range(m - 1, 0, -1):
                ctx = ctx * self.base + ids[targets - i]
            gram = ctx * self.base + word
            keys, total, followers, cont_total = self.prefix[m]
            followers = self._lookup(keys, followers, ctx)
            if m == order:
                num, den = self._lookup(*self.raw[m], gram), self._lookup(keys, total, ctx)
            else:
                num, den = self._lookup(*self.cont[m], gram), self._lookup(*cont_total, ctx)
            seen = (followers > 0) & (den > 0)   # nltk: an unseen context passes the lower order on
            safe = np.where(seen, den, 1.0)
            alpha = np.maximum(num - discount, 0.0) / safe
            gamma = discount * followers / safe
            p = np.where(seen, alpha + gamma * p, p)
        return p

    def bits(self, ids, targets, order: int | None = None, discount: float | None = None) -> np.ndarray:
        """-log2 of :meth:`probabilities`: the bits each target character costs."""
        return -np.log2(self.probabilities(ids, targets, order, discount))


# -------------------- Pre-training -> sentiment

def encode_reviews(vocab: CharVocab, texts: Sequence[str], length: int) -> np.ndarray:
    """The last ``length`` characters of each cleaned review, right-padded with 0."""
    from ..text import clean

    out = np.zeros((len(texts), length), np.int32)
    for i, t in enumerate(texts):
        ids = vocab.encode(clean(t))[-length:]
        out[i, :len(ids)] = ids
    return out


def copy_lm_weights(lm, classifier) -> None:
    """Copy a one-layer language model's embedding and recurrent layer into a char classifier."""
    for name in ("embedding", "rnn_1"):
        classifier.get_layer(name).set_weights(lm.get_layer(name).get_weights())


def lm_features(lm, ids: np.ndarray, batch: int = 128) -> np.ndarray:
    """Frozen features ``(n, 2 * units)`` of right-padded reviews: mean and last h_t of the LM's first layer.
    No mask: the padding comes after a review's states and both features skip it (a mask is slower)."""
    import tensorflow as tf

    emb, layer = lm.get_layer("embedding"), lm.get_layer("rnn_1")

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None], tf.int32)])
    def run(x, lengths):  # one trace for every batch width
        seq = layer(emb(x))[0]
        m = tf.sequence_mask(lengths, tf.shape(x)[1], dtype=seq.dtype)[..., None]
        mean = tf.reduce_sum(seq * m, axis=1) / tf.maximum(tf.reduce_sum(m, axis=1), 1.0)
        last = tf.gather(seq, tf.maximum(lengths - 1, 0), batch_dims=1)
        return tf.concat([mean, last], axis=1)

    ids = np.asarray(ids, np.int32)
    lengths = (ids != PAD).sum(axis=1).astype(np.int32)
    order = np.argsort(lengths, kind="stable")
    out = np.zeros((len(ids), 2 * layer.units), np.float32)
    with environment.stderr_silenced():  # oneDNN logs a harmless line from C++ about boolean ops on some CPUs
        for s in range(0, len(ids), batch):
            rows = order[s:s + batch]
            width = max(1, int(lengths[rows].max()))
            out[rows] = np.asarray(run(ids[rows, :width], lengths[rows]))
    return out


#: Recurrent layer kinds a character language model can be built from: the Keras layer, the
#: states each layer carries ((h, c) or h) and its blocks of gate weights.
LM_KINDS = {"lstm": ("LSTM", 2, 4), "rnn": ("SimpleRNN", 1, 1)}


def _kind(kind: str) -> tuple:
    if kind not in LM_KINDS:
        raise UsageError(f"unknown language-model kind {kind!r}; choose one of {', '.join(LM_KINDS)}")
    return LM_KINDS[kind]


def build_char_lm(vocab_size: int, kind: str = "lstm", embedding_dim: int = 32, units: int = 128,
                  n_layers: int = 1):
    """A character language model whose states go in and come out (for truncated BPTT): ``[ids, *states]`` ->
    ``[logits, *states]``, states ``[h_1, c_1, h_2, c_2, ...]`` (LSTM) or ``[h_1, h_2, ...]`` (SimpleRNN)."""
    if vocab_size < 3:
        raise UsageError("vocab_size must be at least 3 (padding, unknown and one character)")
    if n_layers < 1:
        raise UsageError(f"n_layers must be at least 1, not {n_layers}")
    layer_class, per_layer, _ = _kind(kind)
    ids = keras.Input(shape=(None,), dtype="int32", name="char_ids")
    states_in = [keras.Input(shape=(units,), name=f"state_{i}") for i in range(per_layer * n_layers)]
    x = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")(ids)
    states_out = []
    for layer in range(n_layers):
        rnn = getattr(keras.layers, layer_class)(units, return_sequences=True, return_state=True,
                                                 name=f"rnn_{layer + 1}")
        x, *states = rnn(x, initial_state=states_in[layer * per_layer:(layer + 1) * per_layer])
        states_out += states
    logits = keras.layers.Dense(vocab_size, dtype="float32", name="logits")(x)
    return keras.Model([ids, *states_in], [logits, *states_out], name=f"char_{kind}_lm_{n_layers}x{units}")


def char_lm_params(vocab_size: int, kind: str = "lstm", embedding_dim: int = 32, units: int = 128,
                   n_layers: int = 1) -> int:
    """The parameter count of :func:`build_char_lm`, computed without building it."""
    gates = _kind(kind)[2]
    total, inputs = vocab_size * embedding_dim, embedding_dim
    for _ in range(n_layers):
        total += gates * (units * (inputs + units) + units)
        inputs = units
    return total + units * vocab_size + vocab_size


def units_for_params(target: int, vocab_size: int, kind: str, embedding_dim: int = 32, n_layers: int = 1) -> int:
    """The width at which a ``kind`` model has the parameter count closest to ``target`` (to compare an
    LSTM with a SimpleRNN of the same size: at the same width it has a quarter of the weights)."""
    if target < 1:
        raise UsageError(f"target must be a positive parameter count, not {target}")
    units, best = 1, None
    while True:
        n = char_lm_params(vocab_size, kind, embedding_dim, units, n_layers)
        if best is None or abs(n - target) < abs(best[1] - target):
            best = (units, n)
        if n > target:
            return best[0]
        units += 1


def build_char_classifier(vocab_size: int, kind: str = "lstm", embedding_dim: int = 32, units: int = 128,
                          learning_rate: float = 1e-3):
    """Character ids -> Embedding -> recurrent layer -> masked mean of h_t -> P(positive); its ``embedding``
    and ``rnn_1`` match a one-layer :func:`build_char_lm`'s, for :func:`copy_lm_weights`."""
    ids = keras.Input(shape=(None,), dtype="int32", name="char_ids")
    x = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True, name="embedding")(ids)
    h = getattr(keras.layers, _kind(kind)[0])(units, return_sequences=True, name="rnn_1")(x)
    pooled = keras.layers.GlobalAveragePooling1D(name="mean_over_time")(h)
    out = keras.layers.Dense(1, activation="sigmoid", dtype="float32", name="positive_probability")(pooled)
    model = keras.Model(ids, out, name=f"char_{kind}_classifier")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=["accuracy"])
    return model
