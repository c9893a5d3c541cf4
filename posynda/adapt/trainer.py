"""The PoSynDA adaptation loop (paper Algorithm 1) and the merge of its result.

Per step:

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
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from posynda import camera
from posynda.adapt.embedding import CrossDatasetEmbedding
from posynda.adapt.gpa import global_position_alignment
from posynda.adapt.lora import add_lora, load_lora, merge_lora
from posynda.adapt.teacher import EMATeacher, pseudo_labels
from posynda.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from posynda.data.clips import ClipSet
from posynda.data.prepare import fill_missing_keypoints, normalized_keypoints, root_relative_metres
from posynda.data.windows import window_sequences
from posynda.devices import resolve_device
from posynda.diffusion import DDIMScheduler
from posynda.errors import InputError
from posynda.evaluate import SamplingSettings, evaluate
from posynda.fileio import atomic_write_bytes, atomic_write_text, sha256_file
from posynda.models import build_denoiser
from posynda.runstate import load_state, progress_bar, read_metrics, restore_state, save_state, write_metrics
from posynda.skeleton import FLIP_PERMUTATION, flip_left_right

ADAPTER_DIR = "adapter"
EMBEDDING_FILE = "cross_dataset_embedding.safetensors"
STATE_FILE = "adapt_state.pt"
# Adam learning rates of 750-step runs, picked on the held-out wild draws (seeds 1 and 2; MPJPE mm
# on the two draws, README.md "Adaptation"): LoRA 3e-3 151.4/141.7, 6e-3 144.5/134.4, 9e-3 140.9/129.4,
# 1.2e-2 140.2/129.3, 2e-2 140.8/130.2; full fine-tuning 1e-4 154.1/143.3, 3e-4 150.0/139.2,
# 6e-4 138.3/126.5, 1e-3 133.1/121.7, 2e-3 132.0/119.5, 3e-3 141.5 (draw 1), 5e-3 diverges (446.1).
DEFAULT_LR_LORA = 1.2e-2
DEFAULT_LR_FULL = 2e-3


@dataclass(frozen=True)
class AdaptSettings:
    """Adaptation hyper-parameters; each PoSynDA component can be switched off (Table 3).

    Attributes:
        steps: optimisation steps.
        lr: Adam learning rate; None = ``DEFAULT_LR_LORA`` for LoRA, ``DEFAULT_LR_FULL`` for full
            fine-tuning, both chosen for 750-step runs on two held-out draws of the wild domain
            (seeds 1 and 2) -- never on the test split.
        lr_schedule: "constant", or "cosine" (decay from ``lr`` to 0 over ``steps``).
        source_batch, target_batch: clips per step from each domain (the source/target mix; 24/8
            was chosen on the held-out wild draw, seed 1: the GPA-augmented source pairs carry
            more signal than a weak teacher's pseudo-labels).
        hypotheses: teacher hypotheses H (1 = no multi-hypothesis selection).
        sampling_steps: teacher DDIM steps K.
        selection: "joint" (JPMA) or "frame" (Eq. 4).
        gpa: target-specific source augmentation on/off.
        lora: LoRA adapters (True) or full fine-tuning (False).
        rank: LoRA rank r.
        cd_embedding: cross-dataset embedding on/off.
        teacher: "student" (same weights, no gradient) or "ema" (mean teacher).
        ema_decay: decay of the EMA teacher.
        flip_prob: mirror augmentation probability per clip.
        reproj_weight: weight of the optional 2D reprojection term on the target clips (the student's
            pose, placed by the root solve, projected with the target camera vs the detections;
            normalised screen units, confidence-weighted). 0 disables it.
        seed: seeds sampling of clips, noise and LoRA initialisation.
        log_every, checkpoint_every: steps between metrics lines / resumable checkpoints.
    """

    steps: int = 750
    lr: float | None = None
    lr_schedule: str = "constant"
    source_batch: int = 24
    target_batch: int = 8
    hypotheses: int = 3
    sampling_steps: int = 1
    selection: str = "joint"
    gpa: bool = True
    lora: bool = True
    rank: int = 4
    cd_embedding: bool = True
    teacher: str = "student"
    ema_decay: float = 0.99
    flip_prob: float = 0.5
    reproj_weight: float = 0.0
    seed: int = 0
    log_every: int = 10
    checkpoint_every: int = 100

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else (DEFAULT_LR_LORA if self.lora else DEFAULT_LR_FULL)

    def learning_rate_at(self, step: int) -> float:
        """Learning rate of step ``step`` (0-based): a pure function of the step, so resuming needs no state."""
        if self.lr_schedule == "cosine":
            return self.learning_rate * 0.5 * (1.0 + math.cos(math.pi * step / self.steps))
        return self.learning_rate

    def __post_init__(self):
        if self.steps < 1 or self.source_batch < 0 or self.target_batch < 0 or self.hypotheses < 1:
            raise InputError("steps and hypotheses must be >= 1 and batch sizes >= 0")
        if self.rank < 1:
            raise InputError(f"--rank must be >= 1, got {self.rank}")
        if self.source_batch + self.target_batch == 0:
            raise InputError("source and target batch sizes cannot both be 0")
        if self.selection not in ("joint", "frame"):
            raise InputError(f"--selection must be joint or frame, got {self.selection!r}")
        if self.lr_schedule not in ("constant", "cosine"):
            raise InputError(f"--lr-schedule must be constant or cosine, got {self.lr_schedule!r}")
        if self.teacher not in ("student", "ema"):
            raise InputError(f"--teacher must be student or ema, got {self.teacher!r}")


class DomainWindows:
    """Windows of one domain as arrays the loop gathers from (3D only when ``labelled``)."""

    def __init__(self, clips: ClipSet, frames: int, labelled: bool):
        self.norm = normalized_keypoints(clips)
        self.pixels = fill_missing_keypoints(clips)
        self.detections = clips.keypoints_2d  # as detected (NaN = missing): what pseudo-labels are scored on
        self.weights = clips.confidence_or_ones()
        self.camera = clips.camera[clips.seq_index]
        self.size = clips.image_size[clips.seq_index].astype(np.float32)
        self.joints_3d = clips.joints_3d if labelled else None
        self.windows = window_sequences(clips.sequence_bounds(), frames, max(1, frames // 3))

    def pick(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.windows.index[rng.integers(len(self.windows), size=n)]


def build_student(base: Checkpoint, settings: AdaptSettings) -> nn.Module:
    """Base denoiser + LoRA (or all weights trainable) + cross-dataset embedding (trainable)."""
    model = build_denoiser(base.config)
    model.load_state_dict(base.model.state_dict())
    if settings.lora:
        model = add_lora(model, base.config.arch, settings.rank)
    else:
        model.requires_grad_(True)
    if settings.cd_embedding:
        model = CrossDatasetEmbedding(model, base.config.joints)
    return model


def trainable_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def merged_checkpoint(student: nn.Module, base: Checkpoint, settings: AdaptSettings, provenance: dict) -> Checkpoint:
    """Fold adapters and the embedding into a plain denoiser (config ``output_offset`` when CD)."""
    inner = student.denoiser if isinstance(student, CrossDatasetEmbedding) else student
    plain = merge_lora(inner) if settings.lora else inner
    # A base that already carries an offset (an adapted model adapted again) keeps it: the offsets add.
    config = dataclasses.replace(base.config, output_offset=base.config.output_offset or settings.cd_embedding)
    merged = build_denoiser(config)
    state = {k: v.detach().cpu().clone() for k, v in plain.state_dict().items()}
    if settings.cd_embedding:
        offset = student.offset.detach().cpu().clone()
        state["output_offset"] = state["output_offset"] + offset if "output_offset" in state else offset
    merged.load_state_dict(state)
    return Checkpoint(model=merged.eval(), config=config, diffusion=base.diffusion, provenance=provenance)


def load_adapted(base_path: str | Path, adapter_dir: str | Path) -> nn.Module:
    """Rebuild an adapted (unmerged) denoiser from its base checkpoint and ``adapter/`` directory."""
    from safetensors.torch import load_file

    base = load_checkpoint(base_path)
    adapter_dir = Path(adapter_dir)
    info_path = adapter_dir / "adaptation.json"
    if not info_path.is_file():
        raise InputError(f"{adapter_dir}: no adaptation.json (not a posynda adapter directory)")
    info = json.loads(info_path.read_text())
    if info.get("base_sha256") != sha256_file(base_path):
        raise InputError(f"{adapter_dir}: adapter was trained on another base checkpoint than {base_path}")
    settings = AdaptSettings(**info["settings"])
    model = build_denoiser(base.config)
    model.load_state_dict(base.model.state_dict())
    if settings.lora:
        model = load_lora(model, adapter_dir)
    if settings.cd_embedding:
        model = CrossDatasetEmbedding(model, base.config.joints)
        model.offset.data.copy_(load_file(str(adapter_dir / EMBEDDING_FILE))["offset"])
    return model.eval()


def _save_adapter(out_dir: Path, student: nn.Module, settings: AdaptSettings, base_path: Path) -> Path:
    from safetensors.torch import save

    adapter = out_dir / ADAPTER_DIR
    adapter.mkdir(parents=True, exist_ok=True)
    inner = student.denoiser if isinstance(student, CrossDatasetEmbedding) else student
    if settings.lora:
        inner.save_pretrained(str(adapter))
    if settings.cd_embedding:
        atomic_write_bytes(adapter / EMBEDDING_FILE, save({"offset": student.offset.detach().cpu().contiguous()}))
    info = {
        "base_checkpoint": str(base_path),
        "base_sha256": sha256_file(base_path),
        "settings": dataclasses.asdict(settings),
    }
    atomic_write_text(adapter / "adaptation.json", json.dumps(info, indent=2))
    return adapter


def _trainable_state(student: nn.Module) -> dict:
    names = {n for n, p in student.named_parameters() if p.requires_grad}
    return {k: v for k, v in student.state_dict().items() if k in names}


def _mirror(rng, flip_prob, *arrays):
    """Mirror the same random clips of every ``[B, T, J, C]`` array; also return the flip mask."""
    flip = rng.random(len(arrays[0])) < flip_prob
    out = []
    for a in arrays:
        a = a.copy()
        a[flip] = flip_left_right(a[flip])
        out.append(a)
    return (*out, flip)


def reprojection_loss(
    pose: torch.Tensor, keypoints: torch.Tensor, intrinsics: torch.Tensor, weights: torch.Tensor
) -> torch.Tensor:
    """Confidence-weighted 2D error of poses placed by the root solve and projected.

    ``pose [B, T, J, 3]`` root-relative (m), ``keypoints [B, T, J, 2]`` and ``intrinsics [B, 9]`` in
    the same (normalised screen) units, ``weights [B, T, J]``. Differentiable in ``pose``.
    """
    cam = intrinsics[:, None, :].to(pose.dtype)
    translation = camera.solve_root_translation(pose, keypoints, cam, weights)
    error = (camera.project(pose + translation[..., None, :], cam) - keypoints).norm(dim=-1)
    return (weights * error).sum() / weights.sum().clamp_min(1e-6)


def _source_pairs(src: DomainWindows, tgt: DomainWindows, rng, settings: AdaptSettings) -> tuple[np.ndarray, ...]:
    """Source clips as model pairs ``(keypoints [B,T,J,2] normalised, labels [B,T,J,3] m)``.

    With GPA (Eq. 3) each source pose is re-placed in front of a randomly paired target clip's
    camera and re-projected with it; otherwise the source's own 2D is used.
    """
    s_idx = src.pick(rng, settings.source_batch)
    if not settings.gpa:
        return src.norm[s_idx], root_relative_metres(src.joints_3d[s_idx])
    pair_idx = tgt.pick(rng, settings.source_batch)
    aug_3d, aug_2d = global_position_alignment(
        torch.from_numpy(src.joints_3d[s_idx]).double(),
        torch.from_numpy(tgt.pixels[pair_idx]).double(),
        torch.from_numpy(tgt.camera[pair_idx[:, 0]]).double(),
    )
    size = tgt.size[pair_idx]
    kp = camera.normalize_screen(aug_2d.numpy(), size[..., None, 0], size[..., None, 1])
    return kp.astype(np.float32), root_relative_metres(aug_3d.numpy())


def _pseudo_label_batch(teacher, scheduler, tgt: DomainWindows, t_idx, settings) -> np.ndarray:
    """Teacher pseudo-labels ``[B, T, J, 3]`` (m) of the target windows ``t_idx`` (Eq. 4-5), computed
    on the teacher's device (the reprojection selection runs the Triton kernel there on CUDA)."""
    device = next(teacher.parameters()).device
    return (
        pseudo_labels(
            teacher,
            scheduler,
            torch.from_numpy(tgt.norm[t_idx]).to(device),
            torch.from_numpy(tgt.detections[t_idx]).to(device),
            torch.from_numpy(tgt.camera[t_idx[:, 0]]).to(device),
            torch.from_numpy(tgt.weights[t_idx]).to(device),
            settings.hypotheses,
            settings.sampling_steps,
            settings.selection,
        )
        .cpu()
        .numpy()
    )


def adaptation_step(
    student: nn.Module,
    teacher: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: DDIMScheduler,
    src: DomainWindows,
    tgt: DomainWindows,
    rng: np.random.Generator,
    settings: AdaptSettings,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One optimisation step of Algorithm 1 (l.5-15): GPA source pairs + teacher pseudo-labels -> student.

    Runs on the student's device; the batches are gathered and GPA-placed on the host.
    Returns ``(per_clip [B] MPJPE in m, source clips first, loss)``, both detached.
    """
    device = next(student.parameters()).device
    inputs, labels = [], []
    if settings.source_batch:
        inputs_s, labels_s = _source_pairs(src, tgt, rng, settings)
        inputs.append(inputs_s)
        labels.append(labels_s)
    if settings.target_batch:
        t_idx = tgt.pick(rng, settings.target_batch)
        inputs.append(tgt.norm[t_idx])
        labels.append(_pseudo_label_batch(teacher, scheduler, tgt, t_idx, settings))
    kp, label, flipped = _mirror(rng, settings.flip_prob, np.concatenate(inputs), np.concatenate(labels))
    kp, label = torch.from_numpy(kp).float().to(device), torch.from_numpy(label).float().to(device)
    t = torch.randint(0, scheduler.config.num_train_timesteps, (len(kp),)).to(device)
    pred = student(kp, scheduler.add_noise(label, torch.randn_like(label), t), t)  # x0 prediction (Eq. 7-8)
    per_clip = (pred - label).norm(dim=-1).mean(dim=(1, 2))  # MPJPE per clip (Eq. 9)
    loss = per_clip.mean()
    if settings.reproj_weight > 0 and settings.target_batch:
        n = settings.source_batch
        size = tgt.size[t_idx[:, 0]]
        cam = camera.normalize_intrinsics(tgt.camera[t_idx[:, 0]].astype(np.float64), size[:, 0], size[:, 1])
        mirrored = flipped[n:]
        cam[mirrored, 2] *= -1  # a mirrored clip is seen by the mirrored camera
        cam[mirrored, 7] *= -1
        weight = tgt.weights[t_idx]
        weight[mirrored] = weight[mirrored][..., list(FLIP_PERMUTATION)]
        loss = loss + settings.reproj_weight * reprojection_loss(
            pred[n:], kp[n:], torch.from_numpy(cam).float().to(device), torch.from_numpy(weight).to(device)
        )
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return per_clip.detach(), loss.detach()


# Settings a resumed run may change: how long it runs and how often it logs, nothing that shapes the model.
_RESUMABLE_CHANGES = ("steps", "log_every", "checkpoint_every")


def _load_resume_state(state_path: Path, settings: AdaptSettings, base_sha: str) -> dict:
    """The saved state of the run to resume, refused if it was made for another base or other settings."""
    state = load_state(state_path)
    if "settings" not in state or "base_sha256" not in state:
        raise InputError(f"--resume: {state_path} has no settings record (not a posynda adapt state)")
    if state["base_sha256"] != base_sha:
        raise InputError(f"--resume: {state_path} was adapted from another base checkpoint than --checkpoint")
    saved = json.loads(state["settings"])
    current = dataclasses.asdict(settings)
    changed = [k for k in current if k not in _RESUMABLE_CHANGES and saved.get(k) != current[k]]
    if changed:
        k = changed[0]
        raise InputError(
            f"--resume: the run was made with {k}={saved.get(k)!r}, not {current[k]!r}; use the same options"
        )
    return state


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
    device: str = "auto",
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
    state_path, metrics_path = out_dir / STATE_FILE, out_dir / "metrics.jsonl"
    if not resume and (state_path.exists() or (out_dir / "model.safetensors").exists()):
        raise InputError(f"{out_dir} already holds an adaptation run; pass --resume or choose another --out")
    if not source.has_3d:
        raise InputError("source data has no 'joints_3d': adaptation needs a labelled source")
    target = target.without_3d()  # the guarantee: nothing below can read target 3D
    device = resolve_device(device)
    base = load_checkpoint(base_path, device)
    base_sha = sha256_file(base_path)
    state = _load_resume_state(state_path, settings, base_sha) if resume else None
    frames = base.config.frames
    src, tgt = DomainWindows(source, frames, labelled=True), DomainWindows(target, frames, labelled=False)

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
        "trainable_parameters": trainable_parameters(student),
        "learning_rate": settings.learning_rate,
        "base_checkpoint": str(base_path),
    }
    if eval_clips is not None:
        report["before"] = evaluate(base, eval_clips, eval_settings)

    t0 = time.perf_counter()
    student.train()
    with progress_bar("adapt", "src {task.fields[src]:.1f} tgt {task.fields[tgt]:.1f} mm", progress) as bar:
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
            if done % settings.checkpoint_every == 0 or done == settings.steps:
                save_state(
                    state_path,
                    done,
                    optimizer,
                    rng,
                    trainable=_trainable_state(student),
                    ema=ema.model.state_dict() if ema else None,
                    settings=json.dumps(dataclasses.asdict(settings)),
                    base_sha256=base_sha,
                )
                write_metrics(metrics_path, lines)

    student.eval()
    adapted = Checkpoint(model=student, config=base.config, diffusion=base.diffusion)
    if eval_clips is not None:
        report["after"] = evaluate(adapted, eval_clips, eval_settings)
    _save_adapter(out_dir, student, settings, base_path)
    provenance = {
        "command": "posynda adapt",
        "base_checkpoint": str(base_path),
        "base_sha256": base_sha,
        "adaptation": dataclasses.asdict(settings),
        "target_frames": target.num_frames,
        "source_frames": source.num_frames,
    }
    merged = merged_checkpoint(student, base, settings, provenance)
    save_checkpoint(out_dir / "model.safetensors", merged.model, merged.config, merged.diffusion, provenance)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    atomic_write_text(out_dir / "metrics.json", json.dumps(report, indent=2))
    return report
