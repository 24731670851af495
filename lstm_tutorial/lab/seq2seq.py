"""Notebook 06's harness: encoder–decoders that spell out a pronunciation or a date.

:func:`make_dates` and :func:`split_words`, :class:`Symbols` and :func:`batches` make the data,
:func:`build_seq2seq` the model (what ``train-g2p`` trains), :class:`Decoder` decodes it and
:func:`error_rates` scores it. The decoder reads its own previous output at every step (free
running), which is what a user gets; teacher forcing is only how it is trained
(:func:`teacher_forced_hits` measures the gap). Padding is excluded everywhere: the loss and every
metric weigh real output positions only, and the attention never looks at padded letters, so the
amount of padding changes no output.
"""
from __future__ import annotations

import itertools
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import keras
import numpy as np

from ..io.errors import UsageError
from ..layers import BahdanauAttention
from ..io.environment import DictConfig

__all__ = ["PAD", "START", "END", "Symbols", "G2PConfig", "make_dates", "date_alignment_hits", "split_words", "pad",
           "batches", "dataset", "training_pairs", "build_seq2seq", "Decoder", "EnsembleDecoder", "error_rates",
           "teacher_forced_hits", "free_running_hits", "position_errors", "train_g2p", "load_g2p", "SHIPPED_G2P",
           "SHIPPED_G2P_PLAIN", "SHIPPED_G2P_LARGE"]

PAD, START, END = 0, 1, 2
_SPECIALS = ("<pad>", "<s>", "</s>")
G2P_FILES = ("g2p.keras", "symbols.json", "g2p.json")
SHIPPED_G2P = Path(__file__).resolve().parents[1] / "pretrained" / "g2p"
SHIPPED_G2P_PLAIN = SHIPPED_G2P.with_name("g2p_plain")  # the same recipe without attention
SHIPPED_G2P_LARGE = SHIPPED_G2P.with_name("g2p_large")  # the same recipe with --units 384


# --------------------------------------------------------------------------- symbols
@dataclass(frozen=True)
class Symbols:
    """The two alphabets: ``letters`` (source) and ``phonemes`` (target), each after the
    three special ids ``PAD`` (0), ``START`` (1) and ``END`` (2)."""

    letters: tuple[str, ...]
    phonemes: tuple[str, ...]

    @classmethod
    def fit(cls, sources: Sequence[Sequence[str]], targets: Sequence[Sequence[str]]) -> "Symbols":
        return cls(tuple(sorted({s for seq in sources for s in seq})),
                   tuple(sorted({s for seq in targets for s in seq})))

    @property
    def n_letters(self) -> int:
        return len(_SPECIALS) + len(self.letters)

    @property
    def n_phonemes(self) -> int:
        return len(_SPECIALS) + len(self.phonemes)

    def encode_sources(self, sources: Sequence[Sequence[str]]) -> list[list[int]]:
        """Letter ids of each source; a symbol never seen in training is a :class:`UsageError`."""
        index = {s: i for i, s in enumerate(self.letters, start=len(_SPECIALS))}
        out = []
        for seq in sources:
            unknown = sorted({s for s in seq if s not in index})
            if unknown or not seq:
                raise UsageError(f"cannot spell {''.join(seq)!r}: use only {''.join(self.letters)!r}"
                                 + (f" (not {''.join(unknown)!r})" if unknown else " (it is empty)"))
            out.append([index[s] for s in seq])
        return out

    def encode_targets(self, targets: Sequence[Sequence[str]]) -> list[list[int]]:
        """``START``, the phoneme ids, ``END``: the decoder reads all but the last, predicts all but the first."""
        index = {s: i for i, s in enumerate(self.phonemes, start=len(_SPECIALS))}
        return [[START, *(index[s] for s in seq), END] for seq in targets]

    def decode(self, ids: Sequence[int]) -> tuple[str, ...]:
        """Phonemes up to the first ``END`` (specials dropped)."""
        ids = itertools.takewhile(lambda i: i != END, ids)
        return tuple(self.phonemes[i - len(_SPECIALS)] for i in ids if i >= len(_SPECIALS))

    def save(self, path) -> None:
        Path(path).write_text(json.dumps({"letters": self.letters, "phonemes": self.phonemes}) + "\n",
                              encoding="utf-8")

    @classmethod
    def load(cls, path) -> "Symbols":
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(tuple(payload["letters"]), tuple(payload["phonemes"]))


