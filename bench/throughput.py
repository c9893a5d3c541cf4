"""Training and sampling throughput of the denoiser presets on this machine.

    python -m posynda.bench.throughput [--presets tiny,small,videopose-tiny,paper] [--out DIR]

For each preset: one AdamW training step on a batch of the preset's recipe (ms, median of the
repeats after warm-up) and inference throughput of the sampler (H=1, K=1, flip on: frames/s).
Ratios are against the first preset, all measured in the same run. Writes ``throughput.json``
and ``throughput.md`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch

from posynda.diffusion import DDIMScheduler, sample_poses
from posynda.models import PRESETS, build_denoiser, count_parameters
from posynda.train import RECIPES, TrainRecipe, mpjpe_loss


def _median_ms(fn, warmup: int, repeats: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def measure(preset: str, repeats: int = 5, infer_batch: int = 16) -> dict:
    """Median training-step time and sampling throughput of ``preset``.

    Presets above 10 M parameters (``paper``, ``videopose``) are measured with one repeat after one
    warm-up and 2-clip inference batches: a CPU needs tens of seconds per step for them.
    """
    config = PRESETS[preset]
    recipe = RECIPES.get(preset, TrainRecipe())
    torch.manual_seed(0)
    model = build_denoiser(config)
    warmup = 2
    if count_parameters(model) > 10_000_000:
        repeats, warmup, infer_batch = 1, 1, 2
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    b, t, j = recipe.batch_size, config.frames, config.joints
    kp, x0, steps = torch.randn(b, t, j, 2) * 0.3, torch.randn(b, t, j, 3) * 0.2, torch.randint(0, 1000, (b,))

    def train_step():
        loss = mpjpe_loss(model(kp, x0, steps), x0)
        opt.zero_grad()
        loss.backward()
        opt.step()

    train_ms = _median_ms(train_step, warmup, repeats)
    model.eval()
    scheduler = DDIMScheduler()
    cond = torch.randn(infer_batch, t, j, 2) * 0.3
    infer_ms = _median_ms(lambda: sample_poses(model, cond, scheduler, 1, 1, True), 1, repeats)
    model.train()
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


def machine() -> dict:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }


def markdown(rows: list[dict], info: dict) -> str:
    base = rows[0]
    lines = [
        f"Machine: {info['processor']}, {info['threads']} torch threads, torch {info['torch']} ({info['platform']}).",
        f"Ratios against `{base['preset']}` in the same run.",
        "",
        "| preset | params | T | train batch | train step ms | train frames/s | x | infer frames/s (H1 K1 flip) | x |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['preset']} | {r['params']:,} | {r['frames']} | {r['train_batch']} | {r['train_step_ms']:.1f} | "
            f"{r['train_frames_per_s']:.0f} | {r['train_frames_per_s'] / base['train_frames_per_s']:.2f} | "
            f"{r['infer_frames_per_s']:.0f} | {r['infer_frames_per_s'] / base['infer_frames_per_s']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="tiny,small,videopose-tiny,videopose,paper")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default="bench/results")
    args = parser.parse_args(argv)
    rows = []
    for name in args.presets.split(","):
        rows.append(measure(name, args.repeats))
        print(json.dumps(rows[-1]))
    info = machine()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "throughput.json").write_text(json.dumps({"machine": info, "rows": rows}, indent=2) + "\n")
    (out / "throughput.md").write_text(markdown(rows, info))
    print(markdown(rows, info))


if __name__ == "__main__":
    main()
