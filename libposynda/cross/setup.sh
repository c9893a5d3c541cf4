#!/usr/bin/env bash
# Set up aarch64 cross-building with ONNX Runtime on a Debian x86-64 host (idempotent).
#
#   libposynda/cross/setup.sh [DEST]        (default: libposynda/build/aarch64, git-ignored)
#
# 1. Installs, when missing, g++-aarch64-linux-gnu and qemu-user (or qemu-user-static where the
#    release has no qemu-user) with apt-get; needs root for that (CI runs as root).
# 2. Downloads the aarch64 onnxruntime wheel of the same version as $PYTHON's onnxruntime
#    (pip download --platform manylinux*_aarch64 --only-binary=:all: --no-deps) into DEST/wheels,
#    unpacks onnxruntime/capi/libonnxruntime.so.* into DEST/ortlib-aarch64 and links
#    libonnxruntime.so and libonnxruntime.so.1 to it.
# 3. Makes DEST/qemu-root for run.sh (lib -> the cross root's lib/, an aarch64 /proc/cpuinfo).
# 4. Checks that the library's NEEDED libraries and symbol versions (GLIBC_*, GLIBCXX_*, ...) are
#    provided by the cross root /usr/aarch64-linux-gnu (libc6-arm64-cross, libstdc++6-arm64-cross),
#    then links a tiny C program to it and runs it under qemu (run.sh): it must print the version.
#
# Environment: PYTHON (default python3), POSYNDA_ORT_VERSION (overrides the version taken from
# $PYTHON). Prints the toolchain file and the ORT lib folder at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:-$(cd "$here/.." && pwd)/build/aarch64}"
python="${PYTHON:-python3}"
sysroot=/usr/aarch64-linux-gnu
t0=$(date +%s)

have_pkg() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]; }

# --- 1. Debian packages -----------------------------------------------------------------------
missing=()
have_pkg g++-aarch64-linux-gnu || missing+=(g++-aarch64-linux-gnu)
if ! have_pkg qemu-user && ! have_pkg qemu-user-static; then
  missing+=(qemu-user)   # resolved below to whichever the release has
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup.sh: missing Debian packages: ${missing[*]} (qemu-user or qemu-user-static); run as root or: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "installing ${missing[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  pkgs=()
  for p in "${missing[@]}"; do
    if [ "$p" = qemu-user ]; then
      policy="$(apt-cache policy qemu-user 2>/dev/null || true)"   # not piped into grep -q (pipefail)
      if grep -q 'Candidate: [0-9]' <<<"$policy"; then
        p=qemu-user
      else
        p=qemu-user-static
      fi
    fi
    pkgs+=("$p")
  done
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi
qemu="$(command -v qemu-aarch64 || command -v qemu-aarch64-static || true)"
[ -n "$qemu" ] || { echo "setup.sh: no qemu-aarch64 after install" >&2; exit 1; }
command -v aarch64-linux-gnu-g++ >/dev/null || { echo "setup.sh: no aarch64-linux-gnu-g++ after install" >&2; exit 1; }

readelf=aarch64-linux-gnu-readelf   # from binutils-aarch64-linux-gnu (any readelf reads aarch64 ELF)

# --- 2. aarch64 ONNX Runtime library -------------------------------------------------------------
version="${POSYNDA_ORT_VERSION:-}"
if [ -z "$version" ]; then
  version="$("$python" -c 'import onnxruntime; print(onnxruntime.__version__)')" || {
    echo "setup.sh: $python cannot import onnxruntime (set PYTHON or POSYNDA_ORT_VERSION)" >&2; exit 1; }
fi
libdir="$dest/ortlib-aarch64"
lib="$libdir/libonnxruntime.so.$version"
if [ ! -f "$lib" ]; then
  mkdir -p "$dest/wheels" "$libdir"
  wheel="$(ls "$dest/wheels"/onnxruntime-"$version"-*aarch64.whl 2>/dev/null | head -n 1 || true)"
  if [ -z "$wheel" ]; then
    echo "downloading onnxruntime $version for aarch64 ..."
    "$python" -m pip download -q "onnxruntime==$version" \
      --platform manylinux2014_aarch64 --platform manylinux_2_27_aarch64 --platform manylinux_2_28_aarch64 \
      --only-binary=:all: --no-deps -d "$dest/wheels"
    wheel="$(ls "$dest/wheels"/onnxruntime-"$version"-*aarch64.whl | head -n 1)"
  fi
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  "$python" - "$wheel" "$tmp" <<'PY2'   # = unzip WHEEL 'onnxruntime/capi/libonnxruntime.so.*' (no unzip needed)
import fnmatch, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in fnmatch.filter(z.namelist(), "onnxruntime/capi/libonnxruntime.so.*"):
        z.extract(name, sys.argv[2])
