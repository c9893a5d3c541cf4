"""Multi-hypothesis pseudo-labels from a frozen teacher (paper Eq. 4-5, Algorithm 1 l.8-13).

The teacher is the student itself (without gradient) or its EMA (``posynda.training.ema``, which the training
loop keeps).

The teacher draws H hypotheses per target clip in one batched forward per DDIM step. For every
frame and hypothesis the root translation is solved from the target 2D keypoints and the target
intrinsics -- never from ground truth -- the hypothesis is projected, and the one with the
smallest 2D error becomes the pseudo-label, per joint (D3DP's JPMA) or per frame (Eq. 4).
"""

from __future__ import annotations

import torch
from torch import nn

from posynda import camera
from posynda.diffusion import DDIMScheduler, draw_noise, sample_poses
from posynda.hypotheses import Selection, reproject_select


@torch.no_grad()
def pseudo_labels(
    teacher: nn.Module,
    scheduler: DDIMScheduler,
    keypoints_norm: torch.Tensor,
    keypoints_px: torch.Tensor,
    intrinsics: torch.Tensor,
    weights: torch.Tensor,
    hypotheses: int = 3,
    steps: int = 1,
    selection: Selection = "joint",
    generator: torch.Generator | None = None,
    snap: bool = False,
    noise: torch.Tensor | None = None,
) -> torch.Tensor:
    """Pseudo-label ``[B, T, J, 3]`` (root-relative metres) for target clips.

    Args:
        teacher: denoiser (called in eval mode, no gradient).
        keypoints_norm: ``[B, T, J, 2]`` model input (normalised screen units, gaps filled).
        keypoints_px: ``[B, T, J, 2]`` the detections in pixels (NaN = missing).
        intrinsics: ``[B, 9]`` pixel intrinsics of each clip.
        weights: ``[B, T, J]`` joint confidences (0 = ignore in the selection).
        hypotheses, steps: H and K of the sampler.
        selection: "joint" (JPMA) or "frame" (Eq. 4); with H = 1 the single sample is the label.
        snap: move the selected pose onto the rays of the keypoints, keeping its depths
            (:func:`posynda.camera.snap_to_rays`): the label then reprojects onto the 2D exactly.
        noise: ``[K+1, B, H, T, J, 3]`` sampling noise (:func:`~posynda.diffusion.draw_noise`); None: drawn
            on the host with ``generator``.
    """
    was_training = teacher.training
    teacher.eval()
    b, t, j, _ = keypoints_norm.shape
    if noise is None:
        noise = draw_noise(b, hypotheses, t, j, steps, generator)
    poses = sample_poses(teacher, keypoints_norm, scheduler, hypotheses, steps, False, noise)  # [B, H, T, J, 3]
    teacher.train(was_training)
    cam = intrinsics[:, None, :].expand(b, t, intrinsics.shape[-1]).reshape(b * t, -1)
    if hypotheses == 1:
        selected = poses[:, 0].reshape(b * t, j, 3)
    else:
        flat = poses.permute(0, 2, 1, 3, 4).reshape(b * t, hypotheses, j, 3)
        selected, _, _, _ = reproject_select(
            flat, keypoints_px.reshape(b * t, j, 2), cam, mode=selection, mask=weights.reshape(b * t, j)
        )
    if snap:
        selected = camera.snap_to_rays(selected, keypoints_px.reshape(b * t, j, 2), cam, weights.reshape(b * t, j))
    return selected.reshape(b, t, j, 3)
