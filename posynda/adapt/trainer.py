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
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import torch

from posynda.adapt.adapter import merged_checkpoint, save_adapter
from posynda.adapt.resume import STATE_FILE, load_resume_state
from posynda.adapt.settings import AdaptSettings
from posynda.adapt.step import adaptation_step, domain_sampler
from posynda.adapt.student import build_student, trainable_state
from posynda.adapt.teacher import EMATeacher
from posynda.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from posynda.data.clips import ClipSet
from posynda.devices import Device, resolve_device
from posynda.diffusion import DDIMScheduler
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
) -> dict:
    """Adapt the checkpoint at ``base_path`` from ``source`` to the unlabelled ``target``.

    ``device``: "auto" (CUDA when available), "cpu" or "cuda"; the teacher, the student and the
    evaluations run there, the data stays on the host, and what is written is device-independent.

    Writes ``out_dir/adapter/``, ``out_dir/model.safetensors`` (merged), ``out_dir/metrics.jsonl``
    and ``out_dir/metrics.json``; returns the content of the latter (``before``/``after`` when
    ``eval_clips`` is given).
    """
    base_path = Path(base_path)
    out_dir = Path(out_dir)
    state_path, metrics_path = out_dir / STATE_FILE, out_dir / METRICS_FILE
    if not resume and (state_path.exists() or (out_dir / MODEL_FILE).exists()):
        raise InputError(f"{out_dir} already holds an adaptation run; pass --resume or choose another --out")
    if not source.has_3d:
        raise InputError("source data has no 'joints_3d': adaptation needs a labelled source")
    target = target.without_3d()  # the guarantee: nothing below can read target 3D
    device = resolve_device(device)
    base = load_checkpoint(base_path, device)
    base_sha = sha256_file(base_path)
    state = load_resume_state(state_path, settings, base_sha) if resume else None
    frames = base.config.frames
    src, tgt = domain_sampler(source, frames, labelled=True), domain_sampler(target, frames, labelled=False)

    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    student = build_student(base, settings).to(device)
    params = [p for p in student.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=settings.learning_rate)
    ema = EMATeacher(student, settings.ema_decay) if settings.teacher == "ema" else None
    scheduler = DDIMScheduler(base.diffusion)
    start, lines = 0, []
    if state is not None:
        student.load_state_dict(state["trainable"], strict=False)
        if ema is not None and state["ema"] is not None:
            ema.model.load_state_dict(state["ema"])
        start = restore_state(state, optimizer, rng)
        lines = read_metrics(metrics_path, start)

    report: dict = {
        "settings": dataclasses.asdict(settings),
        "trainable_parameters": count_parameters(student, trainable_only=True),
        "learning_rate": settings.learning_rate,
        "base_checkpoint": str(base_path),
    }
    if eval_clips is not None:
        report["before"] = evaluate(base, eval_clips, eval_settings)

    t0 = time.perf_counter()
    student.train()
    fields = "src {task.fields[src]:.1f} tgt {task.fields[tgt]:.1f} mm"
    with progress_bar("adapt", fields, progress) as bar, stop_on_interrupt() as stop:
        task = bar.add_task("adapt", total=settings.steps, completed=start, src=float("nan"), tgt=float("nan"))
        for step in range(start, settings.steps):
            for group in optimizer.param_groups:
                group["lr"] = settings.learning_rate_at(step)
            teacher = ema.model if ema is not None else student
            per_clip, loss = adaptation_step(student, teacher, optimizer, scheduler, src, tgt, rng, settings)
            if ema is not None:
                ema.update(student)
            done = step + 1
            n_src = settings.source_batch
            src_mm = float(per_clip[:n_src].mean()) * 1000 if n_src else float("nan")
            tgt_mm = float(per_clip[n_src:].mean()) * 1000 if settings.target_batch else float("nan")
            bar.update(task, completed=done, src=src_mm, tgt=tgt_mm)
            if done % settings.log_every == 0 or done == settings.steps:
                lines.append(
                    json.dumps(
                        {
                            "step": done,
                            "loss_mm": float(loss) * 1000,
                            "source_mm": src_mm,
                            "target_mm": tgt_mm,
                            "seconds": round(time.perf_counter() - t0, 3),
                        }
                    )
                )
            if done % settings.checkpoint_every == 0 or done == settings.steps or stop.requested:
                save_state(
                    state_path,
                    done,
                    optimizer,
                    rng,
                    trainable=trainable_state(student),
                    ema=ema.model.state_dict() if ema else None,
                    settings=json.dumps(dataclasses.asdict(settings)),
                    base_sha256=base_sha,
                )
                write_metrics(metrics_path, lines)
            if stop.requested and done < settings.steps:  # Ctrl-C: the state of the whole steps is saved
                raise RunInterrupted(interrupted_message(done, settings.steps, out_dir))

    student.eval()
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
    }
    merged = merged_checkpoint(student, base, settings, provenance)
    save_checkpoint(out_dir / MODEL_FILE, merged.model, merged.config, merged.diffusion, provenance)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    atomic_write_text(out_dir / REPORT_FILE, json.dumps(report, indent=2))
    return report
