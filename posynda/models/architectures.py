"""The denoiser architectures: adding one is a module in this folder and a row of :data:`DENOISERS`.

A row names how to build the network from a :class:`~posynda.models.config.DenoiserConfig` and which
of its layers carry LoRA adapters when adaptation trains adapters only (paper Eq. 10): the layers peft
wraps, by the module-name suffixes it matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import nn

from posynda.errors import InputError
from posynda.models.config import DenoiserConfig
from posynda.models.mixste import MixSTEDenoiser
from posynda.models.videopose import VideoPoseDenoiser


@dataclass(frozen=True)
class DenoiserArch:
    """One architecture: ``build(config) -> nn.Module`` and the module names LoRA adapts."""

    build: Callable[[DenoiserConfig], nn.Module]
    lora_targets: tuple[str, ...]


DENOISERS: dict[str, DenoiserArch] = {
    # every attention block's fused qkv and output projection (49,152 r parameters for the paper's MixSTE)
    "mixste": DenoiserArch(MixSTEDenoiser, ("qkv", "proj")),
    # Not the dilated block convolutions ("conv.conv"): peft's Conv1d LoRA drops the base layer's dilation
    # (huggingface/peft#3697), so its update would have the wrong length. The input convolution (dilation 1)
    # and the 1x1 convolutions of every block carry the adapters instead.
    "videopose": DenoiserArch(VideoPoseDenoiser, ("expand.conv", "pointwise")),
}


def architecture(name: str) -> DenoiserArch:
    """The row of ``name`` (InputError naming the known ones otherwise)."""
    if name not in DENOISERS:
        raise InputError(f"unknown denoiser arch {name!r} (expected one of {', '.join(DENOISERS)})", parameter="arch")
    return DENOISERS[name]


def build_denoiser(config: DenoiserConfig) -> nn.Module:
    """Instantiate the denoiser described by ``config``."""
    return architecture(config.arch).build(config)
