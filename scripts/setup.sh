#!/usr/bin/env bash
# Create .venv (once) and install retrorun with every extra into it. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | { grep -v "^WARNING: Location" || true; }
fi
# Re-install when pyproject.toml changed since the last install.
stamp=.venv/.retrorun-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  # pip's notes about unreachable extra index folders are noise here: keep real errors only.
  .venv/bin/python -m pip install -q -e ".[all]" 2>&1 | { grep -v "^WARNING: Location" || true; }
  touch "$stamp"
fi