# --------------------------------------------------------------------------- dates
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_DATE_FORMATS = ("{month} {day}, {year}", "{day} {month} {year}", "{mon} {day} {year}",
                 "{day} {mon}, {year}", "{month} {day} {year}")


def make_dates(n: int, seed: int = 0) -> list[tuple[str, str, list[tuple[int, int] | None]]]:
    """``n`` random dates as ``(written, iso, spans)``: "april 22, 2019", "2019-04-22" and, for
    each output character, the ``(start, end)`` of the source characters it comes from (the
    year's digits from the year, the month's from its name, the day's from its number) or
    None for the dashes, which come from nowhere."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        year, month = int(rng.integers(1950, 2050)), int(rng.integers(1, 13))
        day = int(rng.integers(1, 29))
        fmt = _DATE_FORMATS[int(rng.integers(len(_DATE_FORMATS)))]
        fields = {"year": str(year), "month": _MONTHS[month - 1], "mon": _MONTHS[month - 1][:3],
                  "day": str(day)}
        written = fmt.format(**fields)
        where = {}
        for name in ("year", "month", "mon", "day"):
            if "{" + name + "}" in fmt:
                start = fmt.format(**{k: ("\0" * len(v) if k == name else v) for k, v in fields.items()}).index("\0")
                where[name] = (start, start + len(fields[name]))
        month_span = where.get("month", where.get("mon"))
        spans = [where["year"]] * 4 + [None, month_span, month_span, None, where["day"], where["day"]]
        out.append((written, f"{year:04d}-{month:02d}-{day:02d}", spans))
    return out


def date_alignment_hits(weights: np.ndarray, spans: Sequence[Sequence], margin: int = 0) -> np.ndarray:
    """For each output character with a source (``spans`` entry not None), whether the attention's largest
    weight (``weights``: words, output steps, letters) falls inside it or within ``margin`` letters."""
    hits = []
    for w, word_spans in zip(weights, spans):
        for step, span in enumerate(word_spans[:len(w)]):  # a decoder that stopped early has fewer steps
            if span is not None:
                hits.append(span[0] - margin <= int(np.argmax(w[step])) < span[1] + margin)
    return np.asarray(hits, dtype=bool)


# --------------------------------------------------------------------------- words
def split_words(words: Sequence[str], *, validation: float = 0.05, test: float = 0.10,
                seed: int = 0) -> dict[str, list[str]]:
    """Words (not dictionary entries) shuffled with ``seed`` into train/validation/test, so
    every pronunciation of a test word is unseen in training."""
    order = np.random.default_rng(seed).permutation(sorted(set(words)))
    n_test, n_val = round(len(order) * test), round(len(order) * validation)
    return {"test": sorted(order[:n_test]), "validation": sorted(order[n_test:n_test + n_val]),
            "train": sorted(order[n_test + n_val:])}


def pad(rows: Sequence[Sequence[int]], length: int | None = None) -> np.ndarray:
    """Rows of ids as one array, zeros after each row's end, ``length`` wide (default: the longest row)."""
    return keras.utils.pad_sequences(rows, maxlen=length, dtype="int32", padding="post")


def batches(sources: Sequence[Sequence[int]], targets: Sequence[Sequence[int]], batch_size: int,
            seed: int | None = None) -> list[tuple]:
    """Keras-ready batches ``((letters, previous), next, weight)`` of examples of similar length (less padding,
    less work), shuffled with ``seed`` (in order when None); ``weight`` is 0 on padding, so neither the loss
    nor the accuracy ever counts a padded step."""
    order = np.arange(len(sources))
    if seed is not None:  # shuffle, then sort within chunks of 50 batches: lengths similar, order random
        order = np.random.default_rng(seed).permutation(order)
    chunk = 50 * batch_size
    groups = []
    for k in range(0, len(order), chunk):
        part = sorted(order[k:k + chunk], key=lambda i: (len(sources[i]), len(targets[i])))
        groups += [part[j:j + batch_size] for j in range(0, len(part), batch_size)]
    if seed is not None:
        groups = [groups[i] for i in np.random.default_rng(seed + 1).permutation(len(groups))]
    out = []
    for idx in groups:
        target = pad([targets[i] for i in idx])
        out.append(((pad([sources[i] for i in idx]), target[:, :-1]), target[:, 1:],
                    (target[:, 1:] != PAD).astype("float32")))
    return out


