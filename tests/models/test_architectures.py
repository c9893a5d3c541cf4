"""The architecture table: every row builds its denoiser, and its LoRA targets are layers of that denoiser."""

import pytest
import torch

from posynda.models import DENOISERS, PRESETS, build_denoiser


@pytest.mark.parametrize("name", sorted(DENOISERS))
def test_every_row_builds_a_denoiser_whose_lora_targets_exist(name):
    config = next(c for c in PRESETS.values() if c.arch == name)
    with torch.device("meta"):
        model = build_denoiser(config)
    layers = [n for n, _ in model.named_modules()]
    for target in DENOISERS[name].lora_targets:
        assert any(n.endswith(target) for n in layers), target
