"""Cost of one PoSynDA adaptation step, single- vs multi-hypothesis teacher.

    posynda bench adapt-step [--presets cpu] [--hypotheses 1,3,5] [--precisions fp32,bf16] [--compile off,on]
                             [--device auto|cpu|cuda] [--out DIR] [--save]

Each row runs the real loop body (:func:`posynda.adapt.adaptation_step` with the default
``AdaptSettings``: view-augmented GPA source pairs, teacher sampling with H hypotheses +
reprojection selection and ray snapping, student forward/backward of its trainable weights and the
cross-dataset embedding, Adam) on the embedded studio -> wild pair with the default batch
(24 source + 8 target clips), the student's forward under each precision's autocast (and
``torch.compile`` of it with compile on; the teacher runs eager). The teacher alone is timed as
well, so the share of the step that multi-hypothesis selection costs is visible. The step and the
teacher are timed interleaved, synchronised and 3-sigma clipped (:mod:`posynda.bench.timing`).
Ratios are against the first row of the same run.

Presets other than the shipped model's (``cpu``) are measured with random initial weights (speed does not
depend on them); ``paper`` needs tens of seconds per step on a CPU and belongs on a GPU
(``--presets paper --device cuda``).
"""

from __future__ import annotations

import dataclasses

import torch

from posynda.adapt import AdaptSettings, adaptation_step, build_student, domain_sampler, teacher_labels
from posynda.adapt.step import StepDraws
from posynda.bench.results import RowCallback, no_rows
from posynda.bench.timing import time_calls, timing_stats
from posynda.checkpoint import Checkpoint, load_checkpoint
from posynda.data import load_clips
from posynda.defaults import default_clips_path, shipped_checkpoint
from posynda.devices import Device, check_precision, configure_device, resolve_device
from posynda.diffusion import DDIMScheduler, SchedulerConfig
from posynda.environment import machine_info
from posynda.models import PRESETS, build_denoiser, preset
from posynda.report import markdown_table


def _base(preset: str) -> Checkpoint:
    shipped = load_checkpoint(shipped_checkpoint())
    if shipped.config == PRESETS[preset]:
        return shipped
    torch.manual_seed(0)
    return Checkpoint(model=build_denoiser(PRESETS[preset]).eval(), config=PRESETS[preset], diffusion=SchedulerConfig())


def measure(
    preset: str,
    hypotheses: int,
    src,
    tgt,
    repeats: int,
    warmup: int,
    device: str = "cpu",
    precision: str = "fp32",
    compile: bool = False,
) -> dict:
    """Median adaptation-step and teacher-only times of ``preset`` with an H-hypothesis teacher on ``device``."""
    configure_device(device)
    base = _base(preset)
    settings = AdaptSettings(hypotheses=hypotheses)
    torch.manual_seed(0)
    student = build_student(base, settings).to(device)
    optimizer = torch.optim.Adam([p for p in student.parameters() if p.requires_grad], lr=settings.learning_rate)
    scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None
    forward = torch.compile(student) if compile else student
    scheduler = DDIMScheduler(base.diffusion)
    draws = StepDraws.draw(0, 0, settings, len(src), len(tgt), base.diffusion.num_train_timesteps)
    t_idx = tgt.window_frames(draws.target_windows)
    times = time_calls(
        {
            "step": lambda: adaptation_step(
                student, student, optimizer, scheduler, src, tgt, draws, settings, forward, precision, scaler
            ),  # fmt: skip
            "teacher": lambda: teacher_labels(student, scheduler, tgt, t_idx, settings, draws.teacher_seeds),
        },
        warmup,
        repeats,
        device,
    )
    clips = settings.source_batch + settings.target_batch
    step = timing_stats(times["step"], clips, base.config.frames)
    step_ms, step_p90 = step["median_ms"], step["p90_ms"]
    teacher_ms = timing_stats(times["teacher"], settings.target_batch, base.config.frames)["median_ms"]
    return {
        "preset": preset,
        "precision": precision,
        "compile": compile,
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


def run(
    presets=("tiny",),
    hypotheses=(1, 3, 5),
    repeats: int = 20,
    warmup: int = 3,
    device: Device = "auto",
    precisions=("fp32",),
    compiles=(False,),
    on_row: RowCallback = no_rows,
) -> dict:
    """``{"machine", "device", "rows"}``: :func:`measure` per preset, precision, compile and H (ratios against
    the first row); ``on_row`` gets the result so far after every row."""
    for name in presets:
        preset(name)  # InputError naming the choices
    device = resolve_device(device)
    for precision in precisions:
        check_precision(precision, device)
    source = load_clips(default_clips_path("studio", "train"))
    target = load_clips(default_clips_path("wild", "train")).without_3d()
    result = {"machine": machine_info(), "device": device, "rows": []}
    rows = result["rows"]
    for name in presets:
        frames = PRESETS[name].frames
        src = domain_sampler(source, frames, labelled=True)
        tgt = domain_sampler(target, frames, labelled=False)
        small = name in ("tiny", "videopose-tiny") or device == "cuda"
        reps, warm = (repeats, warmup) if small else (2, 1)
        for precision in precisions:
            for compile in compiles:
                for h in hypotheses:
                    rows.append(measure(name, h, src, tgt, reps, warm, device, precision, compile))
                    rows[-1]["x_vs_first"] = round(rows[0]["step_ms"] / rows[-1]["step_ms"], 2)
                    on_row(result)
    return result


def markdown(result: dict) -> str:
    m = result["machine"]
    where = f"{m['gpu']} (CUDA {m['cuda_version']}), host " if result["device"] == "cuda" else ""
    header = f"Machine: {where}{m['cpu']}, {m['torch_threads']} torch threads; torch {m['versions'].get('torch')}.\n\n"
    headers = ["preset", "precision", "compile", "H", "T", "clips/step (src+tgt)", "step ms (median)", "p90 ms",
               "teacher ms", "teacher share", "steps/s", "frames/s", "speed vs first"]  # fmt: skip
    rows = [
        [r["preset"], r.get("precision", "fp32"), "on" if r.get("compile") else "off", r["hypotheses"], r["frames"],
         f"{r['source_batch']}+{r['target_batch']}", f"{r['step_ms']:.1f}", f"{r['step_p90_ms']:.1f}",
         f"{r['teacher_ms']:.1f}", f"{100 * r['teacher_share']:.0f} %", f"{r['steps_per_s']:.2f}",
         f"{r['frames_per_s']:.0f}", f"{r['x_vs_first']:.2f}"]
        for r in result["rows"]
    ]  # fmt: skip
    return header + markdown_table(headers, rows, align="lllrrlrrrrrrr")
