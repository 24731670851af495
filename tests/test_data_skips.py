"""A test that needs missing data skips with one clear reason, and fails on CI (which has it)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA_MISSING, IMDB_MISSING, STOPWORDS_MISSING, imdb_source

HERE = Path(__file__).resolve().parent


def test_both_reasons_start_alike_and_say_how_to_provide_the_data():
    assert IMDB_MISSING.startswith(DATA_MISSING) and STOPWORDS_MISSING.startswith(DATA_MISSING)
    assert "lstm_tutorial data --from" in IMDB_MISSING and "NLTK_DATA" in STOPWORDS_MISSING


def test_the_data_is_found_where_the_course_puts_it(tmp_path, monkeypatch):
    """After `python -m lstm_tutorial data --from PATH` the archive is in the data folder."""
    monkeypatch.delenv("LSTM_TUTORIAL_DATA", raising=False)
    monkeypatch.setenv("LSTM_TUTORIAL_HOME", str(tmp_path))
    (tmp_path / "aclImdb_v1.tar.gz").write_bytes(b"")
    assert imdb_source() == tmp_path / "aclImdb_v1.tar.gz"


@pytest.mark.parametrize("ci, outcome", [("", "1 skipped"), ("true", "1 failed")])
def test_a_data_skip_fails_only_on_ci(tmp_path, ci, outcome):
    shutil.copy(HERE / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_needs_data.py").write_text(
        "import pytest\nfrom conftest import IMDB_MISSING\n\n"
        "def test_it():\n    pytest.skip(IMDB_MISSING)\n")
    env = {**os.environ, "CI": ci}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env,
                            timeout=120)
    assert outcome in result.stdout, result.stdout
