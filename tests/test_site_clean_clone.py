"""The README's site command works on a clean clone: `bash run.sh site` in a fresh `git clone`,
with its own new .venv-site made from requirements-site.txt alone. A package the site build
imports but requirements-site.txt does not name (numpy was one) fails here, as it would for
a reader; the same clone then gets a deliberately missing dependency to show the check fails.

It clones what is committed (HEAD), installs the site's requirements with pip (about a
minute from a package index or mirror) and builds the site (seconds).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.site

REPO = Path(__file__).resolve().parents[1]


def _run_site(clone: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "LSTM_TUTORIAL_VENV", "LSTM_TUTORIAL_SITE_VENV")}
    return subprocess.run(["bash", "run.sh", "site"], cwd=clone, capture_output=True, text=True,
                          env=env, timeout=1200)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_bash_run_sh_site_builds_on_a_clean_clone_and_fails_without_a_dependency(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, timeout=300)
    out = _run_site(clone)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert (clone / ".venv-site").is_dir() and not (clone / ".venv").exists()
    assert (clone / "runs" / "site" / "html" / "index.html").is_file()
    pages = sorted(p.name for p in (clone / "runs" / "site" / "html").glob("0*.html"))
    assert len(pages) == len(list((clone / "notebooks").glob("0*.ipynb"))), pages

    # The check can fail: the package now imports something the site's environment lacks.
    init = clone / "lstm_tutorial" / "__init__.py"
    init.write_text("import tensorflow  # not in requirements-site.txt\n" + init.read_text())
    broken = _run_site(clone)
    assert broken.returncode != 0
    assert "tensorflow" in broken.stderr
