#!/usr/bin/env bash
# Build (once) and print the path of a llama-cpp-python wheel that is safe on this CPU.
#
# Why: the default native build enables ggml's AMX path, which segfaults on this CPU at the first
# multi-token decode. We build with explicit flags, AMX off. AVX-512 is added when the CPU has it
# (about 35% faster prompts); set GREENROOM_PORTABLE_BUILD=1 for an AVX2-only wheel that runs on any
# x86-64-v3 CPU. The wheel is cached outside the clone, keyed by version and flags, because pip's
# own wheel cache ignores CMAKE_ARGS and would hand back a crashing wheel (hence --no-cache-dir).
set -euo pipefail
VERSION="${LLAMA_CPP_VERSION:-0.3.36}"
PY="${PYTHON:-python3.11}"
CACHE="${GREENROOM_WHEEL_CACHE:-$HOME/.cache/greenroom/wheels}"
FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
if [ "${GREENROOM_PORTABLE_BUILD:-0}" != "1" ] && grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
  FLAGS="$FLAGS -DGGML_AVX512=ON"
fi
KEY=$(printf '%s %s' "$VERSION" "$FLAGS" | sha256sum | cut -c1-12)
DIR="$CACHE/llama-cpp-python-$VERSION-$KEY"
mkdir -p "$DIR"
WHEEL=$(ls "$DIR"/llama_cpp_python-*.whl 2>/dev/null | head -n1 || true)
if [ -z "$WHEEL" ]; then
  echo "Building llama-cpp-python $VERSION from source (5-6 minutes, once). Flags: $FLAGS" >&2
  printf '%s\n' "$FLAGS" > "$DIR/FLAGS"
  CMAKE_ARGS="$FLAGS" FORCE_CMAKE=1 "$PY" -m pip wheel --no-cache-dir --no-deps -w "$DIR" "llama-cpp-python==$VERSION" >&2
  WHEEL=$(ls "$DIR"/llama_cpp_python-*.whl | head -n1)
fi
echo "$WHEEL"