# --------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class G2PConfig(DictConfig):
    """Every choice of a ``train-g2p`` run."""

    attention: bool = True
    embedding_dim: int = 64
    units: int = 256            # the decoder's; the encoder has units // 2 per direction
    attention_units: int = 128
    batch_size: int = 128
    epochs: int = 12
    learning_rate: float = 2e-3
    seed: int = 0
    max_train_words: int | None = None  # None: every training word (fast runs use fewer)


def build_seq2seq(symbols: Symbols, config: G2PConfig = G2PConfig()):
    """The encoder–decoder of notebook 06 (which writes the same layers out in plain Keras): a bidirectional
    LSTM's final states start the decoder LSTM; with ``attention`` each decoder output also gets a context
    (:class:`~lstm_tutorial.layers.BahdanauAttention`), without it the word must pass through those states."""
    from keras import layers

    letters = keras.Input((None,), dtype="int32", name="letters")
    previous = keras.Input((None,), dtype="int32", name="previous")
    x = layers.Embedding(symbols.n_letters, config.embedding_dim, mask_zero=True,
                         name="letter_embedding")(letters)
    encoded, h_fwd, c_fwd, h_bwd, c_bwd = layers.Bidirectional(
        layers.LSTM(config.units // 2, return_sequences=True, return_state=True), name="encoder")(x)
    h0 = layers.Concatenate(name="h0")([h_fwd, h_bwd])
    c0 = layers.Concatenate(name="c0")([c_fwd, c_bwd])
    y = layers.Embedding(symbols.n_phonemes, config.embedding_dim, mask_zero=True,
                         name="phoneme_embedding")(previous)
    decoded, _, _ = layers.LSTM(config.units, return_sequences=True, return_state=True,
                                name="decoder")(y, initial_state=[h0, c0])
    if config.attention:
        context = BahdanauAttention(config.attention_units, name="attention")([decoded, encoded])
        decoded = layers.Concatenate(name="with_context")([decoded, context])
    probs = layers.Dense(symbols.n_phonemes, activation="softmax", name="next_phoneme")(decoded)
    return keras.Model([letters, previous], probs, name="g2p_attention" if config.attention else "g2p")


class Decoder:
    """Free-running decoding of a trained :func:`build_seq2seq` model (greedy or beam).

    It splits the model into an encoder (letters -> outputs and the decoder's first states)
    and one decoder step (previous phoneme and states -> next-phoneme probabilities, new
    states, attention weights), sharing the trained layers."""

    def __init__(self, model):
        self.attention = "attention" in [layer.name for layer in model.layers]
        self.encoder = keras.Model(model.get_layer("letters").output,
                                   [model.get_layer("encoder").output[0], model.get_layer("h0").output,
                                    model.get_layer("c0").output])
        self.embed, self.lstm, self.readout = (model.get_layer(name) for name in
                                               ("phoneme_embedding", "decoder", "next_phoneme"))
        if self.attention:
            self.attend, self.join = model.get_layer("attention"), model.get_layer("with_context")

    def step(self, previous, h, c, memory, memory_mask):
        """One decoder step: ``(probabilities of the next phoneme, h, c, attention weights)``."""
        out, h, c = self.lstm(self.embed(previous), initial_state=[h, c], training=False)
        weights = np.zeros((len(previous), 1, 0), dtype="float32")
        if self.attention:
            read, weights = self.attend([out, memory], mask=[None, memory_mask], return_attention_scores=True)
            out = self.join([out, read])
        return tuple(np.array(t) for t in (self.readout(out)[:, 0], h, c, weights[:, 0]))  # writable copies

    def _start(self, sources: Sequence[Sequence[int]], width: int):
        letters = pad(sources)
        encoded, h, c = (np.asarray(t) for t in self.encoder(letters, training=False))
        rep = lambda a: np.repeat(a, width, axis=0)  # noqa: E731 - each word once per beam
        return rep(encoded), rep(letters != PAD), rep(h), rep(c)

    def greedy(self, sources: Sequence[Sequence[int]], max_len: int = 30,
               return_weights: bool = False, batch_size: int = 1024):
        """The most probable next phoneme at each step, fed back in, until ``END``."""
        outs, all_weights = [], []
        for k in range(0, len(sources), batch_size):
            memory, mask, h, c = self._start(sources[k:k + batch_size], 1)
            prev = np.full((len(h), 1), START, dtype="int32")
            steps, weights = [], []
            for _ in range(max_len):
                probs, h, c, w = self.step(prev, h, c, memory, mask)
                probs[:, [PAD, START]] = 0.0  # never written: as in the beam
                prev = probs.argmax(-1).astype("int32")[:, None]
                steps.append(prev[:, 0])
                weights.append(w)
                if all((np.stack(steps, 1) == END).any(1)):
                    break
            outs += [list(row) for row in np.stack(steps, 1)]
            all_weights += list(np.stack(weights, 1))
        return (outs, all_weights) if return_weights else outs

    def beam(self, sources: Sequence[Sequence[int]], width: int = 3, max_len: int = 30,
             batch_size: int = 512) -> list[list[int]]:
        """Beam search: keep the ``width`` most probable unfinished outputs; an output that
        ends (``END`` among the ``width`` best candidates) is set aside; stop when the best
        finished output is more probable than every unfinished one (log-probabilities only
        fall). Width 1 is greedy decoding."""
        return [out for k in range(0, len(sources), batch_size)
                for out in self._beam_batch(sources[k:k + batch_size], width, max_len)]

    def _beam_batch(self, sources, width: int, max_len: int) -> list[list[int]]:
        n = len(sources)
        memory, mask, h, c = self._start(sources, width)
        scores = np.full((n, width), -np.inf)
        scores[:, 0] = 0.0  # one live beam to start with
        seqs = np.zeros((n, width, 0), dtype="int32")
        prev = np.full((n * width, 1), START, dtype="int32")
        best = [(-np.inf, [])] * n
        for _ in range(max_len):
            probs, h, c, _w = self.step(prev, h, c, memory, mask)
            with np.errstate(divide="ignore"):
                cand = scores[:, :, None] + np.log(probs).reshape(n, width, -1)
            cand[:, :, [PAD, START]] = -np.inf
            vocab = cand.shape[-1]
            top = np.argsort(-cand.reshape(n, -1), axis=1)[:, :width]
            parent, token = top // vocab, top % vocab
            new_scores = np.take_along_axis(cand.reshape(n, -1), top, axis=1)
            ended = token == END
            for i, j in zip(*np.nonzero(ended & np.isfinite(new_scores))):
                if new_scores[i, j] > best[i][0]:
                    best[i] = (new_scores[i, j], list(seqs[i, parent[i, j]]) + [END])
            new_scores[ended] = -np.inf  # a finished output leaves the beam
            seqs = np.concatenate([np.take_along_axis(seqs, parent[:, :, None], axis=1), token[:, :, None]], 2)
            flat = (parent + np.arange(n)[:, None] * width).ravel()
            h, c = h[flat], c[flat]
            scores, prev = new_scores, token.reshape(-1, 1).astype("int32")
            if all(best[i][0] >= scores[i].max() for i in range(n)):
                break
        return [seq if np.isfinite(score) else list(seqs[i, scores[i].argmax()])
                for i, (score, seq) in enumerate(best)]


class EnsembleDecoder(Decoder):
    """Several trained models decoding as one, on the average of their next-phoneme probabilities.

    Each model keeps its own encoder outputs and states; the states travel side by side in one array,
    so the beam reorders them all at once. The attention weights returned are the first model's."""

    def __init__(self, models):
        if not models:
            raise UsageError("give at least one trained model")
        self.parts = [Decoder(m) for m in models]
        self.attention = self.parts[0].attention
        self._cuts = np.cumsum([part.lstm.units for part in self.parts])[:-1]

    def _start(self, sources, width: int):
        starts = [part._start(sources, width) for part in self.parts]
        memories = [start[0] for start in starts]
        h, c = (np.concatenate([start[k] for start in starts], axis=1) for k in (2, 3))
        return memories, starts[0][1], h, c

    def step(self, previous, h, c, memory, memory_mask):
        outs = [part.step(previous, part_h, part_c, part_memory, memory_mask)
                for part, part_h, part_c, part_memory in
                zip(self.parts, np.split(h, self._cuts, axis=1), np.split(c, self._cuts, axis=1), memory)]
        probs = np.mean([out[0] for out in outs], axis=0)
        h, c = (np.concatenate([out[k] for out in outs], axis=1) for k in (1, 2))
        return probs, h, c, outs[0][3]


# --------------------------------------------------------------------------- measuring
def error_rates(predictions: Sequence[Sequence[str]], references: Sequence[Sequence[Sequence[str]]]) -> dict:
    """Word and phoneme error rates against every accepted pronunciation of each word: a word is right when
    it equals any of them; its phoneme errors are the edit distance to the nearest, over that one's length."""
    from nltk.metrics.distance import edit_distance

    correct, edits, lengths = [], [], []
    for pred, refs in zip(predictions, references):
        d, n = min((edit_distance(list(pred), list(ref)), len(ref)) for ref in refs)
        correct.append(d == 0)
        edits.append(d)
        lengths.append(n)
    correct = np.asarray(correct)
    return {"word_error_rate": float(1 - correct.mean()),
            "phoneme_error_rate": float(np.sum(edits) / np.sum(lengths)), "correct": correct}


def teacher_forced_hits(model, sources, targets, batch_size: int = 256) -> list[np.ndarray]:
    """Per word, whether each next phoneme is the argmax when the decoder reads the true
    previous phonemes (teacher forcing); padding positions are left out."""
    out = []
    for k in range(0, len(sources), batch_size):  # in the given order, so hits line up with the words
        target = pad(targets[k:k + batch_size])
        probs = np.asarray(model([pad(sources[k:k + batch_size]), target[:, :-1]], training=False))
        hit = probs.argmax(-1) == target[:, 1:]
        out += [row[t != PAD] for row, t in zip(hit, target[:, 1:])]
    return out


def position_errors(hits: Sequence[np.ndarray], max_position: int = 15) -> np.ndarray:
    """Error rate at each output position 0..max_position-1 (NaN where no word is that long)."""
    rates = np.full(max_position, np.nan)
    for p in range(max_position):
        at = [h[p] for h in hits if len(h) > p]
        if at:
            rates[p] = 1 - np.mean(at)
    return rates


def free_running_hits(predicted: Sequence[Sequence[int]], targets: Sequence[Sequence[int]]) -> list[np.ndarray]:
    """Per word, whether each output position (``END`` included) matches the reference
    read position by position, as :func:`teacher_forced_hits` reads it."""
    out = []
    for pred, target in zip(predicted, targets):
        ref = list(target[1:])
        pred = list(pred) + [PAD] * max(0, len(ref) - len(pred))
        out.append(np.array([p == r for p, r in zip(pred, ref)]))
    return out


# --------------------------------------------------------------------------- train / load
def training_pairs(entries: dict, words: Sequence[str]) -> tuple[list, list]:
    """Every (spelling, pronunciation) of ``words``: a word with two pronunciations gives two examples."""
    pairs = [(tuple(word), tuple(pron)) for word in words for pron in entries[word]]
    return [source for source, _ in pairs], [target for _, target in pairs]


def train_g2p(folder, config: G2PConfig = G2PConfig(), *, entries: dict | None = None,
              recipe: dict | None = None, verbose: int = 2) -> dict:
    """Train the CMUdict model of notebook 06 into ``folder`` (resumable) and save it with its
    recipe and validation figures; returns the manifest's figures."""
    from ..io import datasets, saving

    started = time.time()
    folder = Path(folder)
    entries = entries if entries is not None else datasets.load_cmudict()
    split = split_words(list(entries), seed=0)
    train_words = split["train"][:config.max_train_words] if config.max_train_words else split["train"]
    sources, targets = training_pairs(entries, train_words)
    symbols = Symbols.fit([tuple(w) for w in entries], [p for prons in entries.values() for p in prons])
    src_ids, tgt_ids = symbols.encode_sources(sources), symbols.encode_targets(targets)
    val_sources, val_targets = training_pairs(entries, split["validation"])
    val_ids = symbols.encode_sources(val_sources), symbols.encode_targets(val_targets)
    keras.utils.set_random_seed(config.seed)
    model = build_seq2seq(symbols, config)  # accuracy counts real output positions only (weighted_metrics)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=1.0),
                  loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    work = folder.with_name(folder.name + ".training")
    _check_resumable(work, config)
    history = model.fit(
        dataset(src_ids, tgt_ids, config.batch_size, seed=config.seed), epochs=config.epochs,
        verbose=verbose, validation_data=dataset(*val_ids, 512), shuffle=False,  # it shuffles itself
        callbacks=[keras.callbacks.BackupAndRestore(str(work / "backup")),
                   keras.callbacks.ModelCheckpoint(str(work / "best.keras"), monitor="val_loss",
                                                   save_best_only=True),
                   keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.3, patience=1)])
    best = keras.models.load_model(work / "best.keras")
    decoder = Decoder(best)
    val_words = split["validation"]
    predicted = decoder.greedy(symbols.encode_sources([tuple(w) for w in val_words]))
    rates = error_rates([symbols.decode(p) for p in predicted], [entries[w] for w in val_words])
    metrics = {"validation_word_error_rate": rates["word_error_rate"],
               "validation_phoneme_error_rate": rates["phoneme_error_rate"],
               "history": {k: [float(v) for v in vals] for k, vals in history.history.items()}}
    finished = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    recipe = {**(recipe or {}), "wall_seconds": round(time.time() - started, 1), "finished": finished,
              "train_words": len(train_words), "train_examples": len(src_ids), "split_seed": 0,
              "data": "cmudict " + _cmudict_version()}
    # a fresh, uncompiled copy: without the optimizer state, which would triple the file
    # (resuming uses the run's own backup)
    shipped = build_seq2seq(symbols, config)
    shipped.set_weights(best.get_weights())
    saving.save_model_folder(folder, shipped, symbols, config, metrics, names=G2P_FILES, recipe=recipe)
    shutil.rmtree(work)  # saved: the checkpoints of this run are no longer needed
    return metrics


def _check_resumable(work: Path, config: G2PConfig) -> None:
    """Resume only the run that was interrupted: a backup made with other settings is refused."""
    settings = work / "config.json"
    if settings.is_file():
        earlier = G2PConfig.from_dict(json.loads(settings.read_text(encoding="utf-8")))
        if earlier != config:
            raise UsageError(f"{work} holds an interrupted run with other settings ({earlier}); "
                             f"run again with those settings to resume it, or delete {work} to start anew")
    work.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps(config.to_dict()) + "\n", encoding="utf-8")


