"""The training objective shared by pretraining and adaptation: the MPJPE loss (Eq. 9)."""

import torch

from posynda.diffusion import mpjpe_loss, mpjpe_per_clip


def test_mpjpe_per_clip_and_its_mean():
    target = torch.zeros(2, 3, 17, 3)
    pred = target.clone()
    pred[0, ..., 0] = 3.0  # clip 0 is 3 units off at every joint, clip 1 exact
    torch.testing.assert_close(mpjpe_per_clip(pred, target), torch.tensor([3.0, 0.0]))
    torch.testing.assert_close(mpjpe_loss(pred, target), torch.tensor(1.5))
