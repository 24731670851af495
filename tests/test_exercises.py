"""lt.check: right answers pass, wrong ones fail, and the expected value is never printed."""
import json
import re

import numpy as np
import pytest

from lstm_tutorial import numpy_lstm as R, text
from lstm_tutorial.lab import exercises as check
from lstm_tutorial.tools import runner


@pytest.fixture
def tiny_imdb(monkeypatch):
    """Replace the IMDB token lists by a small made-up corpus."""
    rng = np.random.default_rng(0)
    words = [f"w{k}" for k in range(3000)]
    zipf = 1 / np.arange(1, 3001)
    zipf /= zipf.sum()

    def review(n):
        return list(rng.choice(words, size=n, p=zipf))

    splits = {"train": [review(n) for n in rng.integers(50, 500, 300)],
              "test": [review(n) for n in rng.integers(50, 500, 300)]}
    monkeypatch.setattr(check, "_tokens", lambda split: splits[split])
    return splits


def test_ex00_1(capsys):
    expected = len(text.tokenize(text.clean(check.EX00_1_SENTENCE)))
    assert check.ex00_1(expected) and not check.ex00_1(expected + 1)
    assert str(expected) not in capsys.readouterr().out


def test_ex00_2(tiny_imdb, capsys):
    share = float(np.mean([len(t) > check.EX00_2_CUTOFF for t in tiny_imdb["train"]]))
    assert check.ex00_2(share + 0.004) and not check.ex00_2(share + 0.02)
    assert not check.ex00_2(100 * share)          # a percentage is refused with a hint
    assert "percentage" in capsys.readouterr().out


def test_ex00_3(nltk_stopwords):
    n = len(text.english_stopwords(keep_negations=True))
    assert check.ex00_3(n) and not check.ex00_3(n + 1)


def test_ex00_4(tiny_imdb, monkeypatch):
    sizes = range(check.EX00_4_STEP, 4 * check.EX00_4_STEP, check.EX00_4_STEP)
    cover = {n: text.Vocabulary.fit(tiny_imdb["train"], max_tokens=n, min_count=1).coverage(tiny_imdb["test"])
             for n in sizes}
    # the made-up corpus has 3,000 words: pick a target it reaches between two sizes
    target = (cover[1000] + cover[2000]) / 2
    monkeypatch.setattr(check, "EX00_4_TARGET", target)
    assert check.ex00_4(2000) and not check.ex00_4(3000) and not check.ex00_4(1000)
    assert not check.ex00_4(1500)


def test_ex02_1_and_2(capsys):
    n = R.parameter_count(80, 40)
    assert check.ex02_1(n, 2 * n)
    assert not check.ex02_1(n, n) and not check.ex02_1(n - 40, 2 * n)
    assert check.ex02_2(48) and not check.ex02_2(64) and check.ex02_2(3 * 32, units=32)
    out = capsys.readouterr().out
    assert str(n) not in out and str(2 * n) not in out


def test_ex02_6_with_the_backward_pass():
    params, x = check.ex02_6_setup()
    d_c = np.ones((1, params.units), np.float32)
    g = R.lstm_sequence_backward(x, params, d_c=d_c)
    ratio = abs(g["c0"][0, 0]) / abs(g["cells"][0, -1, 0])
    assert check.ex02_6(ratio)
    assert not check.ex02_6(ratio * 1.01)


def test_answers_must_be_numbers():
    with pytest.raises(TypeError, match="number"):
        check.ex00_1("thirteen")


def test_ex01_1(capsys):
    expected = check.EX01_1_A ** (check.EX01_1_T - 1)
    assert check.ex01_1(expected) and check.ex01_1(expected * 1.0005)
    assert not check.ex01_1(check.EX01_1_A ** check.EX01_1_T)   # the off-by-one exponent
    assert f"{expected:.4g}" not in capsys.readouterr().out


def test_ex01_2(capsys):
    expected = next(t for t in range(1, 10_000) if np.float32(check.EX01_2_FACTOR ** t) == 0.0)
    assert check.ex01_2(expected)
    assert not check.ex01_2(expected - 1) and not check.ex01_2(expected + 1)
    assert str(expected) not in capsys.readouterr().out


def test_ex01_3():
    b = np.log(0.5 ** (1 / 100) / (1 - 0.5 ** (1 / 100)))
    assert check.ex01_3(b) and not check.ex01_3(b - 0.1) and not check.ex01_3(1.0)


def test_ex01_4():
    share = (1 / (1 + np.exp(-3.0))) ** 20
    assert check.ex01_4(share) and not check.ex01_4(0.5 ** 20) and not check.ex01_4(share * 1.05)
    with pytest.raises(TypeError):
        check.ex01_4("lots")


