"""Training throughput and memory: the real pretraining step per preset, precision, compile and world size.

    posynda bench train [--presets tiny,small,videopose-tiny] [--precisions fp32,bf16] [--compile off,on]
                        [--world-sizes 1,2] [--device auto|cpu|cuda] [--repeats 10] [--warmup 3] [--save]

Every row runs in a fresh process (:mod:`posynda.bench.training_step_worker`; under ``torchrun`` for world
size W > 1: gloo on the CPU, NCCL on CUDA, W processes on this machine) and times the step
``posynda pretrain`` takes (:class:`posynda.pretrain.PretrainStep` on the training loop's objects,
:func:`posynda.training.loop.prepare`): the batch built on the host from the
seed and the step, copied to the device (pinned, asynchronous on CUDA), the forward under autocast,
the backward, the DDP all-reduce for W > 1 and AdamW (fused on CUDA), on windows of the embedded
``studio/train``, at the preset's recipe batch (global: B / W per rank). Reported per row: step time
(median and 90th percentile after ``warmup`` steps, which include compilation), frames/s (global batch
x T / step time), peak memory (CUDA: ``max_memory_allocated`` of rank 0; CPU: the peak resident set
of rank 0's process, ``ru_maxrss``, which includes Python, torch and the data), and the share of the
device's matrix peak reached: training FLOPs (3 x the forward's, ``torch.utils.flop_counter`` with
math attention, :func:`posynda.bench.flops.torch_flops`) per second over the peak of a square matmul
in the row's precision timed in the same run (4096 on CUDA, 1024 on the CPU).

On a 2-core CPU two processes share the two cores (each gets one thread), so W = 2 measures DDP's
overhead (gloo all-reduce, two interpreters), not a speed-up.

Writes ``train.json`` and ``train.md``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

from posynda.bench.results import RowCallback, no_rows
from posynda.bench.timing import time_calls, timing_stats
from posynda.devices import AUTOCAST_DTYPES, check_precision, resolve_device
from posynda.environment import machine_info
from posynda.errors import InputError
from posynda.models import PRESETS
from posynda.report import markdown_table

DEFAULT_PRESETS = ("tiny", "small", "videopose-tiny")
WORKER = "posynda.bench.training_step_worker"


def matmul_peak(device: str, precision: str, repeats: int = 10) -> dict:
    """FLOP/s of a square ``n x n`` matmul (n = 4096 on CUDA, 1024 on the CPU) in ``precision``."""
    n = 4096 if torch.device(device).type == "cuda" else 1024
    dtype = AUTOCAST_DTYPES.get(precision, torch.float32)
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    stats = timing_stats(time_calls({"mm": lambda: a @ b}, 3, repeats, device)["mm"])
    return {"n": n, "precision": precision, "flops_per_s": 2 * n**3 / (stats["median_ms"] / 1000.0)}


def run_row(preset: str, precision: str, compile: bool, world_size: int, device: str, repeats: int, warmup: int,
            log=print) -> dict:  # fmt: skip
    """One row in its own process(es); the worker's JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "row.json"
        worker = ["-m", WORKER, "--preset", preset, "--precision", precision, "--device", device,
                  "--repeats", str(repeats), "--warmup", str(warmup), "--out", str(out)]  # fmt: skip
        worker += ["--compile"] if compile else []
        env = dict(os.environ)
        if world_size > 1:
            threads = max(1, (os.cpu_count() or 1) // world_size)
            env.setdefault("OMP_NUM_THREADS", str(threads))
            command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                       f"--nproc-per-node={world_size}", *worker]  # fmt: skip
        else:
            command = [sys.executable, *worker]
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        if result.returncode != 0 or not out.is_file():
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise InputError(f"bench train: {preset} {precision} W={world_size} failed: {tail[0]}")
        row = json.loads(out.read_text())
    log(f"{preset} {precision}{' compiled' if compile else ''} W={world_size}: {row['step_ms']:.1f} ms/step, "
        f"{row['frames_per_s']:.0f} frames/s")  # fmt: skip
    return row


def check_rows(presets, precisions, world_sizes, device: str = "auto") -> str:
    """The resolved device, once every row is possible there (InputError naming the first that is not)."""
    device = resolve_device(device)
    unknown = [p for p in presets if p not in PRESETS]
    if unknown:
        raise InputError(f"presets: unknown {unknown}; choose from {', '.join(PRESETS)}", parameter="presets")
    for precision in precisions:
        try:
            check_precision(precision, device)
        except InputError as error:  # the row list, not one precision, is this function's parameter
            raise InputError(f"precisions: {error}", parameter="precisions") from None
    if device == "cuda":
        if max(world_sizes) > torch.cuda.device_count():
            raise InputError(f"world_sizes {max(world_sizes)} needs as many GPUs; this machine has "
                             f"{torch.cuda.device_count()}", parameter="world_sizes")  # fmt: skip
    return device


def run_train(
    presets=DEFAULT_PRESETS,
    precisions=("fp32",),
    compiles=(False,),
    world_sizes=(1, 2),
    device: str = "auto",
    repeats: int = 10,
    warmup: int = 3,
    log=print,
    on_row: RowCallback = no_rows,
) -> dict:
    """Every (preset, precision, compile, world size) row; returns the ``train.json`` content. ``on_row`` gets
    the result so far after every row."""
    device = check_rows(presets, precisions, world_sizes, device)
    peaks = {p: matmul_peak(device, p) for p in precisions}
    result = {"device": device, "repeats": repeats, "warmup": warmup, "matrix_peaks": peaks, "rows": [],
              "machine": machine_info()}  # fmt: skip
    for preset in presets:
        for precision in precisions:
            for compile in compiles:
                for world_size in world_sizes:
                    row = run_row(preset, precision, compile, world_size, device, repeats, warmup, log)
                    row["matrix_peak_share"] = row["train_flops_per_s"] / peaks[precision]["flops_per_s"]
                    result["rows"].append(row)
                    on_row(result)
    return result


def markdown(result: dict) -> str:
    """One row per measurement; ratios of frames/s against each preset's first row."""
    firsts: dict[str, float] = {}
    body = []
    for r in result["rows"]:
        first = firsts.setdefault(r["preset"], r["frames_per_s"])
        memory = f"{r['peak_memory_mib']:.0f}" if r.get("peak_memory_mib") is not None else "-"
        body.append([
            r["preset"], r["precision"], "on" if r["compile"] else "off", str(r["world_size"]),
            f"{r['global_batch']} x {r['frames']}", f"{r['step_ms']:.1f}", f"{r['step_p90_ms']:.1f}",
            f"{r['frames_per_s']:.0f}", f"{r['frames_per_s'] / first:.2f}x", memory,
            f"{100 * r['matrix_peak_share']:.1f} %",
        ])  # fmt: skip
    headers = ["preset", "precision", "compile", "world size", "global batch x T", "step ms", "p90 ms", "frames/s",
               "vs first", "peak MiB", "of matmul peak"]  # fmt: skip
    peaks = ", ".join(
        f"{p}: {v['flops_per_s'] / 1e9:.0f} GFLOP/s ({v['n']}^2 matmul)" for p, v in result["matrix_peaks"].items()
    )
    memory = "CUDA max_memory_allocated" if result["device"] == "cuda" else "peak RSS of rank 0's process"
    head = (
        f"Pretraining step on {result['device']} (median of {result['repeats']} after {result['warmup']} warm-up "
        f"steps; peak memory: {memory}; matrix peak {peaks}).\n\n"
    )
    return head + markdown_table(headers, body)
