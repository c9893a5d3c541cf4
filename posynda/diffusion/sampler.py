"""Multi-hypothesis DDIM sampling of a pose denoiser (D3DP-style, paper Algorithm 1 l.9-11).

All H hypotheses (and, with flip test-time augmentation, their mirrored twins) are folded into
the batch, so each of the K steps is one batched denoiser forward.
"""

from __future__ import annotations

import torch

from posynda.diffusion.scheduling_ddim import DDIMScheduler
from posynda.skeleton import ROOT
from posynda.skeleton import flip_left_right as flip_poses


def draw_noise(
    batch: int, hypotheses: int, frames: int, joints: int, steps: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """All the Gaussian noise one sampling run consumes: ``[K+1, B, H, T, J, 3]`` float32 (CPU).

    Index 0 is the initial ``x_T``; index k >= 1 is the ``z`` of step k. Drawing it up front from
    one host generator makes a seed give the same poses on every backend.
    """
    return torch.randn((steps + 1, batch, hypotheses, frames, joints, 3), generator=generator)


def seeded_noise(seeds, shape: tuple[int, ...], dim: int = 0) -> torch.Tensor:
    """Standard normal noise (float32, CPU) for a batch whose item ``i`` draws ``shape`` from its own generator
    seeded by ``seeds[i]``, stacked along ``dim``: an item's noise depends on its seed only, not on which
    batch (or which process's shard of a batch) it is in. ``seeded_noise(seeds, (K+1, H, T, J, 3), dim=1)``
    is :func:`draw_noise`'s layout, item by item."""
    draws = [torch.randn(shape, generator=torch.Generator().manual_seed(int(n))) for n in seeds]
    return torch.stack(draws, dim=dim) if draws else torch.zeros((*shape[:dim], 0, *shape[dim:]))


@torch.no_grad()
def sample_poses(
    denoiser,
    keypoints_2d: torch.Tensor,
    scheduler: DDIMScheduler,
    hypotheses: int = 1,
    steps: int = 1,
    flip: bool = False,
    noise: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Sample ``H`` 3D pose hypotheses for each clip.

    Args:
        denoiser: callable ``(keypoints_2d [B',T,J,2], noisy_3d [B',T,J,3], t [B']) -> x0``.
        keypoints_2d: ``[B, T, J, 2]`` canonical screen coordinates (camera.canonical_screen).
        scheduler: a DDIMScheduler (its config supplies eta and the clamp).
        hypotheses: H.
        steps: K DDIM steps.
        flip: average each prediction with the un-mirrored prediction on mirrored inputs.
        noise: ``[K+1, B, H, T, J, 3]`` from :func:`draw_noise`; drawn with ``generator`` when None.

    Returns:
        ``[B, H, T, J, 3]`` root-relative poses in model units (metres), root joint exactly 0.
    """
    b, f, j, _ = keypoints_2d.shape
    device, dtype = keypoints_2d.device, keypoints_2d.dtype
    pairs = scheduler.set_timesteps(steps)
    if noise is None:
        noise = draw_noise(b, hypotheses, f, j, steps, generator)
    if noise.shape != (steps + 1, b, hypotheses, f, j, 3):
        raise ValueError(
            f"noise must be [K+1, B, H, T, J, 3] = {(steps + 1, b, hypotheses, f, j, 3)}, got {tuple(noise.shape)}"
        )
    noise = noise.to(device=device, dtype=dtype)
    clip = scheduler.config.clip_sample
    cond = keypoints_2d[:, None].expand(b, hypotheses, f, j, 2).reshape(b * hypotheses, f, j, 2)
    if flip:
        cond = torch.cat([cond, flip_poses(cond)], dim=0)
    x_t = noise[0].reshape(b * hypotheses, f, j, 3)
    keep = torch.ones(j, 1, device=device, dtype=dtype)
    keep[ROOT] = 0
    x0 = x_t
    for k, (t, t_next) in enumerate(pairs, start=1):
        x_t = x_t.clamp(-clip, clip)
        model_in = torch.cat([x_t, flip_poses(x_t)], dim=0) if flip else x_t
        t_batch = torch.full((model_in.shape[0],), t, device=device, dtype=torch.long)
        pred = denoiser(cond, model_in, t_batch)
        if flip:
            plain, mirrored = pred.chunk(2, dim=0)
            pred = (plain + flip_poses(mirrored)) / 2
        x0 = pred.clamp(-clip, clip) * keep  # root-relative by contract: the root joint is exactly 0
        x_t = scheduler.step(x0, t, t_next, x_t, noise[k].reshape(b * hypotheses, f, j, 3))
    return x0.reshape(b, hypotheses, f, j, 3)
