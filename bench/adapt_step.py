"""Cost of one PoSynDA adaptation step, single- vs multi-hypothesis teacher.

    python -m posynda.bench.adapt_step [--presets tiny] [--hypotheses 1,3,5] [--device auto|cpu|cuda] [--out DIR]

Each row runs the real loop body (:func:`posynda.adapt.trainer.adaptation_step`: GPA source pairs,
teacher sampling with H hypotheses + reprojection selection, student forward/backward with LoRA
and the cross-dataset embedding, Adam) on the embedded studio -> wild pair with the default batch
(24 source + 8 target clips). The teacher alone is timed as well, so the share of the step that
multi-hypothesis selection costs is visible. The step and the teacher are timed interleaved and 3-sigma clipped
(``posynda.bench.latency``). Ratios are against the first row of the same run.
Writes ``adapt_step.json`` and ``adapt_step.md`` into ``--out``.

Presets other than the shipped ``tiny`` are measured with random initial weights (speed does not
depend on them); ``paper`` needs tens of seconds per step on a CPU and belongs on a GPU
(``--presets paper --device cuda``: the step is synchronised before each clock read).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
from pathlib import Path

import numpy as np
import torch

from posynda.adapt.trainer import AdaptSettings, DomainWindows, _pseudo_label_batch, adaptation_step, build_student
from posynda.bench.latency import time_interleaved, timing_stats
from posynda.checkpoint import Checkpoint, load_checkpoint
from posynda.data import load_clips
from posynda.defaults import default_clips_path, shipped_checkpoint
from posynda.devices import resolve_device
from posynda.diffusion import DDIMScheduler, SchedulerConfig
from posynda.fileio import atomic_write_text
from posynda.models import PRESETS, build_denoiser


def _base(preset: str) -> Checkpoint:
    if preset == "tiny":
        return load_checkpoint(shipped_checkpoint())
    torch.manual_seed(0)
    return Checkpoint(model=build_denoiser(PRESETS[preset]).eval(), config=PRESETS[preset], diffusion=SchedulerConfig())


def _synchronised(fn, device: str):
    """``fn`` followed by a CUDA synchronize when timing on the GPU (kernels launch asynchronously)."""
    if device != "cuda":
        return fn
    return lambda: (fn(), torch.cuda.synchronize())


def measure(preset: str, hypotheses: int, src, tgt, repeats: int, warmup: int, device: str = "cpu") -> dict:
    """Median adaptation-step and teacher-only times of ``preset`` with an H-hypothesis teacher on ``device``."""
    base = _base(preset)
    settings = AdaptSettings(hypotheses=hypotheses)
    torch.manual_seed(0)
    student = build_student(base, settings).to(device)
    optimizer = torch.optim.Adam([p for p in student.parameters() if p.requires_grad], lr=settings.learning_rate)
    scheduler = DDIMScheduler(base.diffusion)
    rng = np.random.default_rng(0)
    t_idx = tgt.pick(rng, settings.target_batch)
    times = time_interleaved(
        {
            "step": _synchronised(
                lambda: adaptation_step(student, student, optimizer, scheduler, src, tgt, rng, settings), device
            ),
            "teacher": _synchronised(lambda: _pseudo_label_batch(student, scheduler, tgt, t_idx, settings), device),
        },
        warmup,
        repeats,
    )
    clips = settings.source_batch + settings.target_batch
    step = timing_stats(times["step"], clips, base.config.frames)
    step_ms, step_p90 = step["median_ms"], step["p90_ms"]
    teacher_ms = timing_stats(times["teacher"], settings.target_batch, base.config.frames)["median_ms"]
    return {
        "preset": preset,
        "hypotheses": hypotheses,
        "frames": base.config.frames,
        "source_batch": settings.source_batch,
        "target_batch": settings.target_batch,
        "step_ms": round(step_ms, 1),
        "step_p90_ms": round(step_p90, 1),
        "teacher_ms": round(teacher_ms, 1),
        "teacher_share": round(teacher_ms / step_ms, 3),
        "steps_per_s": round(1000 / step_ms, 2),
        "frames_per_s": round(clips * base.config.frames * 1000 / step_ms, 1),
        "settings": dataclasses.asdict(settings),
    }


def run(presets=("tiny",), hypotheses=(1, 3, 5), repeats: int = 20, warmup: int = 3, device: str = "auto") -> dict:
    device = resolve_device(device)
    source = load_clips(default_clips_path("studio", "train"))
    target = load_clips(default_clips_path("wild", "train")).without_3d()
    rows = []
    for preset in presets:
        frames = PRESETS[preset].frames
        src = DomainWindows(source, frames, labelled=True)
        tgt = DomainWindows(target, frames, labelled=False)
        small = preset in ("tiny", "videopose-tiny") or device == "cuda"
        reps, warm = (repeats, warmup) if small else (2, 1)
        for h in hypotheses:
            rows.append(measure(preset, h, src, tgt, reps, warm, device))
    first = rows[0]["step_ms"]
    for row in rows:
        row["x_vs_first"] = round(first / row["step_ms"], 2)
    machine = f"{platform.machine()} CPU, {torch.get_num_threads()} torch threads"
    if device == "cuda":
        machine = f"{torch.cuda.get_device_name()} (CUDA {torch.version.cuda}); host {machine}"
    return {
        "machine": machine,
        "device": device,
        "torch": torch.__version__,
        "rows": rows,
    }


def markdown(result: dict) -> str:
    lines = [
        f"Machine: {result['machine']}; torch {result['torch']}.",
        "",
        "| preset | H | T | clips/step (src+tgt) | step ms (median) | p90 ms | teacher ms | teacher share "
        "| steps/s | frames/s | speed vs first |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['preset']} | {r['hypotheses']} | {r['frames']} | {r['source_batch']}+{r['target_batch']} "
            f"| {r['step_ms']:.1f} | {r['step_p90_ms']:.1f} | {r['teacher_ms']:.1f} | {100 * r['teacher_share']:.0f} % "
            f"| {r['steps_per_s']:.2f} | {r['frames_per_s']:.0f} | {r['x_vs_first']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="tiny")
    parser.add_argument("--hypotheses", default="1,3,5")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--out", default="bench/results/cpu-2core")
    args = parser.parse_args(argv)
    hypotheses = [int(h) for h in args.hypotheses.split(",")]
    result = run(args.presets.split(","), hypotheses, args.repeats, device=args.device)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "adapt_step.json", json.dumps(result, indent=2))
    table = markdown(result)
    atomic_write_text(out / "adapt_step.md", table)
    print(table)


if __name__ == "__main__":
    main()
