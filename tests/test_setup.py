"""Set-up truth: the Python version, run.sh on any Unix, the notebooks' set-up cell and
the Colab links, and no developer-machine facts in the text users read."""
from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
from packaging.specifiers import SpecifierSet

from lstm_tutorial.tools import colab, runner as notebooks
from lstm_tutorial.io.errors import UsageError

REPO = Path(__file__).resolve().parents[1]
MIN_PYTHON = re.match(r">=\s*(\d+\.\d+)", tomllib.loads((REPO / "pyproject.toml").read_text())
                      ["project"]["requires-python"]).group(1)


def pinned_requirements(name: str = "requirements.txt") -> dict[str, str]:
    pins = {}
    for line in (REPO / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[name.split("[")[0].strip()] = version.strip()
    return pins


# ----------------------------------------------------------------------------- python version
def test_every_pinned_requirement_installs_on_the_oldest_python_we_claim():
    """pyproject's requires-python must not promise a Python the pins cannot install on."""
    checked = 0
    for name, version in pinned_requirements().items():
        try:
            meta = importlib.metadata.metadata(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        if meta["Version"] != version or not meta.get("Requires-Python"):
            continue
        checked += 1
        assert SpecifierSet(meta["Requires-Python"]).contains(f"{MIN_PYTHON}.0"), (
            f"{name}=={version} needs Python {meta['Requires-Python']}, pyproject says >={MIN_PYTHON}")
    assert checked >= 3  # the check ran on the installed pins (numpy, keras, ...)


#: Import names published under another distribution name.
DISTRIBUTION = {"sklearn": "scikit-learn"}
#: Imported only where present (IPython, for a notebook's display) or from an extra
#: (TensorFlow: the `tf` or `cpu` build, either provides `import tensorflow`).
NOT_REQUIRED = {"IPython", "tensorflow"}


def third_party_imports(package: Path) -> set[str]:
    """The distributions the package's modules import, at the top or inside a function."""
    names = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    names -= set(sys.stdlib_module_names) | NOT_REQUIRED | {package.name}
    return {DISTRIBUTION.get(n, n) for n in names}


def test_the_declared_dependencies_are_what_the_package_imports():
    """Nothing imported goes undeclared (it would fail on a fresh install), nothing declared goes unused,
    and requirements.txt pins each one."""
    declared = {re.split(r"[<>=!~\[ ;]", d)[0] for d in
                tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]}
    assert third_party_imports(REPO / "lstm_tutorial") == declared
    assert declared <= set(pinned_requirements())


def test_the_dependency_check_sees_an_undeclared_import(tmp_path):
    (tmp_path / "lstm_tutorial").mkdir()
    (tmp_path / "lstm_tutorial" / "m.py").write_text("import json\nfrom . import x\ndef f():\n    import sklearn.metrics\n")
    assert third_party_imports(tmp_path / "lstm_tutorial") == {"scikit-learn"}


def test_the_site_requirements_are_the_suites_versions_without_tensorflow_or_jupyterlab():
    """`bash run.sh site` installs requirements-site.txt only; the test suite builds the site
    with requirements.txt, so the two must pin the same versions."""
    site, full = pinned_requirements("requirements-site.txt"), pinned_requirements()
    assert site and {name: full.get(name) for name in site} == site
    assert not [name for name in site if re.match(r"tensorflow|keras|jupyterlab|notebook$", name, re.I)]
    assert {"Sphinx", "myst-nb", "sphinx-book-theme", "sphinx-copybutton"} <= set(site)


def test_readme_states_the_same_python_version():
    stated = set(re.findall(r"Python (\d+\.\d+)\+", (REPO / "README.md").read_text()))
    assert stated == {MIN_PYTHON}


def test_readme_documents_windows():
    readme = (REPO / "README.md").read_text()
    assert r".venv\Scripts\python -m pip install -r requirements.txt" in readme


def _fake_python(tmp_path: Path, version: str) -> Path:
    """A 'python3' that reports an old version and fails every other command."""
    fake = tmp_path / "python3"
    fake.write_text(f'#!/bin/sh\ncase "$*" in\n  *--version*) echo "Python {version}";;\n  *) exit 1;;\nesac\n')
    fake.chmod(0o755)
    return fake


def test_run_sh_refuses_an_old_python_before_pip_runs(tmp_path):
    venv = tmp_path / "venv"
    env = {**os.environ, "LSTM_TUTORIAL_VENV": str(venv), "PYTHON": str(_fake_python(tmp_path, "3.9.18"))}
    out = subprocess.run(["bash", str(REPO / "run.sh"), "help"], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 1
    assert f"needs Python {MIN_PYTHON} or newer" in out.stderr and "3.9.18" in out.stderr
    assert "PYTHON=" in out.stderr  # says how to pick another one
    assert not venv.exists()


def test_run_sh_works_without_sha256sum(tmp_path):
    """macOS has no sha256sum: run.sh hashes with Python. PATH here holds only basic tools."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("dirname", "sed", "cat", "cut", "env"):
        found = shutil.which(tool)
        if found:
            (tools / tool).symlink_to(found)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    wrapper = venv / "bin" / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    stamp = hashlib.sha256((REPO / "requirements.txt").read_bytes() + (REPO / "pyproject.toml").read_bytes())
    (venv / ".requirements.sha256").write_text(stamp.hexdigest() + "\n")  # up to date: no pip
    env = {"PATH": str(tools), "LSTM_TUTORIAL_VENV": str(venv), "HOME": str(tmp_path),
           "PYTHONPATH": str(REPO)}
    out = subprocess.run([shutil.which("bash"), str(REPO / "run.sh"), "--help"], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "usage:" in out.stdout and "installing" not in out.stderr


def test_run_sh_site_uses_its_own_environment_and_not_the_full_one(tmp_path):
    """`bash run.sh site` runs in .venv-site (requirements-site.txt) and never creates .venv,
    whose TensorFlow and JupyterLab the website does not need."""
    site_venv, full_venv = tmp_path / "venv-site", tmp_path / "venv"
    (site_venv / "bin").mkdir(parents=True)
    wrapper = site_venv / "bin" / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    stamp = hashlib.sha256((REPO / "requirements-site.txt").read_bytes())
    (site_venv / ".requirements.sha256").write_text(stamp.hexdigest() + "\n")  # up to date: no pip
    env = {**os.environ, "LSTM_TUTORIAL_SITE_VENV": str(site_venv), "LSTM_TUTORIAL_VENV": str(full_venv),
           "PYTHON": str(_fake_python(tmp_path, "3.9.18"))}  # creating .venv would fail loudly
    out = subprocess.run(["bash", str(REPO / "run.sh"), "site", "--help"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "usage: python -m lstm_tutorial site" in out.stdout and "installing" not in out.stderr
    assert not full_venv.exists()


# ----------------------------------------------------------------------------- set-up cell, links
def test_notebooks_and_readme_agree_with_colab_py():
    found = colab.problems(notebooks.find_notebooks(), readme=REPO / "README.md")
    assert found == [], "run `python -m lstm_tutorial notebooks --update-setup-cells`: " + "; ".join(found)


def test_the_setup_cell_is_the_first_code_cell_and_pins_a_release():
    source = colab.setup_cell_source()
    compile(source, "setup cell", "exec")  # plain Python: no IPython magics
    assert f"@{colab.PINNED_REF}" in source and colab.REPO_URL in source
    assert "FAST = None" in source and "lt.setup(fast=FAST)" in source
    pip_lines = [line for line in source.splitlines() if '"pip", "install"' in line or "PACKAGE =" in line]
    assert pip_lines and not any(re.search("tensorflow|keras", line, re.I) for line in pip_lines)
    assert f'PACKAGE = "{colab.PIP_REQUIREMENT}"' in source  # installs this package only
    for path in notebooks.find_notebooks():
        nb = nbformat.read(path, as_version=4)
        first_code = next(c for c in nb.cells if c.cell_type == "code")
        assert first_code.source == source, path.name


def test_update_rewrites_an_old_cell_and_links_and_then_changes_nothing(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(
                    "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
                    "(https://colab.research.google.com/github/someone/old/blob/main/notebooks/09_x.ipynb)"),
                nbformat.v4.new_code_cell("import lstm_tutorial as lt\nenv = lt.setup()")]
    path = tmp_path / "09_x.ipynb"
    nbformat.write(nb, path)
    assert colab.problems([path])
    assert colab.update([path]) == [path]
    assert colab.problems([path]) == []
    assert colab.colab_url("09_x.ipynb") in path.read_text()
    assert colab.update([path]) == []  # idempotent


def test_update_refuses_a_notebook_without_a_setup_cell(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(UsageError, match="lt.setup"):
        colab.update([path])
    assert nbformat.read(path, as_version=4).cells[0].source == "x = 1"


def _run_cell(tmp_path: Path, extra_env: dict) -> subprocess.CompletedProcess:
    """Run the set-up cell as a script in a folder without the repository, with Python
    unable to import lstm_tutorial (as for a notebook downloaded on its own)."""
    script = tmp_path / "cell.py"
    script.write_text(colab.setup_cell_source())
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KAGGLE_KERNEL_RUN_TYPE")}
    # pip must fail at once and could never install anything: no git, no retries, a dry run.
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    env.update(PATH=str(empty), PIP_DRY_RUN="1", PIP_RETRIES="0", PIP_TIMEOUT="1", PIP_NO_INPUT="1")
    env.update(extra_env)
    return subprocess.run([sys.executable, "-S", "-I", str(script)], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=120)


def test_setup_cell_outside_the_repository_says_how_to_get_the_package(tmp_path):
    out = _run_cell(tmp_path, {})
    assert out.returncode == 1
    assert "ModuleNotFoundError" in out.stderr and "not installed here" in out.stderr
    assert colab.REPO_URL in out.stderr and "Colab" in out.stderr


def test_setup_cell_on_kaggle_without_internet_says_to_switch_it_on(tmp_path):
    out = _run_cell(tmp_path, {"KAGGLE_KERNEL_RUN_TYPE": "Interactive"})
    assert out.returncode == 1
    assert "switch Internet on" in out.stderr


# ----------------------------------------------------------------------------- user-facing text
MACHINE_FACTS = re.compile(r"2-core|two-core|\.\./shared|/work/|heavy\.lock|flock |our machine|project machine",
                           re.IGNORECASE)


@pytest.mark.parametrize("path", sorted((REPO / "lstm_tutorial").glob("*.py"))
                         + [REPO / "README.md", REPO / "pyproject.toml"] + sorted((REPO / "benchmarks").glob("*.py")),
                         ids=lambda p: p.name)
def test_no_developer_machine_facts_in_text_users_read(path):
    hits = [line.strip() for line in path.read_text().splitlines() if MACHINE_FACTS.search(line)]
    assert hits == [], f"{path.name}: machine facts belong in benchmark output, not here"


def test_readme_quickstart_names_the_offline_route_and_the_recorded_run_times():
    readme = (REPO / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    for step in ("data --from", "NLTK_DATA", "nltk.downloader", "doctor", "test suite about"):
        assert step in quickstart, step
    times = notebooks.read_run_times()
    for mode in ("full", "fast"):
        total = sum(run[mode]["seconds"] for run in times.values() if mode in run) / 60
        stated = re.search(rf"about (\d+) minutes in {mode} mode", " ".join(quickstart.split()))
        assert stated, f"the Quickstart should say how long a {mode} run takes"
        assert abs(int(stated.group(1)) - total) <= max(1.0, 0.15 * total), (
            f"README says {stated.group(1)} min for a {mode} run; "
            f"notebooks/run_times.json sums to {total:.1f}")
