"""The PoSynDA adaptation run (paper Algorithm 1): evaluated before and after, trained by the one training loop.

Per step (:class:`AdaptationStep`, :func:`posynda.adapt.step.adaptation_step`):

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

The loop -- device, DDP under ``torchrun``, precision, compile, the Adam optimizer and its ``LambdaLR``
schedule, the EMA teacher, logging, checkpoints of every state (``adapt_state.pt``), Ctrl-C and resume -- is
:func:`posynda.training.loop.train`, the one pretraining runs too. Under ``torchrun`` every rank takes its
slice of each step's global source and target batches (``source_batch`` / ``target_batch`` are global), its
teacher labels its own target shard, DDP averages the gradients, and rank 0 evaluates and writes. Every draw
of a step comes from ``(seed, step)`` (:class:`~posynda.adapt.step.StepDraws`; DropPath from ``(seed, rank,
step)``), so a resumed run continues exactly, on any device.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import torch

from posynda.adapt.adapter import merged_checkpoint, save_adapter
from posynda.adapt.footage_check import FootageScores, FootageViews, footage_scores, judge, leading_sequences
from posynda.adapt.resume import STATE_FILE, load_resume_state
from posynda.adapt.settings import AdaptSettings
from posynda.adapt.step import StepDraws, adaptation_step, domain_sampler
from posynda.adapt.student import build_student
from posynda.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from posynda.data.clips import ClipSet, clips_sha256
from posynda.devices import Device, Precision
from posynda.diffusion import DDIMScheduler
from posynda.distributed import World
from posynda.errors import InputError
from posynda.evaluate import evaluate
from posynda.fileio import atomic_write_text, sha256_file
from posynda.models import count_parameters
from posynda.runtime.settings import SamplingSettings
from posynda.training import Trainee, Training, TrainingSettings, joined_world, refuse_to_overwrite, train

REPORT_FILE = "metrics.json"  # the before/after report
REJECTED_FILE = "rejected.safetensors"  # the adapted weights the label-free check did not keep


class AdaptationStep:
    """One step of Algorithm 1 on this rank's shards of the global batches: ``step(training, n)`` draws step
    ``n``'s choices (:class:`~posynda.adapt.step.StepDraws`), labels the target with the teacher (the EMA, or
    the student itself) and updates the student (:func:`~posynda.adapt.step.adaptation_step`); returns the
    mean MPJPE of the ``loss`` and of the ``source`` and ``target`` clips (m, device scalars; NaN for a domain
    without clips)."""

    def __init__(self, world: World, base: Checkpoint, source: ClipSet, target: ClipSet, settings: AdaptSettings):
        self.settings = settings
        self.source_part = world.shard(settings.source_batch, "source_batch")
        self.target_part = world.shard(settings.target_batch, "target_batch")
        frames = base.config.frames
        self.src, self.tgt = domain_sampler(source, frames, labelled=True), domain_sampler(target, frames, False)
        self.scheduler = DDIMScheduler(base.diffusion)
        self.timesteps = base.diffusion.num_train_timesteps

    def __call__(self, training: Training, step: int) -> dict[str, torch.Tensor]:
        settings = self.settings
        draws = StepDraws.draw(settings.seed, step, settings, len(self.src), len(self.tgt), self.timesteps)
        teacher = training.teacher if training.teacher is not None else training.model
        per_clip, loss = adaptation_step(training.model, teacher, training.optimizer, self.scheduler, self.src,
                                         self.tgt, draws.part(self.source_part, self.target_part), settings,
                                         training.forward, training.precision, training.scaler)  # fmt: skip
        n = self.source_part.stop - self.source_part.start
        missing = torch.full((), float("nan"), device=loss.device)
        return {
            "loss": loss,
            "source": per_clip[:n].mean() if n else missing,
            "target": per_clip[n:].mean() if settings.target_batch else missing,
        }


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
    check: bool = True,
    views: FootageViews | None = None,
) -> dict:
    """Adapt the checkpoint at ``base_path`` from ``source`` to the unlabelled ``target``.

    ``device``: "auto" (CUDA when available), "cpu" or "cuda"; the teacher, the student and the
    evaluations run there, the data stays on the host, and what is written is device-independent.
    ``precision``: the student's forward under bf16 / fp16 autocast (fp32 master weights; fp16: CUDA);
    ``compile``: ``torch.compile`` the student's forward.

    ``check``: the label-free check on the target (:mod:`posynda.adapt.footage_check`): when the adapted
    lifter explains the target 2D worse than the base, ``model.safetensors`` keeps the base weights and the
    adapted ones go to ``rejected.safetensors``. ``views``: which target sequences are one person filmed by
    several calibrated cameras -- the check then also measures their multi-view disagreement.

    Writes ``out_dir/adapter/``, ``out_dir/model.safetensors`` (merged, or the base's when the check rejects
    the adaptation), ``out_dir/metrics.jsonl`` and ``out_dir/metrics.json`` (rank 0 under torchrun); returns
    the content of the latter (``footage``: the check; ``before``/``after`` when ``eval_clips`` is given).
    """
    base_path = Path(base_path)
    loop = TrainingSettings(
        out_dir=Path(out_dir), state_file=STATE_FILE, steps=settings.steps, log_every=settings.log_every,
        checkpoint_every=settings.checkpoint_every, seed=settings.seed, device=device, precision=precision,
        compile=compile, progress=progress, label="adapt", shown=("source", "target"),
    )  # fmt: skip
    refuse_to_overwrite(loop, resume, "an adaptation run")
    if not source.has_3d:
        raise InputError("source data has no 'joints_3d': adaptation needs a labelled source")
    target = target.without_3d()  # the guarantee: nothing below can read target 3D
    with joined_world(loop.device, precision) as world:
        base = load_checkpoint(base_path, world.device)
        base_sha = sha256_file(base_path)
        data_sha = {"source": clips_sha256(source), "target": clips_sha256(target)}
        state = load_resume_state(loop.state_path, settings, base_sha, data_sha) if resume else None
        step = AdaptationStep(world, base, source, target, settings)
        torch.manual_seed(settings.seed)  # LoRA's initialisation
        student = build_student(base, settings)
        ema_decay = settings.ema_decay if settings.teacher == "ema" else None
        trainee = Trainee(student, torch.optim.Adam, settings.learning_rate_at, ema_decay)
        report: dict = {
            "settings": dataclasses.asdict(settings),
            "trainable_parameters": count_parameters(student, trainable_only=True),
            "learning_rate": settings.learning_rate,
            "base_checkpoint": str(base_path),
            "world_size": world.size,
            "device": torch.device(world.device).type,
            "precision": precision,
        }
        footage = leading_sequences(target)
        footage_views = views.leading(footage.num_sequences) if views is not None else None
        if check and world.is_main:
            report["footage"] = {"before": footage_scores(base, footage, eval_settings, footage_views).as_dict()}
        if eval_clips is not None and world.is_main:
            report["before"] = evaluate(base, eval_clips, eval_settings)
        world.barrier()
        t0 = time.perf_counter()
        facts = {"settings": json.dumps(dataclasses.asdict(settings)), "base_sha256": base_sha,
                 **{f"{role}_sha256": sha for role, sha in data_sha.items()}}  # fmt: skip
        student = train(world, loop, trainee, step, state=state, facts=facts).model
        student.eval()
        report["seconds"] = round(time.perf_counter() - t0, 1)
        if world.is_main:  # rank 0 evaluates and writes
            adapted = Checkpoint(model=student, config=base.config, diffusion=base.diffusion)
            if eval_clips is not None:
                report["after"] = evaluate(adapted, eval_clips, eval_settings)
            kept = True
            if check:
                after = footage_scores(adapted, footage, eval_settings, footage_views)
                verdict = judge(FootageScores(**report["footage"]["before"]), after)
                kept = verdict.keep
                report["footage"].update(after=after.as_dict(), kept=kept, reasons=list(verdict.reasons),
                                         verdict=verdict.line())  # fmt: skip
            save_adapter(loop.out_dir, student, settings, base_path)
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
            if kept:
                save_checkpoint(loop.model_path, merged.model, merged.config, merged.diffusion, provenance)
            else:  # the user's model.safetensors stays the base; the adapted weights are kept for a look
                rejected = {**provenance, "rejected_by": report["footage"]["verdict"]}
                save_checkpoint(loop.out_dir / REJECTED_FILE, merged.model, merged.config, merged.diffusion, rejected)
                save_checkpoint(loop.model_path, base.model, base.config, base.diffusion,
                                {**provenance, "adaptation_rejected": report["footage"]["verdict"]})  # fmt: skip
            report["seconds"] = round(time.perf_counter() - t0, 1)
            atomic_write_text(loop.out_dir / REPORT_FILE, json.dumps(report, indent=2))
        world.barrier()
    return report
