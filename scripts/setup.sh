#!/usr/bin/env bash
# Create .venv (once) and install retrorun with every extra into it. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
# Re-install when pyproject.toml changed since the last install.
stamp=.venv/.retrorun-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q -e ".[all]"
  touch "$stamp"
fi
