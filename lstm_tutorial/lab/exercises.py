"""Check an exercise answer without being shown the expected one: ``lt.check.ex02_1(...)`` is notebook 02, exercise 1.

Each function prints whether the student's number is right, with a hint when it is not, and returns
``True`` or ``False``. The expected value is computed here from the notebook's data and formulas,
never stored and never printed.
"""
from __future__ import annotations

import math
from pathlib import Path

__all__ = ["ex00_1", "ex00_2", "ex00_3", "ex00_4", "ex01_1", "ex01_2", "ex01_3", "ex01_4",
           "ex02_1", "ex02_2", "ex02_6", "ex03_1", "ex03_2", "ex03_3", "ex03_4",
           "ex04_1", "ex04_2", "ex04_3", "ex05_1", "ex05_2", "ex05_3", "ex06_1"]

#: The sentence of exercise 00-1.
EX00_1_SENTENCE = "I didn't like it, it's bad... 7/10"
#: Exercise 00-2: the cut-off, in tokens.
EX00_2_CUTOFF = 256
#: Exercise 00-4: the coverage to reach and the step of the vocabulary sizes tried.
EX00_4_TARGET, EX00_4_STEP = 0.95, 1000

#: Exercise 01-1: the linear RNN's factor a and the sequence length T.
EX01_1_A, EX01_1_T = 0.95, 100
#: Exercise 01-2: the factor multiplied by itself in float32.
EX01_2_FACTOR = 0.8
#: Exercise 01-3: the gap and the share of the cell the starting forget gates should keep over it.
EX01_3_T, EX01_3_KEEP = 100, 0.5
#: Exercise 01-4: the GRU's update-gate bias and the number of steps.
EX01_4_BIAS, EX01_4_T = 3.0, 20
#: Exercise 02-1: the embedding size and the LSTM's units (not notebook 03's model, whose
#: layer summary prints its own count).
EX02_1_INPUT, EX02_1_UNITS = 80, 40
#: Exercise 02-2: the units of the peephole layer.
EX02_2_UNITS = 16
#: Exercise 06-1: the attention's units, the decoder's units and the encoder's output size.
EX06_1_SIZES = (128, 256, 256)


def _verdict(ok: bool, hint: str) -> bool:
    print("correct" if ok else f"not yet: {hint}")
    return ok


def _number(answer, name: str = "answer") -> float:
    try:
        value = float(answer)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {answer!r}") from None
    if math.isnan(value):
        raise TypeError(f"{name} must be a number, got NaN")
    return value


def _tokens(split: str):
    """The tokenized IMDB split (cached on disk after the first call); tests replace this."""
    from ..text import preprocess_imdb

    return preprocess_imdb(split)[0]


# --- notebook 00 ------------------------------------------------------------------------

def ex00_1(n_tokens) -> bool:
    """How many tokens does the package make of :data:`EX00_1_SENTENCE` (cleaned first)?"""
    from ..text import clean, tokenize

    expected = len(tokenize(clean(EX00_1_SENTENCE)))
    return _verdict(_number(n_tokens) == expected,
                    "count every token of text.tokenize(text.clean(...)): contractions and punctuation "
                    "are tokens of their own.")


def ex00_2(share) -> bool:
    """Share of all training reviews longer than :data:`EX00_2_CUTOFF` tokens (±0.005)."""
    import numpy as np

    value = _number(share, "share")
    if value > 1:
        return _verdict(False, "give a share between 0 and 1, not a percentage.")
    lengths = np.array([len(t) for t in _tokens("train")])
    expected = float(np.mean(lengths > EX00_2_CUTOFF))
    return _verdict(abs(value - expected) <= 0.005,
                    "use all training reviews (text.preprocess_imdb('train')), not the fast-mode sample, "
                    "and count reviews strictly longer than the cut-off.")


def ex00_3(n_words) -> bool:
    """Size of the stopword list with negations kept (``english_stopwords(keep_negations=True)``)."""
    from ..text import english_stopwords

    return _verdict(_number(n_words) == len(english_stopwords(keep_negations=True)),
                    "start from text.english_stopwords() (with the contraction pieces) and keep the "
                    "words of text.NEGATION_WORDS out of it.")


