#!/usr/bin/env bash
# Run an aarch64 Linux binary on this x86-64 host under qemu-user.
#
#   libposynda/cross/run.sh BINARY [ARGS...]
#   libposynda/cross/run.sh --prepare          (only make the qemu root, see below; setup.sh calls it)
#
# qemu-aarch64 (or qemu-aarch64-static) -L QEMU_ROOT, where QEMU_ROOT is a small folder that
# stands for the target's root: lib -> /usr/aarch64-linux-gnu/lib (ld-linux-aarch64.so.1, libc,
# libstdc++ of Debian's arm64 cross packages) plus proc/cpuinfo, an aarch64-style /proc/cpuinfo.
# Why: qemu-user before 8.2 (Debian 12 has 7.2) lets the guest read the host's x86 /proc/cpuinfo;
# ONNX Runtime initialises pytorch/cpuinfo while loading, finds no ARM processor there and
# segfaults before main. qemu looks up every absolute path under -L first, so QEMU_ROOT's
# proc/cpuinfo is what the guest reads (newer qemu emulates /proc/cpuinfo itself; harmless there).
#
# The guest's LD_LIBRARY_PATH gets the aarch64 ONNX Runtime folder ($POSYNDA_ORT_AARCH64, default
# libposynda/build/aarch64/ortlib-aarch64 as made by setup.sh) in front of any LD_LIBRARY_PATH
# already set; it is passed with qemu's -E so that it reaches the guest only.
#
# Environment: POSYNDA_ORT_AARCH64, POSYNDA_QEMU_ROOT (default libposynda/build/aarch64/qemu-root;
# set it to /usr/aarch64-linux-gnu for the bare qemu -L, without the /proc/cpuinfo fix),
# POSYNDA_CROSS_SYSROOT (default /usr/aarch64-linux-gnu), POSYNDA_QEMU_CPU (qemu -cpu model, e.g.
# neoverse-n1, cortex-a72; default qemu's "max", which has SVE2/I8MM/BF16 that ORT may then use).
# Exit status is the binary's.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "$here/.." && pwd)/build/aarch64"
ort="${POSYNDA_ORT_AARCH64:-$build/ortlib-aarch64}"
sysroot="${POSYNDA_CROSS_SYSROOT:-/usr/aarch64-linux-gnu}"
root="${POSYNDA_QEMU_ROOT:-$build/qemu-root}"

prepare_root() {
  [ "$root" = "$sysroot" ] && return 0   # plain -L sysroot: nothing to make (and not ours to write)
  [ -f "$root/proc/cpuinfo" ] && [ -e "$root/lib/libc.so.6" ] && return 0
  mkdir -p "$root/proc"
  ln -sfn "$sysroot/lib" "$root/lib"
  # one Neoverse-N1 entry per host CPU number the guest sees in /sys/devices/system/cpu/possible
  local last n
  last="$(sed 's/.*[-,]//' /sys/devices/system/cpu/possible 2>/dev/null || echo 0)"
  for ((n = 0; n <= last; n++)); do
    printf 'processor\t: %d\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n\n' "$n"
  done > "$root/proc/cpuinfo.tmp"
  mv "$root/proc/cpuinfo.tmp" "$root/proc/cpuinfo"
}

if [ "${1:-}" = --prepare ]; then
  prepare_root
  echo "qemu root:      $root"
  exit 0
fi
if [ $# -lt 1 ]; then
  echo "usage: $0 BINARY [ARGS...]   |   $0 --prepare" >&2
  exit 2
fi
qemu="$(command -v qemu-aarch64 || command -v qemu-aarch64-static || true)"
if [ -z "$qemu" ]; then
  echo "run.sh: no qemu-aarch64 (apt-get install qemu-user, or run libposynda/cross/setup.sh)" >&2
  exit 1
fi
[ -d "$ort" ] || echo "run.sh: warning: no ONNX Runtime folder $ort (run setup.sh or set POSYNDA_ORT_AARCH64)" >&2
prepare_root
exec "$qemu" ${POSYNDA_QEMU_CPU:+-cpu "$POSYNDA_QEMU_CPU"} -L "$root" \
  -E "LD_LIBRARY_PATH=$ort${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"
