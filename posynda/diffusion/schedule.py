"""Noise schedules."""

from __future__ import annotations

import math

import torch


def cosine_alphas_cumprod(num_timesteps: int = 1000, s: float = 0.008) -> torch.Tensor:
    """Cosine schedule of Nichol & Dhariwal (2021), as D3DP uses it.

    ``alpha_bar(x) = cos(((x/T) + s) / (1 + s) * pi/2)^2`` normalised to 1 at x = 0; betas
    ``1 - alpha_bar_t / alpha_bar_{t-1}`` are clipped to [0, 0.999] and re-accumulated.

    Returns:
        ``[T]`` float64 cumulative products ``alpha_bar_t`` for t = 0..T-1 (paper Eq. 7).
    """
    x = torch.linspace(0, num_timesteps, num_timesteps + 1, dtype=torch.float64)
    ac = torch.cos(((x / num_timesteps) + s) / (1 + s) * math.pi * 0.5) ** 2
    ac = ac / ac[0]
    betas = (1 - ac[1:] / ac[:-1]).clamp(0, 0.999)
    return torch.cumprod(1.0 - betas, dim=0)
