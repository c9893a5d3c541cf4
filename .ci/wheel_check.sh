#!/usr/bin/env bash
# The wheel as a user gets it: build it, install it into fresh virtualenvs outside the checkout, and run
# every user command from a folder that is not the checkout (so nothing of the source tree is on sys.path).
#
#   .ci/wheel_check.sh DEV_PYTHON
#
# 1. a venv with the wheel and its [adapt,export,video] extras runs: synth, eval, pretrain on the default data (the
#    packaged motion files), lift to every output
#    format, adapt with and without --lora, export (onnx, fp16, int8, sampler), lift of the export, bench
#    flops, detect on a short real-photograph video;
# 2. a venv with the bare wheel (no extras) runs the commands that need an optional stack and checks each
#    fails with one line naming the extra to install, exit code 2.
# DEV_PYTHON (the CI venv's python, with scikit-image) films the video. pip's cache makes the installs cheap.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEV_PYTHON="$1"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT

"$DEV_PYTHON" -m pip wheel -q --no-deps -w "$SCRATCH/dist" "$ROOT"
WHEEL="$(ls "$SCRATCH"/dist/posynda-*.whl)"
echo "wheel: $(basename "$WHEEL")"
(cd "$ROOT" && "$DEV_PYTHON" -c "
import sys
from tests.helpers.video import film_astronaut
film_astronaut(sys.argv[1], frames=8)
" "$SCRATCH/astronaut.mp4")

make_venv() {  # make_venv DIR SPEC: a fresh venv with torch's CPU wheel and SPEC
  python3 -m venv "$1"
  "$1/bin/python" -m pip install -q "torch==2.13.0" "$2" 2>&1 | { grep -v "WARNING: Location" || true; }
}

expect_ok() {  # expect_ok VENV ARGS...: the command exits 0
  local venv="$1"; shift
  echo "+ posynda $*"
  "$venv/bin/posynda" "$@" > "$SCRATCH/out.txt" 2>&1 || { cat "$SCRATCH/out.txt"; echo "FAILED: posynda $*"; exit 1; }
}

expect_extra() {  # expect_extra VENV EXTRA ARGS...: exit 2 with one line naming pip install 'posynda[EXTRA]'
  local venv="$1" extra="$2"; shift 2
  echo "+ posynda $* (no [$extra])"
  set +e
  "$venv/bin/posynda" "$@" > "$SCRATCH/out.txt" 2> "$SCRATCH/err.txt"
  local code=$?
  set -e
  if [ "$code" != 2 ] || [ "$(wc -l < "$SCRATCH/err.txt")" != 1 ] \
     || ! grep -q "pip install 'posynda\[$extra\]'" "$SCRATCH/err.txt"; then
    cat "$SCRATCH/err.txt"; echo "FAILED: expected one line naming posynda[$extra] and exit 2, got exit $code"; exit 1
  fi
}

FULL="$SCRATCH/full"
make_venv "$FULL" "$WHEEL[adapt,export,video]"
mkdir "$SCRATCH/work" && cd "$SCRATCH/work"
"$FULL/bin/python" -c "import posynda, sys; assert '$ROOT' not in posynda.__file__, posynda.__file__; print('posynda from', posynda.__file__)"
export POSYNDA_CACHE="$SCRATCH/cache" OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
expect_ok "$FULL" --version
expect_ok "$FULL" data synth --domain wild --split test --scale 0.2 --out w.npz
expect_ok "$FULL" data info w.npz
expect_ok "$FULL" eval --data w.npz --json metrics.json --no-per-sequence
expect_ok "$FULL" pretrain --steps 2 --out pretrained --quiet  # the default data: studio/train + the shipped motion files
for fmt in npz json csv bvh; do
  expect_ok "$FULL" lift --input w.npz --out "poses.$fmt" --quiet
done
expect_ok "$FULL" lift --input w.npz --causal --stream --out causal.json --quiet  # the shipped causal model
expect_ok "$FULL" adapt --steps 2 --target w.npz --eval w.npz --out adapt-full --quiet
expect_ok "$FULL" adapt --lora --steps 2 --target w.npz --eval w.npz --out adapt-lora --quiet
expect_ok "$FULL" export --model adapt-lora/model.safetensors --fp16 --int8 --calibrate w.npz --eval w.npz \
  --sampler -K 2 -H 2 --detector --out deploy
test -s deploy/person_detector.onnx && test -s deploy/landmarks.onnx
for artefact in denoiser denoiser_fp16 denoiser_int8 sampler; do
  expect_ok "$FULL" lift --model "deploy/$artefact.onnx" --input w.npz --out "onnx-$artefact.json" --quiet
done
expect_ok "$FULL" bench flops --config tiny --out bench-flops
expect_ok "$FULL" detect "$SCRATCH/astronaut.mp4" --out astronaut.npz --quiet
expect_ok "$FULL" lift --input astronaut.npz --out astronaut.json --quiet

BARE="$SCRATCH/bare"
make_venv "$BARE" "$WHEEL"
expect_ok "$BARE" lift --input w.npz --out bare.json --quiet
expect_extra "$BARE" export export --out e
expect_extra "$BARE" export lift --model deploy/denoiser.onnx --input w.npz
expect_extra "$BARE" adapt adapt --lora --steps 2 --out a
expect_extra "$BARE" viz lift --input w.npz --viz sheet.png
expect_extra "$BARE" video lift --video "$SCRATCH/astronaut.mp4"
echo "wheel check: every command ran from the installed wheel outside the checkout"
