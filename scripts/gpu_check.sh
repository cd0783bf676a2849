#!/usr/bin/env bash
# All GPU checks in under 10 minutes, one table at the end (see scripts/gpu_check.py).
# Usage: bash scripts/gpu_check.sh [--frames N] [--steps N]   (run from anywhere; needs a CUDA device)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec timeout 590 "$PYTHON" scripts/gpu_check.py "$@"