def ex00_4(size) -> bool:
    """Smallest multiple of :data:`EX00_4_STEP` whose vocabulary covers :data:`EX00_4_TARGET` of test tokens."""
    from ..text import Vocabulary

    value = int(_number(size, "size"))
    if value <= 0 or value % EX00_4_STEP:
        return _verdict(False, f"give a positive multiple of {EX00_4_STEP:,}.")
    train, test = _tokens("train"), _tokens("test")

    def coverage(n):
        return Vocabulary.fit(train, max_tokens=n, min_count=1).coverage(test)

    reaches = coverage(value) >= EX00_4_TARGET
    smallest = value == EX00_4_STEP or coverage(value - EX00_4_STEP) < EX00_4_TARGET
    hint = ("that size does not reach the target yet: go larger." if not reaches else
            "a smaller size already reaches the target: go smaller.")
    return _verdict(reaches and smallest, hint)


# --- notebook 01 ------------------------------------------------------------------------

def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _expected_01() -> dict:
    """Notebook 01's expected answers, by exercise."""
    import numpy as np

    p = EX01_3_KEEP ** (1 / EX01_3_T)
    return {"ex01_1": EX01_1_A ** (EX01_1_T - 1),
            "ex01_2": next(t for t in range(1, 10_000) if np.float32(EX01_2_FACTOR ** t) == 0.0),
            "ex01_3": math.log(p / (1 - p)), "ex01_4": _sigmoid(EX01_4_BIAS) ** EX01_4_T}


def ex01_1(ratio) -> bool:
    """Exercise 01-1: first/last gradient ratio of the linear RNN with a = 0.95 at T = 100 (0.1% relative)."""
    expected = _expected_01()["ex01_1"]
    value = _number(ratio, "ratio")
    return _verdict(abs(value - expected) <= 1e-3 * expected,
                    "d h_T / d x_t is a^(T-1-t); the first step is t = 0 and the last t = T-1. "
                    "Is your exponent T or T-1?")


def ex01_2(steps) -> bool:
    """Exercise 01-2: the first T at which the exact 0.8^T, rounded once to float32, is 0."""
    expected = _expected_01()["ex01_2"]
    value = _number(steps, "T")
    hint = ("too early: below the smallest normal float32 there are still subnormal numbers"
            if value < expected else "too late: round the exact value once, do not multiply step by step in float32")
    return _verdict(value == expected, hint)


def ex01_3(forget_bias) -> bool:
    """Exercise 01-3: the b_f whose starting forget gates keep half the cell over 100 steps (within 1%)."""
    value = _number(forget_bias, "forget_bias")
    keep = _sigmoid(value) ** EX01_3_T
    return _verdict(abs(keep - EX01_3_KEEP) <= 0.01 * EX01_3_KEEP,
                    "solve sigma(b_f)^T = 0.5 for b_f: take the T-th root, then the inverse of sigma, "
                    "log(p / (1 - p)).")


def ex01_4(share) -> bool:
    """Exercise 01-4: share of h_0 a GRU with b_z = 3 keeps over 20 steps if z stays at its start (1%)."""
    expected = _expected_01()["ex01_4"]
    value = _number(share, "share")
    return _verdict(abs(value - expected) <= 0.01 * expected,
                    "each step keeps z_t of h_{t-1} (h_t = z_t h_{t-1} + (1 - z_t) g_t), and z starts at sigma(b_z).")


# --- notebook 02 ------------------------------------------------------------------------

def _expected_02(units: int = EX02_2_UNITS) -> dict:
    """Notebook 02's expected answers, by exercise (``units``: exercise 2's layer)."""
    from ..numpy_lstm import lstm_sequence, parameter_count

    one = parameter_count(EX02_1_INPUT, EX02_1_UNITS)
    params, x = ex02_6_setup()
    return {"ex02_1": (one, 2 * one), "ex02_2": parameter_count(8, units, peephole=True) - parameter_count(8, units),
            "ex02_6": float(lstm_sequence(x, params)["gates"]["f"][0, :, 0].prod())}


def ex02_1(lstm_params, bidirectional_params) -> bool:
    """Parameters of ``LSTM(40)`` on 80-dimensional inputs, and of its ``Bidirectional`` version."""
    one, _ = _expected_02()["ex02_1"]
    ok_one = _number(lstm_params, "lstm_params") == one
    ok_two = _number(bidirectional_params, "bidirectional_params") == 2 * one
    hint = ("the single LSTM is off: four gates, each with input weights, recurrent weights and a bias."
            if not ok_one else "the single LSTM is right; what does Bidirectional hold besides it?")
    return _verdict(ok_one and ok_two, hint)


def ex02_2(extra_params, units: int = EX02_2_UNITS) -> bool:
    """How many parameters ``peephole=True`` adds to ``GatedLSTM(units)``."""
    expected = _expected_02(units)["ex02_2"]
    return _verdict(_number(extra_params) == expected,
                    "one peephole vector per gate that has one (not the candidate), each of length units.")


