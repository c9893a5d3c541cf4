"""Example denoiser inputs: seeded, in the contract's shapes, dtypes and ranges."""

import torch

from posynda.models import example_inputs


def test_shapes_ranges_and_seed():
    kp, noisy, t = example_inputs(3, 9, 17, seed=4)
    assert (kp.shape, noisy.shape, t.shape, t.dtype) == ((3, 9, 17, 2), (3, 9, 17, 3), (3,), torch.int64)
    assert kp.abs().max() <= 1 and noisy.abs().max() <= 1.1 and ((0 <= t) & (t < 1000)).all()
    assert all(torch.equal(a, b) for a, b in zip(example_inputs(3, 9, 17, seed=4), (kp, noisy, t)))
    assert not torch.equal(example_inputs(3, 9, 17, seed=5)[0], kp)
