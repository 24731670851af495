"""The train command's --seed, --seeds and --word-vectors, and evaluate's 95 % interval,
through cli.main on the tiny aclImdb-shaped fixture (offline, fast mode)."""
from __future__ import annotations

import json
import re

import pytest

pytest.importorskip("keras")
pytest.importorskip("gensim")

from lstm_tutorial import stats, training
from lstm_tutorial.tools import cli  # noqa: E402
from lstm_tutorial.tools import classifier as train_command  # noqa: E402
from test_cli_train import trained  # noqa: E402,F401 - the shared fixture folder


@pytest.fixture(scope="module")
def seeded_run(trained):  # noqa: F811
    import contextlib
    import io

    out = trained["out"].parent / "lstm-seed7"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = cli.main(["train", "--model", "lstm", "--epochs", "1", "--seed", "7", "--word-vectors", "none",
                       "--out", str(out)])
    return rc, buf.getvalue(), out


@pytest.mark.slow
def test_seed_and_word_vectors_options_reach_the_saved_settings(seeded_run):
    rc, printed, out = seeded_run
    assert rc == 0, printed
    config = json.loads((out / "training.json").read_text())["config"]
    assert config["seed"] == 7 and config["word_vectors"] == "none"
    assert "word2vec" not in printed  # no vectors trained or read


@pytest.mark.slow
def test_default_train_starts_from_word2vec(trained):  # noqa: F811
    import contextlib
    import io

    out = trained["out"].parent / "lstm-w2v"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert cli.main(["train", "--model", "lstm", "--epochs", "1", "--out", str(out)]) == 0
    printed = buf.getvalue()
    assert "embedding starts from word2vec" in printed
    config = json.loads((out / "training.json").read_text())["config"]
    assert config["word_vectors"] == "word2vec" and config["seed"] == 0 and config["lr_schedule"] == "cosine"


@pytest.mark.slow
def test_evaluate_prints_the_accuracy_with_its_95_percent_interval(seeded_run, capsys):
    _, _, out = seeded_run
    assert cli.main(["evaluate", "--model", str(out)]) == 0
    printed = capsys.readouterr().out
    m = re.search(r"test accuracy: ([0-9.]+) \(95% interval ([0-9.]+)-([0-9.]+)\) on ([0-9,]+) reviews", printed)
    assert m, printed
    accuracy, low, high, n = float(m[1]), float(m[2]), float(m[3]), int(m[4].replace(",", ""))
    assert low <= accuracy <= high
    assert (low, high) == pytest.approx(stats.accuracy_interval(accuracy, n), abs=5e-5)
    saved = json.loads((out / "training.json").read_text())["metrics"]["test_accuracy"]
    assert accuracy == pytest.approx(saved, abs=5e-5)


def test_seeds_option_hands_every_seed_to_train_seeds(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(train_command, "train_seeds", lambda config, s, out_dir=None: calls.append((config, s, out_dir)))
    assert cli.main(["train", "--model", "gru", "--seeds", "0", "1", "2", "--epochs", "2",
                     "--out", str(tmp_path / "m")]) == 0
    (config, given, out_dir), = calls
    assert given == [0, 1, 2] and out_dir == str(tmp_path / "m")
    assert config.model == "gru" and config.epochs == 2


def test_seed_and_seeds_together_are_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["train", "--seed", "1", "--seeds", "0", "1"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_train_help_states_the_new_defaults():
    train = cli.build_parser()._subparsers._group_actions[0].choices["train"]
    helps = {a.dest: a.help or "" for a in train._actions}
    c = training.TrainConfig.for_mode(model="bilstm", fast=False)
    assert f"default: {c.max_tokens}" in helps["max_tokens"]
    assert f"default: {c.seed}" in helps["seed"]
    assert f"default: {c.word_vectors}" in helps["word_vectors"]
    assert f"default: {c.network.dropout:g})" in helps["dropout"]
    assert f"default: {c.network.learning_rate:g})" in helps["learning_rate"]
    assert f"default: {c.epochs};" in helps["epochs"]
    for dest in ("length", "batch_size"):
        assert f"default: {getattr(c, dest)})" in helps[dest]


def test_dropout_and_learning_rate_options_reach_the_config(monkeypatch):
    seen = []
    monkeypatch.setattr(train_command, "train_model", lambda config, out_dir=None: seen.append(config))
    monkeypatch.setattr(cli, "_start_tensorflow", lambda: None)
    assert cli.main(["train", "--dropout", "0.25", "--learning-rate", "0.003"]) == 0
    assert seen[0].network.dropout == 0.25 and seen[0].network.learning_rate == 0.003


@pytest.mark.parametrize("flag, value, message", [("--dropout", "1.5", "dropout is a share"),
                                                  ("--learning-rate", "0", "learning rate must be positive")])
def test_nonsense_dropout_or_learning_rate_is_a_one_line_error(flag, value, message, capsys):
    assert cli.main(["train", flag, value]) == 1
    assert message in capsys.readouterr().err
