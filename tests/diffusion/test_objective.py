"""The training objective shared by pretraining and adaptation: noised targets and the MPJPE loss (Eq. 7-9)."""

import torch

from posynda.diffusion import DDIMScheduler, mpjpe_loss, mpjpe_per_clip, noised_targets


def test_mpjpe_per_clip_and_its_mean():
    target = torch.zeros(2, 3, 17, 3)
    pred = target.clone()
    pred[0, ..., 0] = 3.0  # clip 0 is 3 units off at every joint, clip 1 exact
    torch.testing.assert_close(mpjpe_per_clip(pred, target), torch.tensor([3.0, 0.0]))
    torch.testing.assert_close(mpjpe_loss(pred, target), torch.tensor(1.5))


def test_noised_targets_draw_one_timestep_per_clip_from_the_global_rng():
    scheduler = DDIMScheduler()
    x0 = torch.randn(5, 9, 17, 3) * 0.2
    torch.manual_seed(3)
    noisy, t = noised_targets(scheduler, x0)
    torch.manual_seed(3)
    expected_t = torch.randint(0, 1000, (5,))
    expected = scheduler.add_noise(x0, torch.randn_like(x0), expected_t)
    assert t.shape == (5,) and torch.equal(t, expected_t)
    torch.testing.assert_close(noisy, expected)
