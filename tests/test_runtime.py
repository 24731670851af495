import json
from pathlib import Path

import pytest

import lstm_tutorial as lt
from lstm_tutorial.tools import runtime


@pytest.mark.parametrize("value, fast", [("1", True), ("true", True), ("YES", True), ("0", False), ("", False), ("no", False)])
def test_fast_mode_reads_the_environment(monkeypatch, value, fast):
    monkeypatch.setenv(runtime.FAST_ENV, value)
    assert lt.is_fast() is fast
    assert lt.mode() == ("fast" if fast else "full")
    assert lt.pick(full="big", fast="small") == ("small" if fast else "big")


def test_fast_mode_is_off_when_unset(monkeypatch):
    monkeypatch.delenv(runtime.FAST_ENV, raising=False)
    assert not lt.is_fast()


def test_record_and_report_print_one_json_object(capsys, monkeypatch):
    import numpy as np

    monkeypatch.setenv(runtime.FAST_ENV, "1")
    runtime._key_figures.clear()
    lt.record(accuracy=np.float32(0.5), counts=np.array([1, 2]), table={"a": np.int64(3)})
    printed = lt.report()
    line = capsys.readouterr().out.strip()
    assert "\n" not in line
    assert json.loads(line) == printed == {"mode": "fast", "accuracy": 0.5, "counts": [1, 2], "table": {"a": 3}}


@pytest.mark.slow
def test_report_as_a_notebooks_last_line_shows_the_figures_once(tmp_path, monkeypatch):
    """In a real kernel, a last line ``lt.report()`` gives one output, the printed JSON (before,
    the returned dict was echoed under it); a last line returning a plain dict does echo."""
    import os

    import nbclient
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import lstm_tutorial as lt\nlt.record(acc=0.5)\nlt.report()"),
                nbformat.v4.new_code_cell("dict(lt.key_figures())")]
    root = str(Path(__file__).resolve().parents[1])  # this checkout's package, in the kernel too
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    nbclient.NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(tmp_path)}}).execute()
    report, plain = nb.cells[0].outputs, nb.cells[1].outputs
    assert [o.output_type for o in report] == ["stream"], report
    assert json.loads(report[0].text) == {"acc": 0.5, "mode": lt.mode()}
    assert [o.output_type for o in plain] == ["execute_result"]  # what the echo looked like


def test_record_rejects_values_that_are_not_json(monkeypatch):
    with pytest.raises(TypeError):
        lt.record(bad=object())


def test_setup_prints_the_mode_and_resets_figures(capsys, monkeypatch):
    monkeypatch.setenv(runtime.FAST_ENV, "1")
    lt.record(stale=1)
    env = lt.setup(seed=7)
    out = capsys.readouterr().out
    assert "mode: fast" in out.splitlines()
    assert env.backend == "tensorflow"
    assert lt.key_figures() == {"device": env.device}  # stale figures gone; the device kept for run times


def test_setup_makes_random_numbers_repeatable():
    import keras

    lt.setup(seed=3, verbose=False)
    first = keras.random.uniform((4,)).numpy()
    lt.setup(seed=3, verbose=False)
    second = keras.random.uniform((4,)).numpy()
    assert (first == second).all()


def test_importing_the_package_does_not_import_tensorflow():
    import subprocess
    import sys

    code = "import sys, lstm_tutorial; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
    assert out.stderr == ""


@pytest.mark.slow
def test_setup_keeps_tensorflow_cpp_logs_out_of_stderr():
    import subprocess
    import sys

    code = "import lstm_tutorial as lt; lt.setup(verbose=False)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "cudart" not in out.stderr and "absl" not in out.stderr


def test_setup_can_choose_fast_mode_without_the_environment_variable(capsys, monkeypatch):
    """The set-up cell's FAST switch: True works where no environment variable can be set."""
    monkeypatch.delenv(runtime.FAST_ENV, raising=False)
    lt.setup(fast=True)
    assert "mode: fast" in capsys.readouterr().out.splitlines()
    assert lt.is_fast() and lt.pick(full=1, fast=2) == 2
    monkeypatch.setenv(runtime.FAST_ENV, "1")
    lt.setup(fast=None)  # None: the environment decides (the headless runner, the tests)
    assert "mode: fast" in capsys.readouterr().out.splitlines()
    lt.setup(fast=False)
    assert "mode: full" in capsys.readouterr().out.splitlines()


def _python(code, tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    env.pop("LSTM_TUTORIAL_VERBOSE_TF", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_hidden_start_up_lines_stay_hidden_when_all_goes_well(tmp_path):
    code = ("import os\nfrom lstm_tutorial.io import environment\n"
            "with environment.stderr_silenced():\n    os.write(2, b'I cuda_dso_loader: noise\\n')\n")
    out = _python(code, tmp_path)
    assert out.returncode == 0 and out.stderr == ""
    assert list(tmp_path.iterdir()) == []  # nothing left behind


def test_hidden_start_up_lines_are_shown_when_the_start_fails(tmp_path):
    code = ("import os\nfrom lstm_tutorial.io import environment\n"
            "with environment.stderr_silenced():\n"
            "    os.write(2, b'F cpu_feature_guard: this build needs AVX\\n')\n"
            "    raise ImportError('tensorflow failed to start')\n")
    out = _python(code, tmp_path)
    assert out.returncode == 1
    assert "this build needs AVX" in out.stderr and "LSTM_TUTORIAL_VERBOSE_TF=1" in out.stderr
    assert "tensorflow failed to start" in out.stderr


def test_lines_of_a_process_that_died_while_starting_are_shown_next_time(tmp_path):
    """A C++ abort kills the kernel ("kernel died"); the next start shows what it said."""
    died = _python("import os\nfrom lstm_tutorial.io import environment\n"
                   "with environment.stderr_silenced():\n"
                   "    os.write(2, b'F cuda: CUDA_ERROR_NO_DEVICE, aborting\\n')\n"
                   "    os.abort()\n", tmp_path)
    assert died.returncode != 0 and "CUDA_ERROR_NO_DEVICE" not in died.stderr  # hidden as it happened
    nxt = _python("from lstm_tutorial.io import environment\nwith environment.stderr_silenced():\n    pass\n", tmp_path)
    assert "CUDA_ERROR_NO_DEVICE" in nxt.stderr and "died" in nxt.stderr
    assert "LSTM_TUTORIAL_VERBOSE_TF=1" in nxt.stderr
    again = _python("from lstm_tutorial.io import environment\nwith environment.stderr_silenced():\n    pass\n", tmp_path)
    assert again.stderr == ""  # shown once
