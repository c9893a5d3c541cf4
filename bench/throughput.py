"""Training and sampling throughput of the denoiser presets on this machine.

    posynda bench throughput [--presets tiny,small,videopose-tiny,videopose,paper] [--repeats N] [--out DIR] [--save]

For each preset: one AdamW training step on a batch of the preset's recipe (ms, median of the
repeats after warm-up) and inference throughput of the sampler (H=1, K=1, flip on: frames/s).
Ratios are against the first preset, all measured in the same run. It runs on the CPU with a fixed
batch; ``posynda bench train`` measures the real pretraining step (data, autocast, DDP) on any device.
"""

from __future__ import annotations

import torch

from posynda.bench.results import RowCallback, no_rows
from posynda.bench.timing import time_calls, timing_stats
from posynda.diffusion import DDIMScheduler, mpjpe_loss, sample_poses
from posynda.environment import machine_info
from posynda.models import PRESETS, build_denoiser, count_parameters, example_inputs, preset
from posynda.pretrain import RECIPES, TrainRecipe
from posynda.report import markdown_table

DEFAULT_PRESETS = ("tiny", "small", "videopose-tiny", "videopose", "paper")
QUICK_PRESETS = ("tiny", "videopose-tiny")  # --quick: the two small architectures, seconds each
LARGE_PARAMS = 10_000_000  # presets above this get one repeat after one warm-up and 2-clip inference batches


def measure(preset: str, repeats: int = 5, infer_batch: int = 16) -> dict:
    """Median training-step time and sampling throughput of ``preset`` (random weights)."""
    config = PRESETS[preset]
    recipe = RECIPES.get(preset, TrainRecipe())
    torch.manual_seed(0)
    model = build_denoiser(config)
    warmup = 2
    if count_parameters(model) > LARGE_PARAMS:
        repeats, warmup, infer_batch = 1, 1, 2
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    b, t, j = recipe.batch_size, config.frames, config.joints
    kp, x0, steps = example_inputs(b, t, j)

    def train_step():
        loss = mpjpe_loss(model(kp, x0, steps), x0)
        opt.zero_grad()
        loss.backward()
        opt.step()

    train_ms = timing_stats(time_calls({"train": train_step}, warmup, repeats)["train"])["median_ms"]
    model.eval()
    scheduler = DDIMScheduler()
    cond = example_inputs(infer_batch, t, j, seed=1)[0]
    infer = {"infer": lambda: sample_poses(model, cond, scheduler, 1, 1, True)}
    infer_ms = timing_stats(time_calls(infer, 1, repeats)["infer"])["median_ms"]
    return {
        "preset": preset,
        "params": count_parameters(model),
        "frames": t,
        "train_batch": b,
        "repeats": repeats,
        "train_step_ms": round(train_ms, 2),
        "train_frames_per_s": round(b * t / train_ms * 1000, 1),
        "infer_batch": infer_batch,
        "infer_ms": round(infer_ms, 2),
        "infer_frames_per_s": round(infer_batch * t / infer_ms * 1000, 1),
    }


def run(presets=DEFAULT_PRESETS, repeats: int = 5, log=lambda _line: None, on_row: RowCallback = no_rows) -> dict:
    """``{"machine", "rows"}``: :func:`measure` of every preset, in order (ratios against the first); ``on_row``
    gets the result so far after every preset."""
    for name in presets:
        preset(name)  # InputError naming the choices
    result = {"machine": machine_info(), "rows": []}
    for name in presets:
        result["rows"].append(measure(name, repeats))
        row = result["rows"][-1]
        log(f"[throughput] {name}: train step {row['train_step_ms']} ms, {row['infer_frames_per_s']} fps")
        on_row(result)
    return result


def markdown(result: dict) -> str:
    info, rows = result["machine"], result["rows"]
    base = rows[0]
    header = (
        f"Machine: {info['cpu']}, {info['torch_threads']} torch threads, torch {info['versions'].get('torch')} "
        f"({info['platform']}). Ratios against `{base['preset']}` in the same run.\n\n"
    )
    table = [
        [
            r["preset"],
            f"{r['params']:,}",
            r["frames"],
            r["train_batch"],
            f"{r['train_step_ms']:.1f}",
            f"{r['train_frames_per_s']:.0f}",
            f"{r['train_frames_per_s'] / base['train_frames_per_s']:.2f}",
            f"{r['infer_frames_per_s']:.0f}",
            f"{r['infer_frames_per_s'] / base['infer_frames_per_s']:.2f}",
        ]
        for r in rows
    ]
    headers = ["preset", "params", "T", "train batch", "train step ms", "train frames/s", "x",
               "infer frames/s (H1 K1 flip)", "x"]  # fmt: skip
    return header + markdown_table(headers, table)