def ex02_6_setup():
    """The LSTM and input of exercise 02-6: forget bias 2, output gate shut, 20 random steps."""
    import numpy as np

    from ..numpy_lstm import init_params

    params = init_params(3, 4, seed=2)
    params.b["f"][:] = 2.0
    params.b["o"][:] = -50.0           # o_t ~ 0: no gradient through h_t, only along the cell state
    x = np.random.default_rng(0).normal(size=(1, 20, 3)).astype(np.float32)
    return params, x


def ex02_6(ratio) -> bool:
    """Exercise 02-6: |dL/dc_0| / |dL/dc_T| of unit 0 for ``L = sum(c_T)`` on :func:`ex02_6_setup` (1e-4 relative)."""
    expected = _expected_02()["ex02_6"]
    value = _number(ratio, "ratio")
    return _verdict(abs(value - expected) <= 1e-4 * abs(expected),
                    "dL/dc_T is the loss's own gradient (ones); divide the gradient that reaches the initial "
                    "cell state (the backward pass's 'c0') by it, for unit 0.")


def _answers_01_02() -> dict:
    """The expected answers of notebooks 01 and 02, for the test that no student notebook shows them."""
    answers = {**_expected_01(), **_expected_02()}
    return {name: value if isinstance(value, tuple) else (value,) for name, value in answers.items()}


# --- notebook 04 ------------------------------------------------------------------------

#: Exercise 04-2: the logits and the temperature.
EX04_2_LOGITS, EX04_2_TEMPERATURE = (2.0, 1.0, 0.0), 0.5
#: Exercise 04-3: the text whose characters inside parentheses are counted.
EX04_3_TEXT = 'the film (a remake (of a remake)) is "fine" (really).'


def ex04_1(bits, n_chars=None) -> bool:
    """Bits per character of a uniform model over the shipped model's characters (every id but padding and
    unknown): the answer is fixed by the notebook, and ``n_chars``, if given, must be that count."""
    from .language_model import LM_VOCAB_FILE, SHIPPED_LM, CharVocab

    n = len(CharVocab.load(SHIPPED_LM / LM_VOCAB_FILE).chars)
    if n_chars is not None and _number(n_chars, "n_chars") != n:
        return _verdict(False, "count the characters the notebook's model can draw: vocab.size minus "
                               "padding and unknown.")
    return _verdict(abs(_number(bits, "bits") - math.log2(n)) <= 1e-3,
                    "a uniform model gives each character probability 1/n; its cross-entropy in bits is -log2 of that.")


def ex04_2(probability) -> bool:
    """P(first character) after dividing :data:`EX04_2_LOGITS` by :data:`EX04_2_TEMPERATURE` and a softmax (±1e-3)."""
    z = [v / EX04_2_TEMPERATURE for v in EX04_2_LOGITS]
    expected = math.exp(z[0]) / sum(math.exp(v) for v in z)
    value = _number(probability, "probability")
    hint = ("give a probability between 0 and 1." if not 0 <= value <= 1 else
            "divide the logits by the temperature first, then exponentiate and normalise.")
    return _verdict(abs(value - expected) <= 1e-3, hint)


def ex04_3(n_inside) -> bool:
    """Characters of :data:`EX04_3_TEXT` marked ``inside parentheses`` by ``language_model.text_features``."""
    from .language_model import text_features

    expected = int(text_features(EX04_3_TEXT)["inside parentheses"].sum())
    return _verdict(_number(n_inside) == expected,
                    "nesting counts: the inner ')' does not end the outer parentheses; the opening '(' itself "
                    "is inside, the closing ')' is not (see the docstring).")


# --- notebook 03 ------------------------------------------------------------------------

#: Exercise 03-1: the review the article's pipeline is asked to read.
EX03_1_REVIEW = "This is not a good movie."
#: Exercise 03-4: per-id weights of the toy "sum" model, and the review as ids.
EX03_4_WEIGHTS = {"this": 0.1, "is": 0.0, "not": -1.5, "a": 0.0, "good": 2.0, "movie": 0.2}


def ex03_1(n_tokens) -> bool:
    """How many tokens does the PyTorch article's pipeline make of :data:`EX03_1_REVIEW`?"""
    from .article import article_tokenize

    expected = len(article_tokenize(EX03_1_REVIEW))
    return _verdict(_number(n_tokens) == expected,
                    "run article.article_tokenize on it: stopwords go first, then look at what one token is.")


def _grid_file() -> Path:
    return Path(__file__).resolve().parents[2] / "notebooks" / "data" / "readout_grid.json"


