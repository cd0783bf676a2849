#!/usr/bin/env bash
# All GPU checks in under 8 minutes (each row in its own process and time limit), one table at the end.
# Usage: bash scripts/gpu_check.sh [--frames N] [--steps N] [--only PREFIX ...]   (needs a CUDA device; see scripts/gpu_check.py)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec timeout 590 "$PYTHON" scripts/gpu_check.py "$@"
