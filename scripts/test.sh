#!/usr/bin/env bash
# Quick start 2: set up, lint, and run the test suite (pass -m "not slow" for the fast subset).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src tests benchmarks
exec .venv/bin/python -m pytest "$@"
