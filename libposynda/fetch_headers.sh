#!/usr/bin/env bash
# Download the headers libposynda builds against from Debian and unpack them into a local folder:
# libonnxruntime-dev (ONNX Runtime C/C++ API) and nlohmann-json3-dev (JSON of the model metadata).
#
#   libposynda/fetch_headers.sh [DEST]      (default: libposynda/build/headers)
#
# No registry ships ONNX Runtime headers except Debian (trixie): this uses `apt-get download` with a
# private apt state (its own sources.list, lists, cache), so nothing on the system changes and no root
# is needed; then `dpkg -x` unpacks each .deb into DEST (DEST/usr/include/...). Package signatures are
# checked against the host's Debian archive keys. Both are header-only for us, so the same headers serve
# the native and the aarch64 build. Environment: POSYNDA_DEBIAN_SUITE (default trixie),
# POSYNDA_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:-$here/build/headers}"
suite="${POSYNDA_DEBIAN_SUITE:-trixie}"
mirror="${POSYNDA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if [ -f "$dest/usr/include/onnxruntime/onnxruntime_cxx_api.h" ] && [ -f "$dest/usr/include/nlohmann/json.hpp" ]; then
  echo "headers already in $dest"
  exit 0
fi
for tool in apt-get dpkg; do
  command -v "$tool" >/dev/null || { echo "fetch_headers: needs $tool (a Debian/Ubuntu host)" >&2; exit 1; }
done

apt_dir="$(mktemp -d)"
trap 'rm -rf "$apt_dir"' EXIT
mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/etc/sources.list.d" \
  "$apt_dir/etc/preferences.d" "$apt_dir/download"
echo "deb $mirror $suite main" > "$apt_dir/etc/sources.list"
opts=(
  -o "Dir::State=$apt_dir/state"
  -o "Dir::Cache=$apt_dir/cache"
  -o "Dir::Etc::SourceList=$apt_dir/etc/sources.list"
  -o "Dir::Etc::SourceParts=$apt_dir/etc/sources.list.d"
  -o "Dir::Etc::PreferencesParts=$apt_dir/etc/preferences.d"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=$(id -un)"
)
echo "fetching libonnxruntime-dev and nlohmann-json3-dev from $mirror $suite ..."
apt-get "${opts[@]}" -qq update
(cd "$apt_dir/download" && apt-get "${opts[@]}" -qq download libonnxruntime-dev nlohmann-json3-dev)
mkdir -p "$dest"
for deb in "$apt_dir"/download/*.deb; do
  dpkg -x "$deb" "$dest"
  echo "unpacked $(basename "$deb") -> $dest/usr"
done
