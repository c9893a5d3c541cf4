"""The multi-hypothesis sampler: hypotheses and flip folded into one forward per step, noise from the host."""

import pytest
import torch

from posynda.diffusion import DDIMScheduler, draw_noise, sample_poses
from posynda.models import PRESETS, build_denoiser
from posynda.skeleton import flip_left_right


class Oracle(torch.nn.Module):
    """Predicts a fixed pose regardless of input; counts calls and batch sizes."""

    def __init__(self, pose):
        super().__init__()
        self.pose, self.calls = pose, []

    def forward(self, kp, noisy, t):
        self.calls.append(kp.shape[0])
        return self.pose.expand(kp.shape[0], *self.pose.shape[1:])


@pytest.mark.parametrize("h,k,flip", [(1, 1, False), (3, 5, False), (5, 2, True)])
def test_sampler_batches_hypotheses_and_returns_the_prediction(h, k, flip):
    pose = torch.randn(1, 9, 17, 3) * 0.2
    pose = (pose + flip_left_right(pose)) / 2  # mirror-symmetric so flip TTA returns it unchanged
    pose[..., 0, :] = 0
    oracle = Oracle(pose)
    out = sample_poses(
        oracle, torch.zeros(2, 9, 17, 2), DDIMScheduler(), h, k, flip, generator=torch.Generator().manual_seed(0)
    )
    assert out.shape == (2, h, 9, 17, 3)
    torch.testing.assert_close(out, pose.expand(2, h, 9, 17, 3).clamp(-1.1, 1.1))
    assert oracle.calls == [2 * h * (2 if flip else 1)] * k  # one batched forward per step


def test_sampler_is_reproducible_from_host_noise():
    torch.manual_seed(0)
    model = build_denoiser(PRESETS["tiny"]).eval()
    kp = torch.randn(2, 27, 17, 2) * 0.3
    noise = draw_noise(2, 3, 27, 17, 2, torch.Generator().manual_seed(7))
    a = sample_poses(model, kp, DDIMScheduler(), 3, 2, True, noise)
    b = sample_poses(model, kp, DDIMScheduler(), 3, 2, True, noise.clone())
    torch.testing.assert_close(a, b)
    assert (a[..., 0, :] == 0).all()
    assert not torch.allclose(a[:, 0], a[:, 1])  # hypotheses differ


def test_noise_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"noise must be \[K\+1, B, H, T, J, 3\]"):
        sample_poses(
            lambda *a: None, torch.zeros(2, 9, 17, 2), DDIMScheduler(), 2, 1, noise=torch.zeros(2, 2, 1, 9, 17, 3)
        )


def test_seeded_noise_depends_on_each_items_seed_not_its_batch():
    from posynda.diffusion import seeded_noise

    both = seeded_noise([3, 4], (2, 5))
    assert both.shape == (2, 2, 5)
    torch.testing.assert_close(seeded_noise([4], (2, 5))[0], both[1], rtol=0, atol=0)
    assert not torch.equal(both[0], both[1])
    # the sampler's layout, item by item: [K+1, B, H, T, J, 3] with clip b from its seed
    layout = seeded_noise([7, 8], (3, 2, 27, 17, 3), dim=1)
    torch.testing.assert_close(layout[:, 1:2], draw_noise(1, 2, 27, 17, 2, torch.Generator().manual_seed(8)))
    assert seeded_noise([], (2, 5)).shape == (0, 2, 5)