def _cmudict_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cmudict")
    except PackageNotFoundError:
        return "unknown"


def dataset(sources, targets, batch_size: int, seed: int | None = None):
    """:func:`batches` as a ``tf.data`` pipeline for ``model.fit``, reshuffled each epoch when ``seed`` is given;
    lengths are left open: every batch is padded to its own longest word."""
    import tensorflow as tf

    epoch = [0]

    def one_pass():
        epoch[0] += 1
        yield from batches(sources, targets, batch_size, None if seed is None else seed * 1000 + epoch[0])

    ids = tf.TensorSpec((None, None), tf.int32)
    n_batches = len(batches(sources, targets, batch_size))  # the same every pass: Keras can count an epoch
    return tf.data.Dataset.from_generator(
        one_pass, output_signature=((ids, ids), ids, tf.TensorSpec((None, None), tf.float32))
    ).apply(tf.data.experimental.assert_cardinality(n_batches)).prefetch(2)


def load_g2p(folder=SHIPPED_G2P):
    """``(model, symbols, config, manifest)`` of a folder written by :func:`train_g2p`."""
    from ..io import saving

    return saving.load_model_folder(folder, names=G2P_FILES, vocab_class=Symbols, config_class=G2PConfig,
                                    how_to_train="train it with: python -m lstm_tutorial train-g2p",
                                    require_hash=True)
