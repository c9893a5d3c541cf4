"""The denoising objective shared by pretraining and adaptation (paper Eq. 7-9, D3DP's x0 loss).

A training pair ``(keypoints_2d, x0)`` becomes a noisy pose at a random timestep (Eq. 7); the
denoiser predicts the clean pose (Eq. 8) and is scored by the mean per-joint position error to it
(Eq. 9). Both loops draw the timesteps and noise up front from the seed and the step
(``posynda.pretrain.step_batch``, ``posynda.adapt.step.StepDraws``; per-clip noise by
:func:`posynda.diffusion.seeded_noise`).
"""

from __future__ import annotations

import torch


def mpjpe_per_clip(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``[B]`` mean per-joint L2 distance of each clip ``[B, T, J, 3]`` (Eq. 9), in the input unit."""
    return (pred - target).norm(dim=-1).mean(dim=tuple(range(1, pred.ndim - 1)))


def mpjpe_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The training loss: the mean over clips of :func:`mpjpe_per_clip` (equal-sized clips: the MPJPE)."""
    return mpjpe_per_clip(pred, target).mean()
