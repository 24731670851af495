#!/usr/bin/env bash
# One entry point that sets itself up on a fresh clone: it creates .venv, installs
# requirements.txt and this package (again only when requirements.txt changes), then runs
#
#   bash run.sh notebooks [--fast] [NAMES...]   get the IMDB data, execute the notebooks,
#                                               write runs/<mode>/summary.md
#   bash run.sh test [PYTEST ARGS...]           the test suite
#   bash run.sh COMMAND ...                     any `python -m lstm_tutorial` command
#                                               (doctor, data, train, predict, evaluate)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

VENV="${LSTM_TUTORIAL_VENV:-.venv}"
PYTHON_BIN="${PYTHON:-python3}"
PY="$VENV/bin/python"
STAMP="$VENV/.requirements.sha256"

ensure_environment() {
  if [ ! -x "$PY" ]; then
    echo "run.sh: creating virtual environment $VENV" >&2
    "$PYTHON_BIN" -m venv "$VENV"
  fi
  local want have
  want="$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
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
  help|-h|--help)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exec "$PY" -m lstm_tutorial --help ;;
  *)
    exec "$PY" -m lstm_tutorial "$command" "$@" ;;
esac
