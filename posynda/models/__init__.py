"""Diffusion denoisers (DESIGN.md section 5) and their configurations."""

from torch import nn

from posynda.models.config import PRESETS, DenoiserConfig, preset
from posynda.models.mixste import MixSTEDenoiser
from posynda.models.videopose import VideoPoseDenoiser


def build_denoiser(config: DenoiserConfig) -> nn.Module:
    """Instantiate the denoiser described by ``config``."""
    return {"mixste": MixSTEDenoiser, "videopose": VideoPoseDenoiser}[config.arch](config)


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


__all__ = [
    "PRESETS",
    "DenoiserConfig",
    "preset",
    "build_denoiser",
    "count_parameters",
    "MixSTEDenoiser",
    "VideoPoseDenoiser",
]
