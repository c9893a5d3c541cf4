"""Denoisers: the paper's MixSTE size, the contract shapes, and every preset."""

import pytest
import torch

from posynda.errors import InputError
from posynda.models import PRESETS, build_denoiser, count_parameters, preset


def test_paper_mixste_has_d3dp_parameter_count():
    model = build_denoiser(PRESETS["paper"])
    n = count_parameters(model)
    assert n == 34_835_459  # D3DP's denoiser; "34.84 M"
    assert abs(n / 34.84e6 - 1) < 0.01
    attn = [name for name, _ in model.named_modules() if name.endswith("attn.qkv")]
    assert len(attn) == 16  # 8 spatial + 8 temporal blocks, fused qkv
    assert model.spatial_blocks[0].attn.qkv.out_features == 3 * 512


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


def test_unknown_preset_is_an_input_error():
    with pytest.raises(InputError, match="tiny"):
        preset("huge")
