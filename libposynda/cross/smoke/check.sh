#!/usr/bin/env bash
# End-to-end check of the aarch64 cross setup: build smoke/main.cpp for aarch64 (toolchain file) and
# natively, run the aarch64 binary under qemu (run.sh) and the native one on the same model, and
# compare all float outputs (max abs diff <= POSYNDA_CROSS_TOL, default 1e-5).
#
#   libposynda/cross/smoke/check.sh [MODEL.onnx]       (run libposynda/cross/setup.sh first)
#
# Without MODEL it exports one with the `posynda` CLI next to $PYTHON (posynda export --onnx).
# Environment: PYTHON (default python3; its onnxruntime gives the native library, its numpy the
# comparison), ORT_INCLUDE (folder with onnxruntime_cxx_api.h; default: fetched with
# libposynda/fetch_headers.sh into libposynda/build/aarch64/headers), POSYNDA_ORT_AARCH64 (default
# libposynda/build/aarch64/ortlib-aarch64), POSYNDA_CROSS_TOL. Last line: "smoke: N passed, N failed".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cross="$(cd "$here/.." && pwd)"
lib_root="$(cd "$cross/.." && pwd)"
build="$lib_root/build/aarch64"
python="${PYTHON:-python3}"
ort_a64="${POSYNDA_ORT_AARCH64:-$build/ortlib-aarch64}"
tol="${POSYNDA_CROSS_TOL:-1e-5}"
[ -e "$ort_a64/libonnxruntime.so" ] || { echo "check.sh: no $ort_a64/libonnxruntime.so: run $cross/setup.sh" >&2; exit 1; }

inc="${ORT_INCLUDE:-}"
if [ -z "$inc" ]; then
  if [ -x "$lib_root/fetch_headers.sh" ]; then
    "$lib_root/fetch_headers.sh" "$build/headers" >/dev/null
  else
    "$lib_root/../export/cpp/fetch_onnxruntime_headers.sh" "$build/headers" >/dev/null
  fi
  inc="$build/headers/usr/include/onnxruntime"
fi

model="${1:-}"
if [ -z "$model" ]; then
  cli="$(dirname "$python")/posynda"
  command -v "$cli" >/dev/null || cli=posynda
  (cd "$build" && "$cli" export --onnx --out "$build/smoke-model" >/dev/null)
  model="$build/smoke-model/denoiser.onnx"
fi

# native library: the wheel's libonnxruntime.so.<version>, linked under the names the linker wants
capi="$("$python" -c 'import onnxruntime, os; print(os.path.join(os.path.dirname(onnxruntime.__file__), "capi"))')"
native_lib="$(ls "$capi"/libonnxruntime.so.* | head -n 1)"
mkdir -p "$build/ortlib-native"
ln -sfn "$native_lib" "$build/ortlib-native/libonnxruntime.so"
ln -sfn "$native_lib" "$build/ortlib-native/libonnxruntime.so.1"

t0=$(date +%s%N)
cmake -S "$here" -B "$build/smoke-aarch64" -DCMAKE_TOOLCHAIN_FILE="$cross/aarch64-linux-gnu.cmake" \
  -DORT_INCLUDE="$inc" -DORT_LIB="$ort_a64/libonnxruntime.so" -DMODEL="$model" >/dev/null
cmake --build "$build/smoke-aarch64" -j2 >/dev/null
t1=$(date +%s%N)
cmake -S "$here" -B "$build/smoke-native" -DORT_INCLUDE="$inc" -DORT_LIB="$build/ortlib-native/libonnxruntime.so" >/dev/null
cmake --build "$build/smoke-native" -j2 >/dev/null

"$build/smoke-native/posynda_cross_smoke" "$model" ramp "$build/smoke-native.bin" > "$build/smoke-native.txt"
t2=$(date +%s%N)
POSYNDA_ORT_AARCH64="$ort_a64" "$cross/run.sh" "$build/smoke-aarch64/posynda_cross_smoke" "$model" ramp \
  "$build/smoke-aarch64.bin" > "$build/smoke-aarch64.txt"
t3=$(date +%s%N)
grep '^output' "$build/smoke-aarch64.txt"
diff <(grep -v '^output' "$build/smoke-native.txt") <(grep -v '^output' "$build/smoke-aarch64.txt") \
  || { echo "check.sh: metadata/inputs differ between native and aarch64"; echo "smoke: 0 passed, 1 failed"; exit 1; }
"$python" - "$build/smoke-native.bin" "$build/smoke-aarch64.bin" "$tol" \
  "$(( (t1 - t0) / 1000000 ))" "$(( (t3 - t2) / 1000000 ))" <<'PY'
import sys
import numpy as np
native, a64 = (np.fromfile(p, dtype=np.float32) for p in sys.argv[1:3])
tol = float(sys.argv[3])
diff = float(np.abs(native - a64).max()) if native.size == a64.size and native.size else float("inf")
print(f"aarch64 (qemu) vs native: {native.size} values, max abs diff {diff:.3g} (tol {tol:g}); "
      f"cross build {float(sys.argv[4]) / 1000:.1f} s, qemu run {float(sys.argv[5]) / 1000:.2f} s")
ok = diff <= tol
print(f"smoke: {int(ok)} passed, {int(not ok)} failed")
sys.exit(0 if ok else 1)
PY
