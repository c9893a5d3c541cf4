"""One optimisation step of PoSynDA (paper Algorithm 1, l.5-15), and the batches it is made of.

1. a source batch (2D + 3D) re-placed in front of paired target cameras by GPA (Eq. 3);
2. a target batch (2D + intrinsics only) whose pseudo-labels the teacher draws as the
   reprojection-best of H hypotheses (Eq. 4-5);
3. one diffusion step of the student on both (Eq. 7-9), optionally with a 2D reprojection term.

Batches are gathered and GPA-placed on the host; the teacher and the student run on the student's
device (on CUDA the pseudo-label selection is the Triton kernel).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from posynda import camera
from posynda.adapt.bone_aug import bone_angle_augment
from posynda.adapt.gpa import global_position_alignment
from posynda.adapt.settings import AdaptSettings
from posynda.adapt.teacher import pseudo_labels
from posynda.adapt.view_aug import view_augment
from posynda.data.prepare import root_relative_metres
from posynda.data.sampler import WindowSampler, mirror
from posynda.diffusion import DDIMScheduler, mpjpe_per_clip, noised_targets
from posynda.skeleton import FLIP_PERMUTATION


def domain_sampler(clips, frames: int, labelled: bool) -> WindowSampler:
    """The windows an adaptation draws from one domain: a third of a window apart."""
    return WindowSampler(clips, frames, frames // 3, labelled=labelled)


def source_pairs(
    src: WindowSampler, tgt: WindowSampler, rng: np.random.Generator, settings: AdaptSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Source clips as model pairs ``(keypoints [B,T,J,2] canonical screen units, labels [B,T,J,3] m)``.

    With GPA (Eq. 3) each source pose is re-placed in front of a randomly paired target clip's
    camera and re-projected with it; otherwise the source's own 2D is used.
    """
    s_idx = src.pick(rng, settings.source_batch)
    joints = src.joints_3d[s_idx]
    if settings.bone_aug_degrees > 0:  # local pose augmentation (adapt/bone_aug.py) before the placement
        joints = bone_angle_augment(joints, rng, settings.bone_aug_degrees)
    turned = settings.view_pitch_degrees > 0 or settings.view_roll_degrees > 0
    if turned:  # global view augmentation (adapt/view_aug.py), also before the placement
        joints = view_augment(joints, rng, settings.view_pitch_degrees, settings.view_roll_degrees)
    if not settings.gpa:
        if settings.bone_aug_degrees > 0 or turned:  # re-projected with the source's own cameras
            cam = torch.from_numpy(src.camera[s_idx[:, 0]]).double()[:, None, :]  # [B, 1, 9]
            uv = camera.project(torch.from_numpy(joints).double(), cam).numpy()
            kp = camera.canonical_screen(uv, src.camera[s_idx[:, 0]].astype(np.float64)[:, None, :]).astype(np.float32)
            return kp, root_relative_metres(joints)
        return src.norm[s_idx], root_relative_metres(joints)
    pair_idx = tgt.pick(rng, settings.source_batch)
    aug_3d, aug_2d = global_position_alignment(
        torch.from_numpy(joints).double(),
        torch.from_numpy(tgt.pixels[pair_idx]).double(),
        torch.from_numpy(tgt.camera[pair_idx[:, 0]]).double(),
    )
    kp = camera.canonical_screen(aug_2d.numpy(), tgt.camera[pair_idx[:, 0]].astype(np.float64)[:, None, :])
    return kp.astype(np.float32), root_relative_metres(aug_3d.numpy())


def teacher_labels(
    teacher: nn.Module, scheduler: DDIMScheduler, tgt: WindowSampler, t_idx: np.ndarray, settings: AdaptSettings
) -> np.ndarray:
    """Teacher pseudo-labels ``[B, T, J, 3]`` (m) of the target windows ``t_idx [B, T]`` (Eq. 4-5),
    computed on the teacher's device."""
    device = next(teacher.parameters()).device
    labels = pseudo_labels(
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
    )
    return labels.cpu().numpy()


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
    rng: np.random.Generator,
    settings: AdaptSettings,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One optimisation step of Algorithm 1 (l.5-15): GPA source pairs + teacher pseudo-labels -> student.

    Returns ``(per_clip [B] MPJPE in m, source clips first, loss)``, both detached.
    """
    device = next(student.parameters()).device
    inputs, labels = [], []
    if settings.source_batch:
        inputs_s, labels_s = source_pairs(src, tgt, rng, settings)
        inputs.append(inputs_s)
        labels.append(labels_s)
    if settings.target_batch:
        t_idx = tgt.pick(rng, settings.target_batch)
        inputs.append(tgt.norm[t_idx])
        labels.append(teacher_labels(teacher, scheduler, tgt, t_idx, settings))
    kp, label, flipped = mirror(rng, settings.flip_prob, np.concatenate(inputs), np.concatenate(labels))
    kp, label = torch.from_numpy(kp).float().to(device), torch.from_numpy(label).float().to(device)
    noisy, t = noised_targets(scheduler, label)  # Eq. 7
    pred = student(kp, noisy, t)  # x0 prediction (Eq. 8)
    per_clip = mpjpe_per_clip(pred, label)  # Eq. 9
    loss = per_clip.mean()
    if settings.reproj_weight > 0 and settings.target_batch:
        n = settings.source_batch
        loss = loss + settings.reproj_weight * _target_reprojection_term(pred[n:], kp[n:], tgt, t_idx, flipped[n:])
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return per_clip.detach(), loss.detach()
