"""The command line's shell: help everywhere, one-line errors, doctor."""
import subprocess
import sys

import pytest

from lstm_tutorial.tools import cli

COMMANDS = ["doctor", "data", "notebooks", "train", "predict", "evaluate", "site"]


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "lstm_tutorial", *args], capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_works_everywhere(command, capsys):
    argv = [command, "--help"] if command else ["--help"]
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 0
    assert "usage:" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["frobnicate"], ["notebooks", "--no-such-flag"], ["train", "--model", "cnn"], []])
def test_bad_input_is_one_line_and_non_zero(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "error:" in err and "Traceback" not in err


@pytest.mark.slow
def test_user_errors_become_one_line_without_traceback():
    result = run_cli("notebooks", "no-such-notebook")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: no notebook matches 'no-such-notebook'")
    assert "Traceback" not in result.stderr


def test_fast_write_back_is_refused(capsys):
    assert cli.main(["notebooks", "--fast", "--write-back"]) == 1
    assert "full run" in capsys.readouterr().err


@pytest.fixture(scope="module")
def doctor():
    """One ``doctor`` in a fresh process (TensorFlow starts there), read by the tests below."""
    return run_cli("doctor")


@pytest.mark.slow
def test_doctor_reports_versions_devices_data_and_mode(doctor):
    result = doctor
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in ("tensorflow:", "keras:", "backend: tensorflow", "gpu:", "imdb data:", "nltk stopwords:", "mode: "):
        assert expected in out


def test_update_setup_cells_rewrites_and_does_not_run_notebooks(monkeypatch, capsys):
    from lstm_tutorial.tools import colab, runner as notebooks

    calls = []
    monkeypatch.setattr(colab, "update", lambda paths, readme=None: calls.append((list(paths), readme)) or [])
    monkeypatch.setattr(notebooks, "run_notebooks", lambda *a, **k: pytest.fail("must not execute notebooks"))
    assert cli.main(["notebooks", "--update-setup-cells", "00"]) == 0
    (paths, readme), = calls
    assert [p.name[:2] for p in paths] == ["00"] and readme.name == "README.md"
    assert colab.PIP_REQUIREMENT in capsys.readouterr().out


@pytest.mark.slow
def test_doctor_lists_every_data_set_and_says_whether_the_course_can_run_offline(doctor):
    result = doctor
    assert result.returncode == 0, result.stderr
    for expected in ("electricity series (notebook 05):",
                     "jena climate record (optional, notebook 05):", "offline: "):
        assert expected in result.stdout
    assert result.stderr == ""  # TensorFlow started quietly


def test_doctor_says_how_to_provide_missing_data_offline(monkeypatch, capsys):
    from lstm_tutorial.io import datasets, environment, nltk_data

    fake = environment.Environment("3.12", "tf", "keras", "tensorflow", "full", 42)
    monkeypatch.setattr(environment, "environment", lambda: fake)
    monkeypatch.setattr(datasets, "describe_sources", lambda: "not found locally; ...")
    monkeypatch.setattr(nltk_data, "describe_stopwords", lambda: "missing; ...")
    def no_jena(**_):
        raise FileNotFoundError

    monkeypatch.setattr(datasets, "locate_jena", no_jena)
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "nltk.downloader -d nltk_data stopwords" in out and "set NLTK_DATA" in out
    assert "offline: not ready, the IMDB data and NLTK's stopwords missing" in out
    assert "jena_climate_2009_2016.csv.zip into" in out


def test_a_predict_usage_error_comes_before_tensorflow_is_imported():
    code = ("import sys; from lstm_tutorial.tools import cli; rc = cli.main(['predict']); "
            "print(rc, 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.split() == ["1", "False", "False"]
    assert result.stderr.startswith("error: nothing to classify")
    assert len(result.stderr.splitlines()) == 1


def test_predict_documents_reading_standard_input(capsys):
    with pytest.raises(SystemExit):
        cli.main(["predict", "--help"])
    assert "'-' reads standard input" in " ".join(capsys.readouterr().out.split())


def test_a_latin1_line_is_named_as_such_and_binary_data_as_binary():
    text, problem = cli._decoded("Caf\xe9 cr\xe8me, a fine film".encode("latin-1"))
    assert "Caf" in text and problem.startswith("not UTF-8 (byte 0xe9 at byte 3; Latin-1")
    assert "save the file as UTF-8" in problem
    assert "binary data" in cli._decoded(b"\xff\xfe\x00bin")[1]


def test_the_keras_file_itself_is_taken_as_its_folder(tmp_path):
    import argparse

    (tmp_path / "model.keras").write_bytes(b"")
    keras_file = argparse.Namespace(model=str(tmp_path / "model.keras"))
    assert cli._saved_model_folder(keras_file) == tmp_path
    assert cli._saved_model_folder(argparse.Namespace(model=str(tmp_path))) == tmp_path
