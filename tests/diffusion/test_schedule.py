"""The cosine noise schedule (paper Eq. 7)."""

import torch

from posynda.diffusion import cosine_alphas_cumprod


def test_cosine_schedule_is_monotone_from_one_to_zero():
    ac = cosine_alphas_cumprod(1000)
    assert ac.shape == (1000,) and ac.dtype == torch.float64
    assert 0.999 < ac[0] <= 1 and ac[-1] < 1e-4 and (ac[1:] < ac[:-1]).all()
