#!/usr/bin/env bash
# One-step set-up: system JPEG library and chromium for the browser test (both optional), a virtual environment in .venv,
# the pinned requirements and this project as an editable package. No CUDA compile.
set -euo pipefail
cd "$(dirname "$0")"
VENV="${AIATRACK_VENV:-.venv}"

if ! ldconfig -p 2>/dev/null | grep -q libturbojpeg; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "[install] installing libturbojpeg0 for jpeg4py"
        apt-get install -y -qq libturbojpeg0 >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq libturbojpeg0 >/dev/null 2>&1; } \
            || echo "[install] libturbojpeg0 unavailable: images will be decoded with OpenCV (same RGB output)"
    else
        echo "[install] libturbojpeg not found and apt-get not usable: images will be decoded with OpenCV"
    fi
fi

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "[install] installing chromium and chromium-driver for the web demo's browser test"
        apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; } \
            || echo "[install] chromium unavailable: tests/tracking/test_web_demo.py will be skipped"
    else
        echo "[install] chromium/chromedriver not found and apt-get not usable: the web demo's browser test will be skipped"
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "[install] creating virtual environment $VENV"
    python3 -m venv "$VENV"
fi
echo "[install] installing pinned requirements"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
echo "[install] installing the aiatrack package (editable)"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
echo "[install] done: activate with 'source $VENV/bin/activate'"
