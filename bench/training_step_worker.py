"""One row of ``posynda bench train``, in its own process (under ``torchrun`` for world size > 1).

    python -m posynda.bench.training_step_worker --preset tiny --precision fp32 --device cpu --repeats 10 \
        --warmup 3 [--compile] --out row.json

Builds the pretraining step of ``posynda pretrain`` (:class:`posynda.pretrain.PretrainStep` on the objects
the training loop makes, :func:`posynda.training.loop.prepare`: fused AdamW, gradient scaler, DDP, compile) on
the embedded ``studio/train`` at the preset's recipe batch, times ``repeats`` steps after ``warmup``, and
rank 0 writes the row (:mod:`posynda.bench.training_step` documents the fields).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys

import torch

from posynda.bench.flops import torch_flops
from posynda.bench.timing import time_calls, timing_stats
from posynda.data import load_clips
from posynda.defaults import default_clips_path
from posynda.fileio import atomic_write_text
from posynda.models import PRESETS, build_denoiser, count_parameters
from posynda.pretrain import RECIPES, PretrainStep, TrainRecipe, pretrainee
from posynda.training import joined_world, prepare


def measure(preset: str, precision: str, compile: bool, device: str, repeats: int, warmup: int) -> dict | None:
    """Time the step on this rank; rank 0's row (None on the other ranks)."""
    with joined_world(device, precision) as world:
        config = PRESETS[preset]
        recipe = RECIPES.get(preset, TrainRecipe())
        clips = load_clips(default_clips_path("studio", "train"))
        step = PretrainStep(world, clips, config, recipe, seed=0)
        training = prepare(world, pretrainee(config, recipe, 10**6, seed=0), precision, compile)
        counter = iter(range(10**9))
        cuda = torch.device(world.device).type == "cuda"
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        times = time_calls({"step": lambda: step(training, next(counter))}, warmup, repeats, world.device)["step"]
        stats = timing_stats(times, recipe.batch_size, config.frames)
        world.barrier()
        if not world.is_main:
            return None
        forward = torch_flops(build_denoiser(config), config.frames, config.joints, batch=recipe.batch_size)["flops"]
        peak = (
            torch.cuda.max_memory_allocated() / 2**20
            if cuda
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        )
        return {
            "preset": preset,
            "params": count_parameters(training.model),
            "precision": precision,
            "compile": compile,
            "world_size": world.size,
            "device": world.device,
            "global_batch": recipe.batch_size,
            "frames": config.frames,
            "step_ms": stats["median_ms"],
            "step_p90_ms": stats["p90_ms"],
            "frames_per_s": stats["poses_per_s"],
            "train_flops_per_step": 3 * forward,
            "train_flops_per_s": 3 * forward / (stats["median_ms"] / 1000.0),
            "peak_memory_mib": peak,
            "threads": torch.get_num_threads(),
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}", description=__doc__.splitlines()[0])
    parser.add_argument("--preset", required=True, choices=sorted(PRESETS))
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16", "fp16"))
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    row = measure(args.preset, args.precision, args.compile, args.device, args.repeats, args.warmup)
    if row is not None:
        atomic_write_text(args.out, json.dumps(row, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
