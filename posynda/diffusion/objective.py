"""The denoising objective shared by pretraining and adaptation (paper Eq. 7-9, D3DP's x0 loss).

A training pair ``(keypoints_2d, x0)`` becomes a noisy pose at a random timestep (Eq. 7); the
denoiser predicts the clean pose (Eq. 8) and is scored by the mean per-joint position error to it
(Eq. 9). Both loops draw the timesteps and noise the same way, from the global torch RNG.
"""

from __future__ import annotations

import torch

from posynda.diffusion.scheduling_ddim import DDIMScheduler


def noised_targets(scheduler: DDIMScheduler, x0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x_t [B, ...], t [B])``: one timestep per clip (drawn on the CPU, moved to ``x0``'s device)
    and ``x0`` noised to it with the cosine schedule (Eq. 7)."""
    t = torch.randint(0, scheduler.config.num_train_timesteps, (x0.shape[0],)).to(x0.device)
    return scheduler.add_noise(x0, torch.randn_like(x0), t), t


def mpjpe_per_clip(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``[B]`` mean per-joint L2 distance of each clip ``[B, T, J, 3]`` (Eq. 9), in the input unit."""
    return (pred - target).norm(dim=-1).mean(dim=tuple(range(1, pred.ndim - 1)))


def mpjpe_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The training loss: the mean over clips of :func:`mpjpe_per_clip` (equal-sized clips: the MPJPE)."""
    return mpjpe_per_clip(pred, target).mean()
