#!/usr/bin/env bash
# Quick start 1: set up, then run the main job on SQLite (no server needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/retrorun demo "$@"
