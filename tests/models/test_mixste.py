"""MixSTE as D3DP's denoiser: the paper's parameter count and layout, the output offset of a merged model."""

import dataclasses

import torch

from posynda.models import PRESETS, build_denoiser, count_parameters


def test_paper_mixste_has_d3dp_parameter_count():
    model = build_denoiser(PRESETS["paper"])
    n = count_parameters(model)
    assert n == 34_835_459  # D3DP's denoiser; "34.84 M"
    assert abs(n / 34.84e6 - 1) < 0.01
    attn = [name for name, _ in model.named_modules() if name.endswith("attn.qkv")]
    assert len(attn) == 16  # 8 spatial + 8 temporal blocks, fused qkv
    assert model.spatial_blocks[0].attn.qkv.out_features == 3 * 512


def test_output_offset_is_added_to_every_frame():
    config = dataclasses.replace(PRESETS["tiny"], output_offset=True)
    torch.manual_seed(0)
    model = build_denoiser(config).eval()
    inputs = torch.randn(2, 27, 17, 2), torch.randn(2, 27, 17, 3), torch.tensor([1, 2])
    with torch.no_grad():
        before = model(*inputs)
        model.output_offset.fill_(0.5)
        torch.testing.assert_close(model(*inputs), before + 0.5)
    assert count_parameters(model) == count_parameters(build_denoiser(PRESETS["tiny"])) + 51


def test_shorter_windows_than_the_model_slice_the_temporal_embedding():
    model = build_denoiser(PRESETS["tiny"]).eval()
    with torch.no_grad():
        out = model(torch.randn(1, 9, 17, 2), torch.randn(1, 9, 17, 3), torch.tensor([5]))
    assert out.shape == (1, 9, 17, 3)
