"""Every preset follows the denoiser contract; a causal model's outputs never depend on later frames; the
parameter counter."""

import dataclasses

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


@pytest.mark.parametrize("name", ["tiny", "cpu"])  # MixSTE (masked temporal attention), VideoPose (past padding)
@pytest.mark.parametrize("causal", [True, False])
def test_a_causal_model_never_looks_at_a_later_frame(name, causal):
    """Frames 20.. changed (2D and noisy 3D): a causal model's frames 0..19 stay bit-for-bit, a centred one's move."""
    torch.manual_seed(0)
    model = build_denoiser(dataclasses.replace(PRESETS[name], causal=causal)).eval()
    kp, noisy, t = torch.randn(2, 27, 17, 2), torch.randn(2, 27, 17, 3), torch.tensor([5, 700])
    later_kp, later_noisy = kp.clone(), noisy.clone()
    later_kp[:, 20:] += 1.0
    later_noisy[:, 20:] -= 1.0
    with torch.no_grad():
        base, moved = model(kp, noisy, t), model(later_kp, later_noisy, t)
    assert torch.equal(base[:, :20], moved[:, :20]) == causal
    assert not torch.allclose(base[:, 20:], moved[:, 20:])


def test_trainable_only_counts_what_requires_grad():
    model = build_denoiser(PRESETS["tiny"])
    total = count_parameters(model)
    model.head.requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == total - sum(p.numel() for p in model.head.parameters())
