#!/usr/bin/env bash
# One entry point that sets itself up on a fresh clone: it creates .venv, installs
# requirements.txt and this package (again only when requirements.txt changes), then runs
#
#   bash run.sh notebooks [--fast] [NAMES...]   get the IMDB data, execute the notebooks,
#                                               write runs/<mode>/summary.md (and the run
#                                               times there: the clone stays clean)
#   bash run.sh doctor                          versions, devices, and each data set: found,
#                                               or how to provide it offline
#   bash run.sh test [PYTEST ARGS...]           the test suite
#   bash run.sh site                            the course as a static website: runs/site/html
#                                               (its own .venv-site with requirements-site.txt
#                                               only: no TensorFlow, no JupyterLab)
#   bash run.sh COMMAND ...                     any `python -m lstm_tutorial` command
#                                               (doctor, data, train, predict, evaluate,
#                                               train-lm, generate)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

VENV="${LSTM_TUTORIAL_VENV:-.venv}"
PYTHON_BIN="${PYTHON:-python3}"
PY="$VENV/bin/python"
if [ ! -x "$PY" ] && [ -x "$VENV/Scripts/python.exe" ]; then
  PY="$VENV/Scripts/python.exe"  # a virtual environment made on Windows (Git Bash)
fi
STAMP="$VENV/.requirements.sha256"
# The oldest Python the pinned requirements install on: pyproject.toml's requires-python.
MIN_PYTHON="$(sed -n 's/^requires-python *= *">=\([0-9.]*\)".*/\1/p' pyproject.toml)"

require_python() {  # $1: a Python executable; stop with advice when it is too old
  if ! "$1" -c "import sys; sys.exit(sys.version_info[:2] < tuple(map(int, '$MIN_PYTHON'.split('.'))))" 2>/dev/null; then
    echo "run.sh: lstm-tutorial needs Python $MIN_PYTHON or newer (the pinned requirements do);" \
         "$1 is $("$1" --version 2>&1 || echo 'not runnable')." >&2
    echo "run.sh: install a newer Python, then run: PYTHON=/path/to/python3 bash run.sh ...$2" >&2
    exit 1
  fi
}

# Hash of the given files (sha256sum is not on every system: macOS has none).
files_hash() {  # $1: a Python executable; then the files
  "$1" -c 'import hashlib, sys
h = hashlib.sha256()
for name in sys.argv[1:]:
    with open(name, "rb") as f:
        h.update(f.read())
print(h.hexdigest())' "${@:2}"
}

ensure_environment() {
  if [ ! -x "$PY" ]; then
    require_python "$PYTHON_BIN" ""
    echo "run.sh: creating virtual environment $VENV" >&2
    "$PYTHON_BIN" -m venv "$VENV"
    [ -x "$PY" ] || PY="$VENV/Scripts/python.exe"  # Windows puts it there
  else
    require_python "$PY" " (after deleting $VENV, which was made with that Python)"
  fi
  local want have
  want="$(files_hash "$PY" requirements.txt pyproject.toml)"
  have="$(cat "$STAMP" 2>/dev/null || true)"
  if [ "$want" != "$have" ]; then
    echo "run.sh: installing requirements into $VENV (first run takes a few minutes)" >&2
    "$PY" -m pip install --quiet --disable-pip-version-check -r requirements.txt
    "$PY" -m pip install --quiet --disable-pip-version-check --no-deps -e .
    echo "$want" > "$STAMP"
  fi
}

# The website needs only Sphinx and its extensions: a virtual environment of its own, with
# requirements-site.txt (again only when that file changes). The package is not installed
# there: `python -m` finds it in this folder, and the builder never imports TensorFlow.
SITE_VENV="${LSTM_TUTORIAL_SITE_VENV:-.venv-site}"
ensure_site_environment() {
  SITE_PY="$SITE_VENV/bin/python"
  if [ ! -x "$SITE_PY" ] && [ -x "$SITE_VENV/Scripts/python.exe" ]; then
    SITE_PY="$SITE_VENV/Scripts/python.exe"
  fi
  if [ ! -x "$SITE_PY" ]; then
    require_python "$PYTHON_BIN" ""
    echo "run.sh: creating virtual environment $SITE_VENV for the website" >&2
    "$PYTHON_BIN" -m venv "$SITE_VENV"
    [ -x "$SITE_PY" ] || SITE_PY="$SITE_VENV/Scripts/python.exe"
  fi
  local want have
  want="$(files_hash "$SITE_PY" requirements-site.txt)"
  have="$(cat "$SITE_VENV/.requirements.sha256" 2>/dev/null || true)"
  if [ "$want" != "$have" ]; then
    echo "run.sh: installing requirements-site.txt into $SITE_VENV" >&2
    "$SITE_PY" -m pip install --quiet --disable-pip-version-check -r requirements-site.txt
    echo "$want" > "$SITE_VENV/.requirements.sha256"
  fi
}

command="${1:-help}"
[ $# -gt 0 ] && shift
if [ "$command" = site ]; then
  # The committed notebooks (with their outputs) as a website; no network needed.
  ensure_site_environment
  exec "$SITE_PY" -m lstm_tutorial site "$@"  # python -m finds the package in this folder
fi
ensure_environment
case "$command" in
  test)
    exec "$PY" -m pytest "$@" ;;
  notebooks)
    "$PY" -m lstm_tutorial data
    exec "$PY" -m lstm_tutorial notebooks "$@" ;;
  help|-h|--help)
    # The header comment, however long it grows: every line up to the first non-comment.
    sed -n '2,/^[^#]/ { /^#/ { s/^# \{0,1\}//; p; }; }' "$0"
    exec "$PY" -m lstm_tutorial --help ;;
  *)
    exec "$PY" -m lstm_tutorial "$command" "$@" ;;
esac
