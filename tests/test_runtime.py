import json

import pytest

import lstm_tutorial as lt
from lstm_tutorial import runtime


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


def test_setup_keeps_tensorflow_cpp_logs_out_of_stderr():
    import subprocess
    import sys

    code = "import lstm_tutorial as lt; lt.setup(verbose=False)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "cudart" not in out.stderr and "absl" not in out.stderr