def ex03_2(gain) -> bool:
    """Mean test accuracy of the pooled SimpleRNN minus that of the last-state one, in the
    committed grid file (absolute tolerance 0.0005)."""
    from .readout_grid import load_results, summarise

    s = summarise(load_results(_grid_file())["runs"])
    expected = s["grid/rnn/pool/words/stop"]["mean"] - s["grid/rnn/last/words/stop"]["mean"]
    return _verdict(abs(_number(gain, "gain") - expected) <= 5e-4,
                    "use readout_grid.summarise on the file's runs and the cells grid/rnn/pool/... and grid/rnn/last/...; "
                    "pool minus last, as a fraction (not in points).")


def ex03_3(accuracy) -> bool:
    """Test accuracy (on the grid's test subset) of the linear baseline with unigrams only,
    trained on the grid's training part (absolute tolerance 0.003)."""
    import numpy as np

    from .. import training
    from . import baseline
    from . import readout_grid
    from ..io import datasets

    budget = readout_grid.GridBudget()
    texts, labels = datasets.load_imdb("train")
    train_idx, _ = training.split_indices(len(texts), budget.validation_fraction, budget.train_reviews,
                                          budget.data_seed)
    test_texts, test_labels = datasets.load_imdb("test")
    t_idx = readout_grid.test_indices(budget, len(test_texts))
    result = baseline.run_linear_baseline([texts[i] for i in train_idx], np.asarray(labels)[train_idx],
                                          [test_texts[i] for i in t_idx], np.asarray(test_labels)[t_idx],
                                          ngram_range=(1, 1))
    return _verdict(abs(_number(accuracy) - result["accuracy"]) <= 3e-3,
                    "fit on the grid's training part only (training.split_indices with the GridBudget's "
                    "settings), score on readout_grid.test_indices, and pass ngram_range=(1, 1).")


def ex03_4(contribution) -> bool:
    """Occlusion contribution of "not" in "this is not a good movie" for the toy model
    P = sigmoid(sum of :data:`EX03_4_WEIGHTS`) (relative tolerance 1e-3)."""
    w = EX03_4_WEIGHTS
    total = sum(w[t] for t in "this is not a good movie".split())
    expected = _sigmoid(total) - _sigmoid(total - w["not"])
    value = _number(contribution, "contribution")
    return _verdict(abs(value - expected) <= 1e-3 * abs(expected),
                    "P with every word minus P without 'not'; a word that pushes towards negative has a "
                    "negative contribution.")


# --- notebook 05 ------------------------------------------------------------------------

def _taylor_prepared():
    from . import forecast as F

    return F.prepare(F.load_taylor(), F.TAYLOR)


def ex05_1(n_windows) -> bool:
    """How many training windows does the taylor protocol (``forecast.TAYLOR``) give?"""
    from . import forecast as F

    train_end, _ = F.split_bounds(4_032, F.TAYLOR)
    expected = train_end - F.TAYLOR.delay
    return _verdict(_number(n_windows) == expected,
                    "a window needs delay + 1 rows (inputs and target) and must end inside the training rows: "
                    "count the first rows that leave room for that.")


def ex05_2(mae) -> bool:
    """Persistence MAE (MW) on taylor's *validation* windows (±0.5 MW)."""
    from . import forecast as F

    p = _taylor_prepared()
    expected = F.mae(F.persistence(p.series, p.starts["val"], F.TAYLOR), p.y["val"])
    return _verdict(abs(_number(mae, "mae") - expected) <= 0.5,
                    "use the validation windows (P.starts['val']) and their targets (P.y['val']), in MW.")


def ex05_3(ratio) -> bool:
    """Test MAE of the one-day seasonal naive divided by that of the one-week one (±0.01)."""
    from . import forecast as F

    p = _taylor_prepared()
    day, week = (F.mae(F.seasonal_naive(p.series, p.starts["test"], F.TAYLOR, rows), p.y["test"]) for rows in (48, 336))
    return _verdict(abs(_number(ratio, "ratio") - day / week) <= 0.01,
                    "a day is 48 half-hour rows, a week 336; divide the one-day MAE by the one-week MAE.")


def ex06_1(n_weights) -> bool:
    """Weights of ``BahdanauAttention(128)`` between a 256-unit decoder and 256-value encoder outputs."""
    from ..layers import BahdanauAttention

    units, query, key = EX06_1_SIZES
    layer = BahdanauAttention(units)
    layer.build([(None, None, query), (None, None, key)])
    return _verdict(_number(n_weights, "n_weights") == layer.count_params(),
                    "count W_q (query size x units), W_k (encoder size x units) and v (units).")
