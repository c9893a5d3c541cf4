"""Every preset follows the denoiser contract; the parameter counter."""

import pytest
import torch

from posynda.models import PRESETS, build_denoiser, count_parameters


@pytest.mark.parametrize("name", [n for n in PRESETS if n != "paper"])
def test_presets_follow_the_denoiser_contract(name):
    config = PRESETS[name]
    model = build_denoiser(config).eval()
    b, t = 2, min(config.frames, 27)
    out = model(torch.randn(b, t, 17, 2), torch.randn(b, t, 17, 3), torch.tensor([0, 999]))
    assert out.shape == (b, t, 17, 3) and torch.isfinite(out).all()


@pytest.mark.parametrize("name", ["tiny", "videopose-tiny"])
def test_output_depends_on_timestep_and_noisy_pose(name):
    torch.manual_seed(0)
    model = build_denoiser(PRESETS[name]).eval()
    kp, noisy = torch.randn(1, 27, 17, 2), torch.randn(1, 27, 17, 3)
    base = model(kp, noisy, torch.tensor([10]))
    assert not torch.allclose(base, model(kp, noisy, torch.tensor([900])))
    assert not torch.allclose(base, model(kp, torch.randn_like(noisy), torch.tensor([10])))


def test_trainable_only_counts_what_requires_grad():
    model = build_denoiser(PRESETS["tiny"])
    total = count_parameters(model)
    model.head.requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == total - sum(p.numel() for p in model.head.parameters())
