"""Cosine schedule, DDIM scheduler and the multi-hypothesis sampler."""

import pytest
import torch

from posynda.diffusion import DDIMScheduler, SchedulerConfig, cosine_alphas_cumprod, draw_noise, sample_poses
from posynda.skeleton import flip_left_right


def test_cosine_schedule_is_monotone_from_one_to_zero():
    ac = cosine_alphas_cumprod(1000)
    assert ac.shape == (1000,) and ac.dtype == torch.float64
    assert 0.999 < ac[0] <= 1 and ac[-1] < 1e-4 and (ac[1:] < ac[:-1]).all()


@pytest.mark.parametrize(
    "k,expected", [(1, [(999, -1)]), (5, [(999, 799), (799, 599), (599, 399), (399, 199), (199, -1)])]
)
def test_timesteps_match_d3dp(k, expected):
    assert DDIMScheduler().set_timesteps(k) == expected


def test_add_noise_interpolates_and_clamps():
    sched = DDIMScheduler()
    x0, eps = torch.full((2, 3), 0.5), torch.full((2, 3), 10.0)
    xt = sched.add_noise(x0, eps, torch.tensor([0, 999]))
    a0 = float(sched.alphas_cumprod[0])
    assert float(xt[0, 0]) == pytest.approx(0.5 * a0**0.5 + 10 * (1 - a0) ** 0.5, rel=1e-5)
    assert xt.abs().max() <= 1.1


def test_ddim_step_with_perfect_prediction_and_eta0_is_consistent():
    """With eta = 0 the step lands exactly on the forward-process point of x0 with the same noise."""
    sched = DDIMScheduler(SchedulerConfig(eta=0.0, clip_sample=100.0))
    x0, eps = torch.randn(4, 17, 3) * 0.2, torch.randn(4, 17, 3)
    xt = sched.add_noise(x0, eps, torch.full((4,), 799))
    nxt = sched.step(x0, 799, 599, xt)
    torch.testing.assert_close(nxt, sched.add_noise(x0, eps, torch.full((4,), 599)), rtol=1e-4, atol=1e-5)
    assert sched.step(x0, 199, -1, xt) is x0


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
    from posynda.models import PRESETS, build_denoiser

    model = build_denoiser(PRESETS["tiny"]).eval()
    kp = torch.randn(2, 27, 17, 2) * 0.3
    noise = draw_noise(2, 3, 27, 17, 2, torch.Generator().manual_seed(7))
    a = sample_poses(model, kp, DDIMScheduler(), 3, 2, True, noise)
    b = sample_poses(model, kp, DDIMScheduler(), 3, 2, True, noise.clone())
    torch.testing.assert_close(a, b)
    assert (a[..., 0, :] == 0).all()
    assert not torch.allclose(a[:, 0], a[:, 1])  # hypotheses differ
