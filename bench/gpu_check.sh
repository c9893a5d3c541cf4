#!/usr/bin/env bash
# One call on a lent NVIDIA machine: everything only a GPU shows, in at most 8 minutes, nothing from the network.
#
#   bash bench/gpu_check.sh            # on the GPU machine (the device tool: run(command="bash bench/gpu_check.sh",
#                                      # timeout_s=570)); results in $OUT (default /tmp/gpu-out), at most 8 files
#   bash bench/gpu_check.sh --dry-run  # anywhere: checks that every step is wired (each posynda command line parses,
#                                      # the gpu tests collect, torchrun is there) without running the work
#
# The project goes in with `pip install --no-deps --no-build-isolation -e .` (the image has torch, triton, numpy,
# peft, onnx, onnxruntime; nothing is downloaded); if that fails, through PYTHONPATH. Every step is time-boxed
# (the limits add up to 480 s) and a failing step does not stop the next. What comes back ($OUT):
#   log               everything printed, the steps' rc lines and the final summary
#   kernels.json      bench kernels: Triton vs eager vs torch.compile, N up to 256k, H 1/5/20, % of copy bandwidth
#   latency.json      bench latency: torch eager / compile / CUDA graphs, fp32 / bf16, tiny and paper
#   train-paper.json  bench train: the paper config (MixSTE 34.8 M, T 243) bf16, compile off/on, share of bf16 peak
#   train-tiny.json   bench train: tiny fp32 / bf16
#   adapt_step.json   bench adapt-step at paper size, bf16, compile off/on, H 1 / 3
#   ddp.jsonl         torchrun with one NCCL process: posynda pretrain's metrics.jsonl (world_size 1, NCCL)
#   adapt.json        posynda adapt --device cuda on the embedded pair: metrics.json (before/after)
set -u
DRY=0
[[ "${1:-}" == "--dry-run" ]] && DRY=1
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 POSYNDA_CACHE="${POSYNDA_CACHE:-/tmp/posynda-cache}" POSYNDA_DIST_TIMEOUT=120
OUT="${OUT:-/tmp/gpu-out}"
W="$(mktemp -d)"
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log") 2>&1
PY="${PYTHON:-python3}"
FAILED=()

# --dry-run: does the posynda command line parse (options exist, values valid)? Nothing runs.
parses() {
    "$PY" - "$@" <<'PARSE'
import sys
import click
from posynda.cli import main
args, command, ctx = sys.argv[1:], main, None
ctx = main.make_context("posynda", list(args), resilient_parsing=True)
rest = list(args)
while isinstance(command, click.Group):
    name, rest = rest[0], rest[1:]
    sub = command.get_command(ctx, name)
    if sub is None:
        sys.exit(f"no command {name!r}")
    ctx = sub.make_context(name, list(rest), parent=ctx) if not isinstance(sub, click.Group) else \
        sub.make_context(name, list(rest), parent=ctx, resilient_parsing=True)
    command = sub
print("parses:", "posynda", " ".join(args))
PARSE
}

step() {  # step LIMIT_S NAME KIND ARGS...   (KIND: posynda | torchrun | pytest | python)
    local limit=$1 name=$2 kind=$3
    shift 3
    echo
    echo "=== [$(date +%T)] $name (limit ${limit}s)"
    local rc
    if ((DRY)); then
        case $kind in
            posynda) parses "$@" ;;
            torchrun)  # torchrun is there, and what it launches after `-m posynda.cli` parses
                local cli=("$@")
                while ((${#cli[@]})) && [[ "${cli[0]}" != posynda.cli ]]; do cli=("${cli[@]:1}"); done
                "$PY" -m torch.distributed.run --help >/dev/null && ((${#cli[@]})) && parses "${cli[@]:1}" ;;
            pytest)
                "$PY" -m pytest -q --collect-only -p no:cacheprovider "$@" > "$W/collect.txt"
                local collected=$?
                tail -1 "$W/collect.txt"
                ((collected == 0)) ;;
            python) "$PY" -c "import importlib; importlib.import_module('$1')" && echo "imports: $1" ;;
        esac
        rc=$?
    else
        case $kind in
            posynda) timeout "$limit" "$PY" -m posynda.cli "$@" ;;
            torchrun) timeout "$limit" "$PY" -m torch.distributed.run "$@" ;;
            pytest) timeout "$limit" "$PY" -m pytest -q -p no:cacheprovider "$@" ;;
            python) timeout "$limit" "$PY" -m "$@" ;;
        esac
        rc=$?
    fi
    echo "=== rc=$rc $name"
    ((rc == 0)) || FAILED+=("$name (rc $rc)")
}

