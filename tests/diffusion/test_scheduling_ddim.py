"""The DDIM scheduler: D3DP's timesteps, the forward process, and a consistent step."""

import pytest
import torch

from posynda.diffusion import DDIMScheduler, SchedulerConfig


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


def test_config_round_trips_through_a_dict():
    config = SchedulerConfig(eta=0.5, clip_sample=2.0)
    assert SchedulerConfig(**config.to_dict()) == config and DDIMScheduler().config == SchedulerConfig()


def test_zero_steps_are_refused():
    with pytest.raises(ValueError, match="num_inference_steps"):
        DDIMScheduler().set_timesteps(0)
