#!/usr/bin/env bash
# Build the C++ example: fetch ONNX Runtime headers (Debian libonnxruntime-dev) if needed, link
# against the libonnxruntime.so of the installed onnxruntime Python wheel, and run CMake.
#
#   export/cpp/build.sh            -> export/cpp/build/cmake/posynda_lift (+ posynda_lift_trt with TensorRT)
#
# Environment: POSYNDA_CPP_BUILD (build folder, default export/cpp/build), PYTHON (the interpreter
# whose onnxruntime wheel provides the library, default python3), ONNXRUNTIME_DEV (unpacked
# headers, default $POSYNDA_CPP_BUILD/onnxruntime-dev), TensorRT_ROOT (optional).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${POSYNDA_CPP_BUILD:-$here/build}"
ort_dev="${ONNXRUNTIME_DEV:-$build/onnxruntime-dev}"
python="${PYTHON:-python3}"

"$here/fetch_onnxruntime_headers.sh" "$ort_dev"
capi="$("$python" -c 'import onnxruntime, os; print(os.path.join(os.path.dirname(onnxruntime.__file__), "capi"))')"
lib="$(ls "$capi"/libonnxruntime.so.* 2>/dev/null | head -n 1 || true)"
if [ -z "$lib" ]; then
  echo "build.sh: no libonnxruntime.so.* in $capi (pip install onnxruntime)" >&2
  exit 1
fi
# The wheel ships libonnxruntime.so.<version> only: give the linker and the loader their names.
mkdir -p "$build/ortlib"
ln -sf "$lib" "$build/ortlib/libonnxruntime.so"
ln -sf "$lib" "$build/ortlib/libonnxruntime.so.1"

cmake -S "$here" -B "$build/cmake" -DCMAKE_BUILD_TYPE=Release \
  -DONNXRUNTIME_INCLUDE_DIR="$ort_dev/usr/include/onnxruntime" \
  -DONNXRUNTIME_LIBRARY="$build/ortlib/libonnxruntime.so" \
  ${TensorRT_ROOT:+-DTensorRT_ROOT="$TensorRT_ROOT"} >"$build/cmake-configure.log"
grep -E "posynda_lift" "$build/cmake-configure.log" || true
cmake --build "$build/cmake" -j "$(nproc 2>/dev/null || echo 2)"
echo "built $build/cmake/posynda_lift"