keep() {  # keep SOURCE NAME: copy a result into $OUT under NAME (at most 8 files there)
    [[ -f "$1" ]] && cp "$1" "$OUT/$2" && echo "kept $OUT/$2"
}

echo "=== posynda GPU check $(date -u +%FT%TZ) dry-run=$DRY"
if ((DRY)); then
    "$PY" -c "import posynda" 2>/dev/null || export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
else
    timeout 45 "$PY" -m pip install -q --no-deps --no-build-isolation -e . ||
        export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
    nvidia-smi -L
fi
"$PY" - <<'VERSIONS'
import importlib
for m in ("torch", "triton", "numpy", "peft", "onnx", "onnxruntime", "safetensors", "posynda"):
    try:
        print(m, importlib.import_module(m).__version__)
    except Exception as exc:  # noqa: BLE001
        print(m, "MISSING", exc)
import torch
print("cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "-")
VERSIONS

step 60 "CUDA tests (pytest -m gpu)" pytest -m gpu tests
step 60 "bench kernels" posynda bench kernels --device cuda --sizes 16384,262144 -H 1,5,20 --compile --out "$W/kernels"
keep "$W/kernels/kernels.json" kernels.json
step 60 "bench latency" posynda bench latency --config tiny,paper \
    --backends torch-eager,torch-eager-bf16,torch-compile,torch-cuda-graph,torch-cuda-graph-bf16 \
    --batch 1,8 --repeats 20 --warmup 3 --no-e2e --out "$W/latency"
keep "$W/latency/latency.json" latency.json
step 60 "bench train, paper config" posynda bench train --presets paper --precisions bf16 --compile off,on \
    --world-sizes 1 --device cuda --repeats 10 --warmup 3 --out "$W/train-paper"
keep "$W/train-paper/train.json" train-paper.json
step 45 "bench train, tiny" posynda bench train --presets tiny --precisions fp32,bf16 --world-sizes 1 --device cuda \
    --repeats 20 --warmup 3 --out "$W/train-tiny"
keep "$W/train-tiny/train.json" train-tiny.json
step 60 "bench adapt-step, paper config" posynda bench adapt-step --presets paper -H 1,3 --precisions bf16 \
    --compile off,on --repeats 10 --device cuda --out "$W/adapt-step"
keep "$W/adapt-step/adapt_step.json" adapt_step.json
step 30 "DDP: torchrun, one NCCL process" torchrun --standalone --nproc-per-node 1 -m posynda.cli pretrain --preset tiny \
    --steps 50 --device cuda --precision bf16 --out "$W/ddp" --quiet
keep "$W/ddp/metrics.jsonl" ddp.jsonl
step 60 "posynda adapt --device cuda (embedded pair)" posynda adapt --device cuda --quiet --out "$W/adapt"
keep "$W/adapt/metrics.json" adapt.json

echo
if ((DRY)); then
    echo "=== dry run: every step is wired" && ((${#FAILED[@]} == 0)) || echo "=== not wired: ${FAILED[*]}"
else
    nvidia-smi --query-gpu=name,memory.used,clocks.sm --format=csv
    echo "=== done $(date +%T); failed: ${FAILED[*]:-none}"
fi
((${#FAILED[@]} == 0))
