"""LoRA through peft: the targeted layers per architecture, a start equal to the base, merging, bad ranks."""

import pytest
import torch

from posynda.adapt.lora import add_lora, merge_lora
from posynda.errors import InputError
from posynda.models import DENOISERS, PRESETS, build_denoiser
from tests.helpers.models import MICRO


@pytest.mark.parametrize("preset", ["tiny", "videopose-tiny"])
def test_adapters_sit_on_the_target_layers_and_start_as_the_base(preset):
    config = PRESETS[preset]
    torch.manual_seed(0)
    base = build_denoiser(config).eval()
    inputs = torch.randn(1, config.frames, 17, 2), torch.randn(1, config.frames, 17, 3), torch.tensor([10])
    with torch.no_grad():
        expected = base(*inputs)
    adapted = add_lora(base, config.arch, rank=2).eval()
    lora_layers = {n.rsplit(".lora_A", 1)[0] for n, _ in adapted.named_parameters() if ".lora_A" in n}
    assert lora_layers and all(any(n.endswith(t) for t in DENOISERS[config.arch].lora_targets) for n in lora_layers)
    assert all(("lora_" in n) == p.requires_grad for n, p in adapted.named_parameters())
    with torch.no_grad():
        torch.testing.assert_close(adapted(*inputs), expected)  # B = 0: the adapter starts as the identity
        for name, p in adapted.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.1)
        changed = adapted(*inputs)
        torch.testing.assert_close(merge_lora(adapted)(*inputs), changed, atol=1e-5, rtol=0)
    assert not torch.allclose(changed, expected)


def test_bad_lora_rank():
    with pytest.raises(InputError, match="rank must be >= 1"):
        add_lora(build_denoiser(MICRO), "mixste", rank=0)
