"""The train / evaluate / predict commands end to end on a tiny aclImdb-shaped fixture.

The fixture folder holds a few dozen synthetic reviews laid out exactly like the real
data set; ``data.EXPECTED_COUNTS`` is pointed at its counts (the real check insists on
12,500 reviews per folder). ``LSTM_TUTORIAL_HOME`` keeps caches in ``tmp_path``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("keras")

from lstm_tutorial.tools import classifier
from lstm_tutorial.io import datasets as data
from lstm_tutorial.tools import cli  # noqa: E402
from test_training import build_fixture_imdb  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Train an LSTM once through ``cli.main`` (fast mode) and share the folder."""
    root = tmp_path_factory.mktemp("imdb")
    counts = build_fixture_imdb(root)
    home = tmp_path_factory.mktemp("home")
    out = tmp_path_factory.mktemp("models") / "lstm"
    mp = pytest.MonkeyPatch()
    mp.setattr(data, "EXPECTED_COUNTS", counts)
    mp.setenv("LSTM_TUTORIAL_DATA", str(root))
    mp.setenv("LSTM_TUTORIAL_HOME", str(home))
    mp.setenv("LSTM_TUTORIAL_FAST", "1")
    try:
        yield {"root": root, "home": home, "out": out, "counts": counts, "mp": mp}
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def train_output(trained):
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = cli.main(["train", "--model", "lstm", "--epochs", "2", "--out", str(trained["out"])])
    return rc, buf.getvalue()


@pytest.mark.slow
def test_train_saves_model_vocabulary_and_prints_test_accuracy(trained, train_output):
    rc, out = train_output
    assert rc == 0, out
    assert "step 2/4 fit" in out and "test accuracy:" in out
    folder = trained["out"]
    for name in ("model.keras", "vocabulary.json", "training.json"):
        assert (folder / name).is_file()
    info = json.loads((folder / "training.json").read_text())
    assert info["config"]["model"] == "lstm" and info["config"]["epochs"] == 2
    assert info["metrics"]["test_count"] == 2 * trained["counts"]["test/pos"]
    # an accuracy is a share of the test reviews: a whole number of them was right
    right = info["metrics"]["test_accuracy"] * info["metrics"]["test_count"]
    assert right == pytest.approx(round(right), abs=1e-6)
    assert len(info["metrics"]["epoch_seconds"]) == info["metrics"]["epochs_run"] <= 2
    printed = float(out.split("test accuracy:")[-1].split()[0])
    assert printed == pytest.approx(info["metrics"]["test_accuracy"], abs=5e-5)


@pytest.mark.slow
def test_evaluate_reproduces_the_accuracy_from_training(trained, train_output, capsys):
    rc = cli.main(["evaluate", "--model", str(trained["out"])])
    out = capsys.readouterr().out
    assert rc == 0
    info = json.loads((trained["out"] / "training.json").read_text())
    printed = float(out.split("test accuracy:")[-1].split()[0])
    assert printed == pytest.approx(info["metrics"]["test_accuracy"], abs=5e-5)


def _predict_subprocess(trained, *args, stdin=None):
    env = {**os.environ, "LSTM_TUTORIAL_HOME": str(trained["home"]), "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "lstm_tutorial", "predict", "--model", str(trained["out"]), *args],
                          capture_output=True, text=True, env=env, cwd=str(REPO), timeout=180, input=stdin)


@pytest.mark.slow
def test_predict_in_a_fresh_process_matches_in_process_predictions(trained, train_output, tmp_path):
    reviews = ["A wonderful, moving film. Loved it!", "Awful, boring, a waste of time.", "terrible movie until plotwist."]
    expected = classifier.Classifier.load(trained["out"]).predict_proba(reviews)
    proc = _predict_subprocess(trained, *reviews)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 3
    for line, p in zip(lines, expected):
        label, prob = line.split()[:2]
        assert label == ("positive" if p >= 0.5 else "negative")
        assert float(prob) == pytest.approx(float(p), abs=5e-4)


@pytest.mark.slow
def test_predict_reports_bad_lines_one_by_one_without_crashing(trained, train_output, tmp_path):
    f = tmp_path / "reviews.txt"
    f.write_bytes(b"Great film, loved it.\n\n<br /><br />\nBoring and awful.\n\xff\xfe\x00bin\n")
    proc = _predict_subprocess(trained, "--file", str(f))
    assert proc.returncode == 1  # some lines failed: scripts can notice
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 5  # one line out per line in
    assert lines[0].split()[0] in {"positive", "negative"}
    assert lines[1].startswith("error") and "review 2: empty" in lines[1]
    assert lines[2].startswith("error") and "no words" in lines[2]
    assert lines[3].split()[0] in {"positive", "negative"}
    assert lines[4].startswith("error") and "not UTF-8" in lines[4]
    assert "3 of 5 reviews could not be classified" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_fast_mode_train_says_an_accuracy_near_chance_is_expected(train_output):
    rc, out = train_output
    assert rc == 0 and "note: fast mode trains on" in out and "near chance (0.5) is expected" in out


@pytest.mark.slow
def test_predict_writes_nothing_to_stderr(trained, train_output):
    """No TensorFlow C++ log line (oneDNN, cudart, absl) on stderr, without any TF_CPP_* set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")}
    env.update(LSTM_TUTORIAL_HOME=str(trained["home"]),
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "lstm_tutorial", "predict", "--model",
                           str(trained["out"] / "model.keras"), "A wonderful film."],
                          capture_output=True, text=True, env=env, cwd=str(REPO), timeout=180)
    assert proc.returncode == 0 and proc.stdout.split()[0] in {"positive", "negative"}
    assert proc.stderr == ""


def test_predict_without_a_model_or_input_says_what_to_do(tmp_path, capsys):
    assert cli.main(["predict", "--model", str(tmp_path / "none"), "good film"]) == 1
    assert "lstm_tutorial train" in capsys.readouterr().err
    assert cli.main(["predict", "--model", str(tmp_path / "none")]) == 1
    assert "nothing to classify" in capsys.readouterr().err
    assert cli.main(["predict", "--file", str(tmp_path / "missing.txt")]) == 1
    assert "no file at" in capsys.readouterr().err


def test_train_rejects_a_bad_epoch_count(capsys):
    assert cli.main(["train", "--model", "lstm", "--epochs", "0"]) == 1
    assert "epochs must be at least 1" in capsys.readouterr().err