def test_ex03_1_and_4_known_answers(nltk_stopwords, capsys):
    import math

    assert check.ex03_1(9) and not check.ex03_1(2)  # "goodmovie", letter by letter
    w = check.EX03_4_WEIGHTS
    total = sum(w[t] for t in "this is not a good movie".split())
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    answer = sig(total) - sig(total - w["not"])
    assert answer < 0
    assert check.ex03_4(answer) and not check.ex03_4(-answer)


def test_ex03_2_reads_the_committed_grid(tmp_path, monkeypatch):
    from lstm_tutorial.lab import readout_grid as grid

    runs = [{"cell": f"grid/rnn/{r}/words/stop", "seed": s, "test_accuracy": a, "group": "grid", "layer": "rnn",
             "readout": r, "tokens": "words", "remove_stopwords": False}
            for r, vals in (("last", (0.6, 0.7)), ("pool", (0.8, 0.8))) for s, a in enumerate(vals)]
    path = tmp_path / "g.json"
    grid._write(path, {"format": grid.FORMAT, "budget": {}, "runs": runs})
    monkeypatch.setattr(check, "_grid_file", lambda: path)
    assert check.ex03_2(0.15) and not check.ex03_2(0.1)


def test_ex05(capsys):
    pytest.importorskip("pmdarima")
    from lstm_tutorial.lab import forecast as F

    p = F.prepare(F.load_taylor(), F.TAYLOR)
    assert check.ex05_1(len(p.starts["train"])) and not check.ex05_1(len(p.starts["train"]) + 1)
    val = F.mae(F.persistence(p.series, p.starts["val"], F.TAYLOR), p.y["val"])
    assert check.ex05_2(val + 0.3) and not check.ex05_2(val + 2)
    day, week = (F.mae(F.seasonal_naive(p.series, p.starts["test"], F.TAYLOR, r), p.y["test"]) for r in (48, 336))
    assert check.ex05_3(day / week) and not check.ex05_3(week / day)
    assert f"{val:.1f}" not in capsys.readouterr().out


def _shown(value) -> set[str]:
    """How a notebook could write an answer: whole numbers plain and with thousands commas,
    other numbers at three and four significant digits (fixed and scientific)."""
    if float(value).is_integer():
        return {f"{int(value)}", f"{int(value):,}"}
    return {f"{value:.{d}{kind}}" for d in (3, 4) for kind in ("g", "e")}


def _whole(text: str, shown: str) -> bool:
    """``shown`` in ``text`` as a number of its own, not a piece of a longer one."""
    return re.search(rf"(?<![\w.,]){re.escape(shown)}(?![\w]|[.,]\d)", text) is not None


def _student_texts(nb) -> dict[str, str]:
    """Everything of a student notebook a reader or a tool sees: metadata, sources, text outputs."""
    texts = {"notebook metadata": json.dumps(nb.metadata)}
    for k, cell in enumerate(nb.cells):
        # the kernel's execution timestamps ("13:48:03") are not something a student reads
        shown = {key: v for key, v in cell.get("metadata", {}).items() if key != "execution"}
        texts[f"cell {k} metadata"] = json.dumps(shown)
        texts[f"cell {k} source"] = cell.source
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            texts[f"cell {k} output"] = texts.get(f"cell {k} output", "") + out.get("text", "") + "".join(
                v if isinstance(v, str) else "".join(v) for m, v in data.items() if m.startswith("text/"))
    return texts


def _answers_01_02_in(nb, notebook: str = "") -> list[str]:
    """Where the answers of notebooks 01 and 02 show in ``nb`` (the notebook's file name, e.g. "02_...")."""
    found = []
    for name, values in check._answers_01_02().items():
        for value in values:
            # a small whole number (48, 466) also occurs for other reasons (48 half-hours in a
            # day): look for it only in its own notebook's metadata, where answers were declared
            small = float(value).is_integer() and abs(value) < 1000
            if small and not notebook.startswith(name[2:4]):
                continue
            where_to_look = "metadata" if small else ""
            for place, text in _student_texts(nb).items():
                if where_to_look in place and any(_whole(text, s) for s in _shown(value)):
                    found.append(f"{name}'s answer {value} in {place}")
    return found


@pytest.mark.parametrize("path", runner.find_notebooks(), ids=lambda p: p.name)
def test_no_student_notebook_shows_an_answer_lt_check_holds(path):
    import nbformat

    assert _answers_01_02_in(nbformat.read(path, as_version=4), path.name) == []


def test_the_answer_search_finds_an_answer_printed_or_declared():
    import nbformat

    one, two = check._answers_01_02()["ex02_1"]
    nb = nbformat.v4.new_notebook(metadata={"lstm_tutorial": {"prose_constants": [f"{two:,}"]}})
    nb.cells = [nbformat.v4.new_code_cell("print(n)", outputs=[nbformat.v4.new_output("stream", text=f"{one}\n")])]
    assert len(_answers_01_02_in(nb, "02_test.ipynb")) == 2
