"""The micro denoiser: the smallest MixSTE, and an in-memory checkpoint of it with seeded weights."""

import torch

from posynda.checkpoint import Checkpoint
from posynda.diffusion import SchedulerConfig
from posynda.models import DenoiserConfig, build_denoiser

# The smallest MixSTE: T = 9, one spatial + one temporal block of width 32.
MICRO = DenoiserConfig(arch="mixste", frames=9, dim=32, depth=1, heads=2, drop_path=0.0)


def micro_checkpoint(config: DenoiserConfig = MICRO, seed: int = 0) -> Checkpoint:
    """An in-memory checkpoint of ``config`` with seeded random weights."""
    torch.manual_seed(seed)
    return Checkpoint(model=build_denoiser(config).eval(), config=config, diffusion=SchedulerConfig())
