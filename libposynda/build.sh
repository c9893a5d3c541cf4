#!/usr/bin/env bash
# Build libposynda: fetch the headers (Debian's libonnxruntime-dev + nlohmann-json3-dev) if needed, link
# against the libonnxruntime.so of the installed onnxruntime Python wheel, run CMake, install to a prefix.
#
#   libposynda/build.sh            -> libposynda/build/native: libposynda.so, libposynda.a, posynda_lift,
#                                     posynda_test; installed to libposynda/build/install
#   libposynda/build.sh --asan     -> libposynda/build/asan (AddressSanitizer + UBSan, Debug)
#   libposynda/build.sh --aarch64  -> libposynda/build/aarch64-build (cross/setup.sh first: toolchain, qemu,
#                                     the aarch64 onnxruntime wheel's library)
#   libposynda/build.sh --fuzz     -> libposynda/build/fuzz: the libFuzzer harnesses of fuzz/ (clang with
#                                     libFuzzer; fuzz/run.sh installs it where missing and runs them)
#
# Environment: POSYNDA_CPP_BUILD (build root, default libposynda/build), PYTHON (whose onnxruntime wheel
# provides the library, default python3), TensorRT_ROOT (optional, for posynda_lift_trt).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="${POSYNDA_CPP_BUILD:-$here/build}"
python="${PYTHON:-python3}"
variant="${1:-native}"
jobs="$(nproc 2>/dev/null || echo 2)"

"$here/fetch_headers.sh" "$root/headers"
headers="$root/headers/usr/include"
common=(-DONNXRUNTIME_INCLUDE_DIR="$headers/onnxruntime" -DNLOHMANN_JSON_INCLUDE_DIR="$headers"
        -Dnlohmann_json_DIR="$root/headers/usr/share/cmake/nlohmann_json")

native_ort() {
  local capi lib
  capi="$("$python" -c 'import onnxruntime, os; print(os.path.join(os.path.dirname(onnxruntime.__file__), "capi"))')"
  lib="$(ls "$capi"/libonnxruntime.so.* 2>/dev/null | head -n 1 || true)"
  if [ -z "$lib" ]; then
    echo "build.sh: no libonnxruntime.so.* in $capi (pip install onnxruntime)" >&2
    exit 1
  fi
  # The wheel ships libonnxruntime.so.<version> only: give the linker and the loader their names.
  mkdir -p "$root/ortlib"
  ln -sf "$lib" "$root/ortlib/libonnxruntime.so"
  ln -sf "$lib" "$root/ortlib/libonnxruntime.so.1"
  echo "$root/ortlib/libonnxruntime.so"
}

case "$variant" in
  native|--native)
    cmake -S "$here" -B "$root/native" -DCMAKE_BUILD_TYPE=Release -DONNXRUNTIME_LIBRARY="$(native_ort)" "${common[@]}" \
      -DCMAKE_INSTALL_PREFIX="$root/install" ${TensorRT_ROOT:+-DTensorRT_ROOT="$TensorRT_ROOT"} >"$root/native-configure.log"
    grep -E "posynda_lift_trt" "$root/native-configure.log" || true
    cmake --build "$root/native" -j "$jobs"
    cmake --install "$root/native" >/dev/null
    echo "built $root/native (installed to $root/install)"
    ;;
  --asan)
    cmake -S "$here" -B "$root/asan" -DCMAKE_BUILD_TYPE=Debug -DPOSYNDA_SANITIZE=ON -DPOSYNDA_WITH_TENSORRT=OFF \
      -DONNXRUNTIME_LIBRARY="$(native_ort)" "${common[@]}" >"$root/asan-configure.log"
    cmake --build "$root/asan" -j "$jobs" --target posynda_test posynda_video
    echo "built $root/asan/posynda_test (AddressSanitizer + UBSan)"
    ;;
  --fuzz)
    CC="${CC:-clang}" CXX="${CXX:-clang++}" cmake -S "$here" -B "$root/fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DPOSYNDA_FUZZ=ON -DPOSYNDA_WITH_TENSORRT=OFF -DONNXRUNTIME_LIBRARY="$(native_ort)" "${common[@]}" \
      >"$root/fuzz-configure.log"
    cmake --build "$root/fuzz" -j "$jobs" --target fuzz_metadata fuzz_npy fuzz_lift
    echo "built $root/fuzz (libFuzzer + AddressSanitizer + UBSan harnesses)"
    ;;
  --aarch64)
    ortlib="${POSYNDA_ORT_AARCH64:-$root/aarch64/ortlib-aarch64}"
    if [ ! -f "$ortlib/libonnxruntime.so" ]; then
      echo "build.sh: no aarch64 ONNX Runtime in $ortlib (run libposynda/cross/setup.sh)" >&2
      exit 1
    fi
    cmake -S "$here" -B "$root/aarch64-build" -DCMAKE_BUILD_TYPE=Release -DPOSYNDA_WITH_TENSORRT=OFF \
      -DCMAKE_TOOLCHAIN_FILE="$here/cross/aarch64-linux-gnu.cmake" -DONNXRUNTIME_LIBRARY="$ortlib/libonnxruntime.so" \
      "${common[@]}" >"$root/aarch64-configure.log"
    cmake --build "$root/aarch64-build" -j "$jobs" --target posynda_lift posynda_test posynda_video
    echo "built $root/aarch64-build (aarch64)"
    ;;
  *)
    echo "usage: build.sh [--asan | --aarch64 | --fuzz]" >&2
    exit 2
    ;;
esac
