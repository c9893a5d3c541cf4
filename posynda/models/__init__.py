"""Diffusion denoisers ``(keypoints_2d [B,T,J,2], noisy_3d [B,T,J,3], t [B]) -> x0 [B,T,J,3]``, configs, presets."""

from torch import nn

from posynda.models.architectures import DENOISERS, DenoiserArch, architecture, build_denoiser
from posynda.models.config import PRESETS, DenoiserConfig, preset, preset_of
from posynda.models.inputs import example_inputs
from posynda.models.mixste import MixSTEDenoiser
from posynda.models.videopose import VideoPoseDenoiser


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


__all__ = [
    "DENOISERS",
    "DenoiserArch",
    "architecture",
    "PRESETS",
    "DenoiserConfig",
    "preset",
    "preset_of",
    "build_denoiser",
    "count_parameters",
    "example_inputs",
    "MixSTEDenoiser",
    "VideoPoseDenoiser",
]
