"""Diffusion: cosine schedule, DDIM scheduler (x0-prediction), multi-hypothesis sampler, the portable Philox
noise of inference, training objective."""

from posynda.diffusion.objective import mpjpe_loss, mpjpe_per_clip
from posynda.diffusion.philox import NOISE_SPEC, philox_normal, window_noise
from posynda.diffusion.sampler import draw_noise, sample_poses, seeded_noise
from posynda.diffusion.schedule import cosine_alphas_cumprod
from posynda.diffusion.scheduling_ddim import DDIMScheduler, SchedulerConfig

__all__ = [
    "DDIMScheduler",
    "NOISE_SPEC",
    "SchedulerConfig",
    "cosine_alphas_cumprod",
    "draw_noise",
    "mpjpe_loss",
    "mpjpe_per_clip",
    "philox_normal",
    "sample_poses",
    "seeded_noise",
    "window_noise",
]
