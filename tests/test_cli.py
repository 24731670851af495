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


def test_user_errors_become_one_line_without_traceback():
    result = run_cli("notebooks", "no-such-notebook")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: no notebook matches 'no-such-notebook'")
    assert "Traceback" not in result.stderr


def test_fast_write_back_is_refused():
    result = run_cli("notebooks", "--fast", "--write-back")
    assert result.returncode == 1
    assert "full run" in result.stderr


def test_doctor_reports_versions_devices_data_and_mode():
    result = run_cli("doctor")
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
