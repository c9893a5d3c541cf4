"""VideoPose3D's dilated convolutions as a seq2seq denoiser: every frame gets a pose from its receptive field."""

import torch

from posynda.models import PRESETS, build_denoiser


def test_each_output_frame_sees_exactly_its_receptive_field():
    torch.manual_seed(0)
    config = PRESETS["videopose-tiny"]  # widths 3, 3, 3 with dilations 1, 3, 9: 13 frames either side
    model = build_denoiser(config).eval()
    kp, noisy, t = torch.randn(1, 27, 17, 2), torch.randn(1, 27, 17, 3), torch.tensor([100])
    with torch.no_grad():
        base = model(kp, noisy, t)
        moved = kp.clone()
        moved[0, 0] += 1.0
        changed = model(moved, noisy, t)
    assert base.shape == (1, 27, 17, 3)
    assert not torch.allclose(base[0, 13], changed[0, 13])  # 13 frames away: inside the field
    assert torch.equal(base[0, 14:], changed[0, 14:])  # further: untouched
