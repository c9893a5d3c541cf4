#!/usr/bin/env bash
# Build the libFuzzer harnesses of libposynda (clang, -fsanitize=fuzzer,address,undefined) and run each for
# SECONDS (default 60) on its committed corpus fuzz/corpus/<harness>/. Any finding -- a crash, a sanitizer
# report, a failed invariant (FUZZ_CHECK), a leak, a timeout, an allocation over the harness's limit --
# fails the run (exit 1) and leaves the input in libposynda/build/fuzz/artifacts/.
#
#   libposynda/fuzz/run.sh [SECONDS]
#
# Harnesses: metadata (parse_metadata on a fuzzed metadata_props map), lift (posynda_lift and
# posynda_stream_push on fuzzed keypoints, confidence, camera, settings, sizes; the model opened once), npy
# (the posynda_lift tool's .npy reader). Needs clang with libFuzzer: on Debian/Ubuntu `clang` +
# `libclang-rt-dev` (Debian 12: clang 14), installed here with apt-get when missing and running as root.
# Environment: PYTHON (the venv whose onnxruntime and posynda are used, default python3), POSYNDA_CPP_BUILD
# (build root, default libposynda/build), POSYNDA_FUZZ_MODEL (a denoiser.onnx; default: `posynda export`
# of the shipped model into the build root).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lib="$(dirname "$here")"
root="${POSYNDA_CPP_BUILD:-$lib/build}"
python="${PYTHON:-python3}"
seconds="${1:-60}"
case "$seconds" in '' | *[!0-9]*) echo "run.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;; esac

# ---- clang with libFuzzer ----------------------------------------------------------------------------------
has_libfuzzer() {
  local probe
  probe="$(mktemp -d)"
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$probe/p.cpp"
  "${CXX:-clang++}" -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" >/dev/null 2>&1
  local ok=$?
  rm -rf "$probe"
  return $ok
}
if ! has_libfuzzer; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "run.sh: installing clang + libFuzzer (apt-get install clang libclang-rt-dev)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-dev >/dev/null
  fi
  has_libfuzzer || { echo "run.sh: no clang with libFuzzer (install clang and libclang-rt-dev)" >&2; exit 1; }
fi
"${CXX:-clang++}" --version | head -n 1

# ---- build, model --------------------------------------------------------------------------------------------
PYTHON="$python" POSYNDA_CPP_BUILD="$root" "$lib/build.sh" --fuzz
bin="$root/fuzz"
model="${POSYNDA_FUZZ_MODEL:-}"
if [ -z "$model" ]; then
  model="$root/fuzz-model/denoiser.onnx"
  if [ ! -f "$model" ]; then
    "$python" -m posynda.cli export --out "$root/fuzz-model" >"$root/fuzz-export.log" 2>&1 ||
      { cat "$root/fuzz-export.log" >&2; echo "run.sh: posynda export failed" >&2; exit 1; }
  fi
fi
export POSYNDA_FUZZ_MODEL="$model"

# ---- run -------------------------------------------------------------------------------------------------------
# ASan: leaks and every report are findings; UBSan: halt on the first report (-fno-sanitize-recover too).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
mkdir -p "$bin/artifacts" "$bin/logs"
failed=()
for harness in metadata npy lift; do
  case "$harness" in
    metadata) limits=(-max_len=16384 -malloc_limit_mb=256) ;;
    npy) limits=(-max_len=8192 -malloc_limit_mb=64) ;;  # a file of <= 8 KiB: a reader that allocates more fails
    lift) limits=(-max_len=8192 -malloc_limit_mb=1024) ;;
  esac
  found="$bin/found/$harness"  # new inputs go here; the committed corpus is only read
  mkdir -p "$found"
  log="$bin/logs/$harness.log"
  status=0
  "$bin/fuzz_$harness" "${limits[@]}" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -error_exitcode=77 \
    -timeout_exitcode=78 -print_final_stats=1 -artifact_prefix="$bin/artifacts/$harness-" \
    "$found" "$here/corpus/$harness" >"$log" 2>&1 || status=$?
  runs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
  corpus="$(ls "$here/corpus/$harness" | wc -l)"
  if [ "$status" -ne 0 ]; then
    failed+=("$harness")
    echo "FAIL fuzz_$harness (exit $status) after $runs inputs: $log"
    grep -E "ERROR:|FUZZ_CHECK|runtime error|Test unit written|==[0-9]+==" "$log" | head -n 20 || tail -n 30 "$log"
  else
    echo "ok   fuzz_$harness: ${seconds}s, $runs inputs, corpus $corpus seeds + $(ls "$found" | wc -l) found"
  fi
done
if [ "${#failed[@]}" -ne 0 ]; then
  echo "run.sh: findings in ${failed[*]} (inputs in $bin/artifacts)" >&2
  exit 1
fi
