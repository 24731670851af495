#!/usr/bin/env bash
# One entry point that sets itself up on a fresh clone: it creates .venv, installs
# requirements.txt and this package (again only when requirements.txt changes), then runs
#
#   bash run.sh notebooks [--fast] [NAMES...]   get the IMDB data, execute the notebooks,
#                                               write runs/<mode>/summary.md
#   bash run.sh test [PYTEST ARGS...]           the test suite
#   bash run.sh site                            the course as a static website: runs/site/html
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
  # Hashed with Python: sha256sum is not on every system (macOS has none).
  want="$("$PY" -c 'import hashlib, sys
h = hashlib.sha256()
for name in sys.argv[1:]:
    with open(name, "rb") as f:
        h.update(f.read())
print(h.hexdigest())' requirements.txt pyproject.toml)"
  have="$(cat "$STAMP" 2>/dev/null || true)"
  if [ "$want" != "$have" ]; then
    echo "run.sh: installing requirements into $VENV (first run takes a few minutes)" >&2
    "$PY" -m pip install --quiet --disable-pip-version-check -r requirements.txt
    "$PY" -m pip install --quiet --disable-pip-version-check --no-deps -e .
    echo "$want" > "$STAMP"
  fi
}

ensure_environment
command="${1:-help}"
[ $# -gt 0 ] && shift
case "$command" in
  test)
    exec "$PY" -m pytest "$@" ;;
  notebooks)
    "$PY" -m lstm_tutorial data
    exec "$PY" -m lstm_tutorial notebooks "$@" ;;
  site)
    # The committed notebooks (with their outputs) as a website; no network needed.
    exec "$PY" -m lstm_tutorial site "$@" ;;
  help|-h|--help)
    # The header comment, however long it grows: every line up to the first non-comment.
    sed -n '2,/^[^#]/ { /^#/ { s/^# \{0,1\}//; p; }; }' "$0"
    exec "$PY" -m lstm_tutorial --help ;;
  *)
    exec "$PY" -m lstm_tutorial "$command" "$@" ;;
esac
