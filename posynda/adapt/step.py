"""One optimisation step of PoSynDA (paper Algorithm 1, l.5-15), and the batches it is made of.

1. a source batch (2D + 3D) re-placed in front of paired target cameras by GPA (Eq. 3);
2. a target batch (2D + intrinsics only) whose pseudo-labels the teacher draws as the
   reprojection-best of H hypotheses (Eq. 4-5);
3. one diffusion step of the student on both (Eq. 7-9), optionally with a 2D reprojection term.

Every random choice of a step is drawn up front for the whole *global* batch (:class:`StepDraws`, from
the seed and the step: the windows, the GPA pairing, the bone and view turns, the mirrors, the
diffusion timesteps, one noise seed per clip and one per teacher sample), and a process takes its
slice of it (:meth:`StepDraws.part`): under ``torchrun`` every rank builds its share of the same
global batch, and the teacher labels that rank's target shard. Noise is drawn on the host from the
per-clip seeds, so the same step gives the same batch on every device. The windows are gathered on
the host; GPA, the teacher, the mirror and the student run on the student's device (on CUDA the
pseudo-label selection is the Triton kernel), and nothing returns to the host inside a step.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from posynda import camera
from posynda.adapt.bone_aug import apply_bone_angles, bone_choices
from posynda.adapt.gpa import global_position_alignment
from posynda.adapt.settings import AdaptSettings
from posynda.adapt.teacher import pseudo_labels
from posynda.data.batches import WindowSampler
from posynda.data.prepare import MM_PER_M, root_relative_metres
from posynda.data.view_turns import apply_view_turns, view_choices
from posynda.devices import Precision, autocast
from posynda.diffusion import DDIMScheduler, mpjpe_per_clip, seeded_noise
from posynda.skeleton import FLIP_PERMUTATION, NUM_JOINTS, ROOT, flip_left_right
from posynda.training import optimiser_step


@dataclass(frozen=True)
class StepDraws:
    """Every random choice of one adaptation step, host arrays; ``S`` source and ``B`` target clips.

    Attributes:
        source_windows: ``[S]`` source window ids.
        pair_windows: ``[S]`` the target window each source clip is placed into (GPA).
        bone_axes, bone_turns: ``[S, 9, 3]`` / ``[S, 9]`` bone-angle augmentation (``adapt.bone_aug``).
        view_turns: ``[S, 2]`` pitch / roll fractions of the view augmentation (``data.view_turns``).
        target_windows: ``[B]`` target window ids.
        flips: ``[S + B]`` uniform [0, 1) per clip (source first); below ``flip_prob``: mirrored.
        timesteps: ``[S + B]`` diffusion timesteps of the student's step.
        noise_seeds: ``[S + B]`` seeds of each clip's diffusion noise.
        teacher_seeds: ``[B]`` seeds of each target clip's teacher sampling noise.
    """

    source_windows: np.ndarray
    pair_windows: np.ndarray
    bone_axes: np.ndarray
    bone_turns: np.ndarray
    view_turns: np.ndarray
    target_windows: np.ndarray
    flips: np.ndarray
    timesteps: np.ndarray
    noise_seeds: np.ndarray
    teacher_seeds: np.ndarray

    @classmethod
    def draw(
        cls, seed: int, step: int, settings: AdaptSettings, source_windows: int, target_windows: int, timesteps: int
    ) -> "StepDraws":
        """Step ``step``'s draws for the global batch (``settings.source_batch`` / ``target_batch`` clips) from
        one generator seeded by ``(seed, step)``, always in the same order."""
        rng = np.random.default_rng([seed, step])
        s, b = settings.source_batch, settings.target_batch
        source, pairs = rng.integers(max(source_windows, 1), size=s), rng.integers(max(target_windows, 1), size=s)
        bone_axes, bone_turns = bone_choices(rng, s)
        return cls(
            source_windows=source,
            pair_windows=pairs,
            bone_axes=bone_axes,
            bone_turns=bone_turns,
            view_turns=view_choices(rng, s),
            target_windows=rng.integers(max(target_windows, 1), size=b),
            flips=rng.random(s + b),
            timesteps=rng.integers(0, timesteps, s + b),
            noise_seeds=rng.integers(0, 2**63 - 1, s + b),
            teacher_seeds=rng.integers(0, 2**63 - 1, b),
        )

    @property
    def sources(self) -> int:
        return len(self.source_windows)

    def part(self, source: slice, target: slice) -> "StepDraws":
        """The draws of the source clips ``source`` and the target clips ``target`` (a rank's shards)."""
        s = self.sources
        both = np.r_[np.arange(s)[source], s + np.arange(len(self.target_windows))[target]]
        return dataclasses.replace(
            self,
            source_windows=self.source_windows[source],
            pair_windows=self.pair_windows[source],
            bone_axes=self.bone_axes[source],
            bone_turns=self.bone_turns[source],
            view_turns=self.view_turns[source],
            target_windows=self.target_windows[target],
            flips=self.flips[both],
            timesteps=self.timesteps[both],
            noise_seeds=self.noise_seeds[both],
            teacher_seeds=self.teacher_seeds[target],
        )


def domain_sampler(clips, frames: int, labelled: bool) -> WindowSampler:
    """The windows an adaptation draws from one domain: a third of a window apart."""
    return WindowSampler(clips, frames, frames // 3, labelled=labelled)


def source_pairs(
    src: WindowSampler, tgt: WindowSampler, draws: StepDraws, settings: AdaptSettings, device="cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Source clips as model pairs ``(keypoints [S,T,J,2] canonical screen units, labels [S,T,J,3] m)``
    on ``device``, float32.

    With GPA (Eq. 3, float64 on ``device``) each source pose is re-placed in front of its paired target
    clip's camera and re-projected with it; otherwise the source's own 2D is used (re-projected with the
    source camera when the bone or view augmentation turned the pose).
    """
    s_idx = src.window_frames(draws.source_windows)
    joints = src.joints_3d[s_idx]
    if settings.bone_aug_degrees > 0:  # local pose augmentation (adapt/bone_aug.py) before the placement
        joints = apply_bone_angles(joints, draws.bone_axes, draws.bone_turns, settings.bone_aug_degrees)
    turned = settings.view_pitch_degrees > 0 or settings.view_roll_degrees > 0
    if turned:  # global view augmentation (data/view_turns.py), also before the placement
        joints = apply_view_turns(joints, draws.view_turns, settings.view_pitch_degrees, settings.view_roll_degrees)
    as_tensor = lambda x: torch.from_numpy(np.ascontiguousarray(x)).to(device)  # noqa: E731
    if not settings.gpa:
        if settings.bone_aug_degrees > 0 or turned:  # re-projected with the source's own cameras
            cam = src.camera[s_idx[:, 0]].astype(np.float64)[:, None, :]  # [S, 1, 9]
            uv = camera.project(torch.from_numpy(joints).double(), torch.from_numpy(cam)).numpy()
            kp = camera.canonical_screen(uv, cam).astype(np.float32)
            return as_tensor(kp), as_tensor(root_relative_metres(joints))
        return as_tensor(src.norm[s_idx]), as_tensor(root_relative_metres(joints))
    pair_idx = tgt.window_frames(draws.pair_windows)
    cams = tgt.camera[pair_idx[:, 0]].astype(np.float64)
    aug_3d, aug_2d = global_position_alignment(
        as_tensor(joints).double(), as_tensor(tgt.pixels[pair_idx]).double(), as_tensor(cams)
    )
    kp = camera.canonical_screen(aug_2d, as_tensor(cams)[:, None, :])
    # root-relative metres, as data.prepare.root_relative_metres (here on the device)
    relative = (aug_3d - aug_3d[..., ROOT : ROOT + 1, :]) / MM_PER_M
    return kp.float(), relative.float()


def teacher_labels(
    teacher: nn.Module,
    scheduler: DDIMScheduler,
    tgt: WindowSampler,
    t_idx: np.ndarray,
    settings: AdaptSettings,
    seeds: np.ndarray | None = None,
) -> torch.Tensor:
    """Teacher pseudo-labels ``[B, T, J, 3]`` (m, on the teacher's device) of the target windows ``t_idx
    [B, T]`` (Eq. 4-5); each clip's sampling noise from its own ``seeds[b]`` (None: the global host RNG)."""
    device = next(teacher.parameters()).device
    b, t = t_idx.shape
    noise = None  # [K+1, B, H, T, J, 3], clip b from its seed
    if seeds is not None:
        noise = seeded_noise(seeds, (settings.sampling_steps + 1, settings.hypotheses, t, NUM_JOINTS, 3), dim=1)
    return pseudo_labels(
        teacher,
        scheduler,
        torch.from_numpy(tgt.norm[t_idx]).to(device),
        torch.from_numpy(tgt.detections[t_idx]).to(device),
        torch.from_numpy(tgt.camera[t_idx[:, 0]]).to(device),
        torch.from_numpy(tgt.weights[t_idx]).to(device),
        settings.hypotheses,
        settings.sampling_steps,
        settings.selection,
        snap=settings.snap_labels,
        noise=noise,
    )


def reprojection_loss(
    pose: torch.Tensor, keypoints: torch.Tensor, intrinsics: torch.Tensor, weights: torch.Tensor
) -> torch.Tensor:
    """Confidence-weighted 2D error of poses placed by the root solve and projected.

    ``pose [B, T, J, 3]`` root-relative (m), ``keypoints [B, T, J, 2]`` and ``intrinsics [B, 9]`` in
    the same (canonical screen) units, ``weights [B, T, J]``. Differentiable in ``pose``.
    """
    cam = intrinsics[:, None, :].to(pose.dtype)
    translation = camera.solve_root_translation(pose, keypoints, cam, weights)
    error = (camera.project(pose + translation[..., None, :], cam) - keypoints).norm(dim=-1)
    return (weights * error).sum() / weights.sum().clamp_min(1e-6)


def _target_reprojection_term(pred, kp, tgt: WindowSampler, t_idx, mirrored: np.ndarray) -> torch.Tensor:
    """:func:`reprojection_loss` of the target clips' predictions, in canonical screen units; a
    mirrored clip is seen by the mirrored camera and its joint weights are permuted alike."""
    cam = camera.canonical_intrinsics(tgt.camera[t_idx[:, 0]].astype(np.float64))
    cam[mirrored, 2] *= -1
    cam[mirrored, 7] *= -1
    weight = tgt.weights[t_idx]
    weight[mirrored] = weight[mirrored][..., list(FLIP_PERMUTATION)]
    device = pred.device
    return reprojection_loss(pred, kp, torch.from_numpy(cam).float().to(device), torch.from_numpy(weight).to(device))


def adaptation_step(
    student: nn.Module,
    teacher: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: DDIMScheduler,
    src: WindowSampler,
    tgt: WindowSampler,
    draws: StepDraws,
    settings: AdaptSettings,
    forward: nn.Module | None = None,
    precision: Precision = "fp32",
    grad_scaler: torch.amp.GradScaler | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One optimisation step of Algorithm 1 (l.5-15) on this process's part ``draws`` of the global batch:
    GPA source pairs + teacher pseudo-labels -> student.

    ``forward``: what runs the student's forward (its DDP wrapper or ``torch.compile`` of it; default the
    student); ``precision``: the forward's autocast; ``grad_scaler``: fp16's (one that is disabled, or None,
    leaves the loss unscaled: :func:`posynda.training.optimiser_step`). Returns ``(per_clip [S + B]
    MPJPE in m, source clips first, loss)``, both detached, on the device (no host sync).
    """
    device = next(student.parameters()).device
    forward = forward or student
    inputs, labels = [], []
    if draws.sources:
        kp_s, label_s = source_pairs(src, tgt, draws, settings, device)
        inputs.append(kp_s)
        labels.append(label_s)
    t_idx = tgt.window_frames(draws.target_windows) if len(draws.target_windows) else None
    if t_idx is not None:
        inputs.append(torch.from_numpy(tgt.norm[t_idx]).to(device))
        labels.append(teacher_labels(teacher, scheduler, tgt, t_idx, settings, draws.teacher_seeds).float())
    kp, label = torch.cat(inputs), torch.cat(labels)
    flipped = draws.flips < settings.flip_prob  # the mirror augmentation, the same clips in 2D and 3D
    if flipped.any():
        mask = torch.from_numpy(flipped).to(device)[:, None, None, None]
        kp, label = torch.where(mask, flip_left_right(kp), kp), torch.where(mask, flip_left_right(label), label)
    t = torch.from_numpy(draws.timesteps).to(device)
    noisy = scheduler.add_noise(label, seeded_noise(draws.noise_seeds, tuple(label.shape[1:])).to(device), t)  # Eq. 7
    with autocast(str(device), precision):
        pred = forward(kp, noisy, t)  # x0 prediction (Eq. 8)
    pred = pred.float()
    per_clip = mpjpe_per_clip(pred, label)  # Eq. 9
    loss = per_clip.mean()
    if settings.reproj_weight > 0 and t_idx is not None:
        n = draws.sources
        loss = loss + settings.reproj_weight * _target_reprojection_term(pred[n:], kp[n:], tgt, t_idx, flipped[n:])
    optimiser_step(loss, optimizer, grad_scaler)
    return per_clip.detach(), loss.detach()
