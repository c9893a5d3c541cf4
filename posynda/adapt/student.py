"""The student of an adaptation: the base denoiser + LoRA adapters (Eq. 10) + the cross-dataset embedding (Eq. 11)."""

from __future__ import annotations

from torch import nn

from posynda.adapt.embedding import CrossDatasetEmbedding
from posynda.adapt.lora import add_lora
from posynda.adapt.settings import AdaptSettings
from posynda.checkpoint import Checkpoint
from posynda.models import build_denoiser


def build_student(base: Checkpoint, settings: AdaptSettings) -> nn.Module:
    """A copy of ``base``'s denoiser + LoRA (or every weight trainable) + the cross-dataset embedding."""
    model = build_denoiser(base.config)
    model.load_state_dict(base.model.state_dict())
    if settings.lora:
        model = add_lora(model, base.config.arch, settings.rank)
    else:
        model.requires_grad_(True)
    if settings.cd_embedding:
        model = CrossDatasetEmbedding(model, base.config.joints)
    return model


def adapted_denoiser(student: nn.Module) -> nn.Module:
    """The (peft-wrapped) denoiser inside ``student``, without the cross-dataset embedding."""
    return student.denoiser if isinstance(student, CrossDatasetEmbedding) else student
