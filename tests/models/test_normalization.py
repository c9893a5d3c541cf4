import dataclasses

import pytest
import torch

from posynda.models import build_denoiser, example_inputs, preset
from posynda.models.normalization import INPUT_NORMS, input_channels, normalize_input, root_normalize


def test_root_normalised_shape_ignores_position_and_size():
    kp, _, _ = example_inputs(2, 5)
    shape, frame_globals = root_normalize(kp)
    moved_shape, moved_globals = root_normalize(kp * 0.3 + torch.tensor([0.2, -0.4]))
    torch.testing.assert_close(shape, moved_shape, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(
        moved_globals[..., 2] - frame_globals[..., 2], torch.full((2, 5), torch.log(torch.tensor(0.3)).item())
    )
    torch.testing.assert_close(moved_globals[..., :2], kp[..., 0, :] * 0.3 + torch.tensor([0.2, -0.4]))
    assert torch.allclose(shape[..., 0, :], torch.zeros(2)) and torch.allclose(
        shape.square().sum(-1).mean(-1), torch.ones(2, 5)
    )


def test_a_collapsed_pose_stays_finite():
    shape, frame_globals = root_normalize(torch.zeros(1, 3, 17, 2))
    assert torch.isfinite(shape).all() and torch.isfinite(frame_globals).all()


@pytest.mark.parametrize("norm", INPUT_NORMS)
@pytest.mark.parametrize("name", ["tiny", "videopose-tiny"])
def test_every_denoiser_runs_with_every_input_norm(name, norm):
    config = dataclasses.replace(preset(name), input_norm=norm)
    model = build_denoiser(config).eval()
    out = model(*example_inputs(2, config.frames))
    assert out.shape == (2, config.frames, 17, 3)
    joint_ch, global_ch = input_channels(norm)
    assert (normalize_input(example_inputs(1, 3)[0], norm)[1] is None) == (global_ch == 0)


def test_a_root_normalised_model_is_invariant_to_where_the_person_stands_only_through_its_globals():
    config = preset("cpu")
    assert config.input_norm == "root"
    model = build_denoiser(config).eval()
    kp, noisy, t = example_inputs(1, config.frames)
    shape, frame_globals = root_normalize(kp)
    rebuilt = shape * frame_globals[..., 2:].exp()[..., None] + frame_globals[..., None, :2]
    torch.testing.assert_close(model(rebuilt, noisy, t), model(kp, noisy, t), atol=1e-5, rtol=1e-4)
