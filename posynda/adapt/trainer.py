"""The PoSynDA adaptation loop (paper Algorithm 1): resumable, logged, evaluated before and after.

Per step (:func:`posynda.adapt.step.adaptation_step`):

1. sample a target batch (2D + intrinsics only) and a source batch (2D + 3D);
2. GPA (Eq. 3) re-places each source pose in front of a paired target clip's camera;
3. the teacher (the current model without gradient, or an EMA of it) draws H hypotheses per
   target clip and keeps the reprojection-best one per joint / frame as pseudo-label (Eq. 4-5);
4. the student (H = 1) takes a diffusion step (Eq. 7-9) on the augmented source pairs and the
   pseudo-labelled target pairs; only the LoRA adapters (Eq. 10) and the cross-dataset
   embedding (Eq. 11) train, unless ``lora=False`` (full fine-tuning).

The target is stripped of any 3D at the entry of :func:`adapt`, so adaptation cannot read target
labels, ground-truth roots or the evaluation split; ``eval_clips`` only feed the before/after
report, never a decision.

Under ``torchrun`` (:mod:`posynda.distributed`) every rank takes its slice of each step's global
source and target batches (``--source-batch`` / ``--target-batch`` are global), its teacher labels
its own target shard, DDP averages the gradients, and rank 0 evaluates and writes. Every draw of a
step comes from ``(seed, step)`` (:class:`~posynda.adapt.step.StepDraws`; DropPath from ``(seed,
rank, step)``), so a resumed run continues exactly, on any device.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import torch

from posynda.adapt.adapter import merged_checkpoint, save_adapter
from posynda.adapt.resume import STATE_FILE, load_resume_state
from posynda.adapt.settings import AdaptSettings
from posynda.adapt.step import StepDraws, adaptation_step, domain_sampler
from posynda.adapt.student import build_student, resumable_state
from posynda.adapt.teacher import EMATeacher
from posynda.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from posynda.data.clips import ClipSet
from posynda.devices import Device, Precision, check_precision, configure_device, resolve_device
from posynda.diffusion import DDIMScheduler
from posynda.distributed import World, join_world, leave_world, rank_step_seed
from posynda.errors import InputError, RunInterrupted
from posynda.evaluate import evaluate
from posynda.fileio import atomic_write_text, sha256_file
from posynda.models import count_parameters
from posynda.runstate import (
    METRICS_FILE,
    MODEL_FILE,
    interrupted_message,
    progress_bar,
    read_metrics,
    restore_state,
    save_state,
    stop_on_interrupt,
    write_metrics,
)
from posynda.runtime.settings import SamplingSettings

REPORT_FILE = "metrics.json"  # the before/after report


def _load_resumable(student: torch.nn.Module, state: dict, state_path: Path) -> None:
    """Put the saved trainable parameters and buffers (:func:`resumable_state`) back into ``student``."""
    saved = state.get("student")
    if saved is None:  # written before the buffers were saved: BatchNorm statistics would restart
        raise InputError(f"--resume: {state_path} lacks the model's buffers (written by an older posynda); start anew")
    expected = set(resumable_state(student))
    if set(saved) != expected:
        raise InputError(
            f"--resume: {state_path} holds other tensors than this model's ({sorted(set(saved) ^ expected)[:2]})"
        )
    student.load_state_dict(saved, strict=False)


def adapt(
    base_path: str | Path,
    source: ClipSet,
    target: ClipSet,
    out_dir: str | Path,
    settings: AdaptSettings = AdaptSettings(),
    eval_clips: ClipSet | None = None,
    eval_settings: SamplingSettings = SamplingSettings(),
    resume: bool = False,
    progress: bool = True,
    device: Device = "auto",
    precision: Precision = "fp32",
    compile: bool = False,
) -> dict:
    """Adapt the checkpoint at ``base_path`` from ``source`` to the unlabelled ``target``.

    ``device``: "auto" (CUDA when available), "cpu" or "cuda"; the teacher, the student and the
    evaluations run there, the data stays on the host, and what is written is device-independent.
    ``precision``: the student's forward under bf16 / fp16 autocast (fp32 master weights; fp16: CUDA);
    ``compile``: ``torch.compile`` the student's forward.

    Writes ``out_dir/adapter/``, ``out_dir/model.safetensors`` (merged), ``out_dir/metrics.jsonl``
    and ``out_dir/metrics.json`` (rank 0 under torchrun); returns the content of the latter
    (``before``/``after`` when ``eval_clips`` is given).
    """
    base_path = Path(base_path)
    out_dir = Path(out_dir)
    state_path = out_dir / STATE_FILE
    if not resume and (state_path.exists() or (out_dir / MODEL_FILE).exists()):
        raise InputError(f"{out_dir} already holds an adaptation run; pass --resume or choose another --out")
    if not source.has_3d:
        raise InputError("source data has no 'joints_3d': adaptation needs a labelled source")
    target = target.without_3d()  # the guarantee: nothing below can read target 3D
    device = resolve_device(device)
    precision = check_precision(precision, device)
    world = join_world(device)
    try:
        return _adapt(world, base_path, source, target, out_dir, settings, eval_clips, eval_settings, resume,
                      progress, precision, compile)  # fmt: skip
    finally:
        leave_world(world)


def _adapt(
    world: World,
    base_path: Path,
    source: ClipSet,
    target: ClipSet,
    out_dir: Path,
    settings: AdaptSettings,
    eval_clips: ClipSet | None,
    eval_settings: SamplingSettings,
    resume: bool,
    progress: bool,
    precision: Precision,
    compile: bool,
) -> dict:
    state_path, metrics_path = out_dir / STATE_FILE, out_dir / METRICS_FILE
    device = world.device
    configure_device(device)
    source_part, target_part = world.shard(settings.source_batch), world.shard(settings.target_batch)
    base = load_checkpoint(base_path, device)
    base_sha = sha256_file(base_path)
    state = load_resume_state(state_path, settings, base_sha) if resume else None
    frames = base.config.frames
    src, tgt = domain_sampler(source, frames, labelled=True), domain_sampler(target, frames, labelled=False)

    torch.manual_seed(settings.seed)
    student = build_student(base, settings).to(device)
    params = [p for p in student.parameters() if p.requires_grad]
    fused = torch.device(device).type == "cuda"
    optimizer = torch.optim.Adam(params, lr=settings.learning_rate, fused=fused)
    scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None
    ema = EMATeacher(student, settings.ema_decay) if settings.teacher == "ema" else None
    scheduler = DDIMScheduler(base.diffusion)
    start, lines = 0, []
    if state is not None:
        _load_resumable(student, state, state_path)
        if ema is not None and state["ema"] is not None:
            ema.model.load_state_dict(state["ema"])
        start = restore_state(state, optimizer)
        lines = read_metrics(metrics_path, start)
    forward = world.wrap(student)
    if compile:
        forward = torch.compile(forward)

    report: dict = {
        "settings": dataclasses.asdict(settings),
        "trainable_parameters": count_parameters(student, trainable_only=True),
        "learning_rate": settings.learning_rate,
        "base_checkpoint": str(base_path),
        "world_size": world.size,
        "device": torch.device(device).type,
        "precision": precision,
    }
    if eval_clips is not None and world.is_main:
        report["before"] = evaluate(base, eval_clips, eval_settings)
    world.barrier()

    t0 = time.perf_counter()
    student.train()
    timesteps = base.diffusion.num_train_timesteps
    fields = "src {task.fields[src]:.1f} tgt {task.fields[tgt]:.1f} mm"
    n_src = source_part.stop - source_part.start
    total_src = torch.zeros((), device=device)
    total_tgt = torch.zeros((), device=device)
    total_loss, count = torch.zeros((), device=device), 0
    show = progress and world.is_main
    with progress_bar("adapt", fields, show) as bar, stop_on_interrupt() as stop:
        task = bar.add_task("adapt", total=settings.steps, completed=start, src=float("nan"), tgt=float("nan"))
        for step in range(start, settings.steps):
            for group in optimizer.param_groups:
                group["lr"] = settings.learning_rate_at(step)
            teacher = ema.model if ema is not None else student
            draws = StepDraws.draw(settings.seed, step, settings, len(src), len(tgt), timesteps)
            torch.manual_seed(rank_step_seed(settings.seed, world.rank, step))  # DropPath of this rank and step
            per_clip, loss = adaptation_step(student, teacher, optimizer, scheduler, src, tgt,
                                             draws.part(source_part, target_part), settings, forward, precision,
                                             scaler)  # fmt: skip
            if ema is not None:
                ema.update(student)
            done = step + 1
            if n_src:  # running sums on the device: no host sync per step
                total_src = total_src + per_clip[:n_src].mean()
            if settings.target_batch:
                total_tgt = total_tgt + per_clip[n_src:].mean()
            total_loss, count = total_loss + loss, count + 1
            logged = done % settings.log_every == 0 or done == settings.steps
            if logged:
                means = world.mean(torch.stack([total_loss, total_src, total_tgt]) / count).tolist()
                loss_mm, src_mm, tgt_mm = (v * 1000 for v in means)
                src_mm = src_mm if settings.source_batch else float("nan")
                tgt_mm = tgt_mm if settings.target_batch else float("nan")
                lines.append(
                    json.dumps(
                        {
                            "step": done,
                            "loss_mm": loss_mm,
                            "source_mm": src_mm,
                            "target_mm": tgt_mm,
                            "seconds": round(time.perf_counter() - t0, 3),
                            "world_size": world.size,
                        }
                    )
                )
                bar.update(task, src=src_mm, tgt=tgt_mm)
                total_src, total_tgt = torch.zeros((), device=device), torch.zeros((), device=device)
                total_loss, count = torch.zeros((), device=device), 0
            bar.update(task, completed=done)
            stopping = world.stop_agreed(stop.requested, logged)
            if done % settings.checkpoint_every == 0 or done == settings.steps or stopping:
                if world.is_main:
                    save_state(
                        state_path,
                        done,
                        optimizer,
                        student=resumable_state(student),
                        ema=ema.model.state_dict() if ema else None,
                        settings=json.dumps(dataclasses.asdict(settings)),
                        base_sha256=base_sha,
                    )
                    write_metrics(metrics_path, lines)
                world.barrier()
            if stopping and done < settings.steps:  # Ctrl-C: the state of the whole steps is saved
                raise RunInterrupted(interrupted_message(done, settings.steps, out_dir))

    student.eval()
    report["seconds"] = round(time.perf_counter() - t0, 1)
    if not world.is_main:
        world.barrier()  # rank 0 evaluates and writes
        return report
    adapted = Checkpoint(model=student, config=base.config, diffusion=base.diffusion)
    if eval_clips is not None:
        report["after"] = evaluate(adapted, eval_clips, eval_settings)
    save_adapter(out_dir, student, settings, base_path)
    provenance = {
        "command": "posynda adapt",
        "base_checkpoint": str(base_path),
        "base_sha256": base_sha,
        "adaptation": dataclasses.asdict(settings),
        "target_frames": target.num_frames,
        "source_frames": source.num_frames,
        "world_size": world.size,
        "precision": precision,
    }
    merged = merged_checkpoint(student, base, settings, provenance)
    save_checkpoint(out_dir / MODEL_FILE, merged.model, merged.config, merged.diffusion, provenance)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    atomic_write_text(out_dir / REPORT_FILE, json.dumps(report, indent=2))
    world.barrier()
    return report
