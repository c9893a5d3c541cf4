"""Example inputs of the denoiser contract, for tracing, parity checks and benchmarks."""

from __future__ import annotations

import torch


def example_inputs(batch: int, frames: int, joints: int = 17, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Plausible ``(keypoints_2d [B,T,J,2], noisy_3d [B,T,J,3], t [B] int64)``: 2D in the normalised
    screen range, clamped noise, random timesteps below 1000 (the values do not matter for timing)."""
    gen = torch.Generator().manual_seed(seed)
    kp = (torch.randn(batch, frames, joints, 2, generator=gen) * 0.4).clamp(-1, 1)
    noisy = torch.randn(batch, frames, joints, 3, generator=gen).clamp(-1.1, 1.1)
    t = torch.randint(0, 1000, (batch,), generator=gen)
    return kp, noisy, t