PY2
  got="$(ls "$tmp"/onnxruntime/capi/libonnxruntime.so.* | head -n 1)"
  rm -f "$libdir"/libonnxruntime.so*          # an older version's files
  mv "$got" "$libdir/"
  lib="$libdir/$(basename "$got")"
fi
ln -sfn "$(basename "$lib")" "$libdir/libonnxruntime.so"
ln -sfn "$(basename "$lib")" "$libdir/libonnxruntime.so.1"

# --- 3. does the cross root satisfy the library? -------------------------------------------------
bad=0
needed="$($readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
for n in $needed; do
  [ -e "$sysroot/lib/$n" ] || { echo "MISSING: $n (needed by $(basename "$lib")) not in $sysroot/lib" >&2; bad=1; }
done
# "File: X" then "Name: VERSION" lines of .gnu.version_r
while read -r file ver; do
  provider="$sysroot/lib/$file"
  [ -e "$provider" ] || continue
  defs="$($readelf -V "$provider" | sed -n '/Version definition/,/Version needs/p')"   # no grep -q in a pipe: SIGPIPE + pipefail
  if ! grep -q "Name: $ver\$" <<<"$defs"; then
    echo "MISSING: $ver from $file (cross root has up to $(grep -oE "${ver%%_*}_[0-9.]+" <<<"$defs" | sort -V | tail -n 1))" >&2
    bad=1
  fi
done < <($readelf -V "$lib" | sed -n '/Version needs/,$p' | awk '{for (i = 1; i < NF; i++) { if ($i == "File:") f = $(i+1); if ($i == "Name:") print f, $(i+1) }}')
maxver() { $readelf -V "$lib" | sed -n '/Version needs/,$p' | grep -oE "Name: $1_[0-9.]+" | awk '{print $2}' | sort -V | tail -n 1; }
[ $bad = 0 ] || { echo "setup.sh: $lib needs libraries/versions that $sysroot lacks" >&2; exit 1; }

# the folder run.sh gives qemu as -L (lib/ of the cross root + an aarch64 /proc/cpuinfo)
POSYNDA_QEMU_ROOT="${POSYNDA_QEMU_ROOT:-$dest/qemu-root}" "$here/run.sh" --prepare >/dev/null

# load test: a tiny C program (no ORT headers needed) prints OrtGetApiBase()->GetVersionString()
cat > "$dest/ort_load_check.c" <<'C'
#include <stdio.h>
typedef struct { const void* (*GetApi)(unsigned); const char* (*GetVersionString)(void); } OrtApiBase;
const OrtApiBase* OrtGetApiBase(void);
int main(void) { printf("%s\n", OrtGetApiBase()->GetVersionString()); return 0; }
C
aarch64-linux-gnu-gcc -O1 "$dest/ort_load_check.c" -o "$dest/ort_load_check" -L"$libdir" -lonnxruntime
loaded="$(POSYNDA_ORT_AARCH64="$libdir" POSYNDA_QEMU_ROOT="${POSYNDA_QEMU_ROOT:-$dest/qemu-root}" \
  "$here/run.sh" "$dest/ort_load_check")" || { echo "setup.sh: the aarch64 ONNX Runtime does not load under qemu" >&2; exit 1; }
[ "$loaded" = "$version" ] || { echo "setup.sh: aarch64 ONNX Runtime reports '$loaded', expected $version" >&2; exit 1; }

echo "toolchain:      $here/aarch64-linux-gnu.cmake"
echo "ORT lib dir:    $libdir"
echo "ORT library:    $lib"
echo "emulator:       $here/run.sh  ($qemu -L ${POSYNDA_QEMU_ROOT:-$dest/qemu-root}, lib -> $sysroot/lib)"
command -v file >/dev/null && echo "file:           $(file -b "$lib")"
echo "needs:          $(echo $needed); max $(maxver GLIBC) $(maxver GLIBCXX) $(maxver CXXABI) - all in $sysroot"
if [ "$dest" != "$(cd "$here/.." && pwd)/build/aarch64" ]; then
  echo "for run.sh:     export POSYNDA_ORT_AARCH64=$libdir POSYNDA_QEMU_ROOT=${POSYNDA_QEMU_ROOT:-$dest/qemu-root}"
fi
echo "load test:      $dest/ort_load_check under qemu: ONNX Runtime $loaded"
echo "setup took $(( $(date +%s) - t0 )) s"
