"""The PyTorch reference of reproject_select: root solve, projection, per-joint / per-frame selection, the mean."""

import numpy as np
import pytest
import torch

from posynda import camera
from posynda.hypotheses import reproject_select_reference as reproject_select

K_DISTORTED = torch.tensor([1145.0, 1143.8, 512.5, 515.4, -0.207, 0.247, -0.003, -0.0009, -0.0012])


def scene(n=6, h=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    truth = torch.randn(n, 17, 3, generator=g, dtype=torch.float64) * 0.25
    truth[:, 0] = 0
    translation = torch.tensor([0.1, -0.05, 4.5], dtype=torch.float64)
    kp = camera.project(truth + translation, K_DISTORTED.double())
    hyps = truth[:, None] + torch.randn(n, h, 17, 3, generator=g, dtype=torch.float64) * 0.08
    hyps[:, :, 0] = 0
    return truth, kp, hyps


def test_frame_mode_picks_the_exact_hypothesis():
    truth, kp, hyps = scene()
    hyps[:, 3] = truth  # hypothesis 3 is exact for every frame
    selected, index, error, translation = reproject_select(hyps.float(), kp.float(), K_DISTORTED, mode="frame")
    assert index.tolist() == [3] * 6
    torch.testing.assert_close(selected, truth.float())
    assert error.shape == (6, 5, 17) and error[:, 3].max() < 0.05  # pixels
    torch.testing.assert_close(translation[:, 3], torch.tensor([0.1, -0.05, 4.5]).expand(6, 3), atol=1e-3, rtol=0)


def test_joint_mode_picks_per_joint():
    truth, kp, hyps = scene(h=3)
    # give every joint its exact value in a different hypothesis, the others far off
    base = hyps.clone()
    owner = torch.arange(17) % 3
    for j in range(1, 17):
        base[:, :, j] = truth[:, None, j] + 0.3
        base[:, owner[j], j] = truth[:, j] + 0.002
    selected, index, _, _ = reproject_select(
        base.float(), kp.float(), K_DISTORTED, mode="joint", translation=torch.tensor([0.1, -0.05, 4.5]).expand(6, 3, 3)
    )
    assert (index[:, 1:] == owner[1:]).all()
    torch.testing.assert_close(selected[:, 1:], (truth[:, 1:] + 0.002).float())


def test_masked_joints_fall_back_to_the_frame_best_and_outputs_are_finite():
    truth, kp, hyps = scene()
    kp = kp.float()
    kp[:, 5] = float("nan")
    mask = torch.ones(6, 17)
    mask[:, 7] = 0
    selected, index, error, translation = reproject_select(hyps.float(), kp, K_DISTORTED, mode="joint", mask=mask)
    frame_best = reproject_select(hyps.float(), kp, K_DISTORTED, mode="frame", mask=mask)[1]
    assert torch.isfinite(selected).all() and torch.isfinite(error).all() and torch.isfinite(translation).all()
    assert (index[:, 5] == frame_best).all() and (index[:, 7] == frame_best).all()


@pytest.mark.parametrize("shared", [True, False])
def test_intrinsics_shared_or_per_frame_agree(shared):
    truth, kp, hyps = scene()
    cam = K_DISTORTED if shared else K_DISTORTED.expand(6, 9).clone()
    out = reproject_select(hyps.float(), kp.float(), cam, mode="mean")
    assert out[1] is None
    torch.testing.assert_close(out[0], hyps.float().mean(1))


def test_matches_an_independent_numpy_computation():
    truth, kp, hyps = scene(n=3, h=4, seed=4)
    _, _, error, translation = reproject_select(hyps.float(), kp.float(), K_DISTORTED, mode="frame")
    k = K_DISTORTED.double().numpy()
    for n in range(3):
        for h in range(4):
            t = translation[n, h].double().numpy()
            p = hyps[n, h].numpy() + t
            xy = p[:, :2] / p[:, 2:]
            r2 = (xy**2).sum(1, keepdims=True)
            radial = 1 + k[4] * r2 + k[5] * r2**2 + k[6] * r2**3
            tan = xy @ k[7:9][:, None]
            uv = k[0:2] * (xy * (radial + tan) + k[7:9] * r2) + k[2:4]
            np.testing.assert_allclose(
                error[n, h].numpy(), np.linalg.norm(uv - kp[n].numpy(), axis=1), rtol=1e-4, atol=1e-3
            )


def test_a_frame_without_valid_joints_or_an_overflowing_masked_joint_gives_finite_errors():
    truth, kp, hyps = scene(n=3, h=3)
    kp = kp.float()
    kp[0] = float("nan")  # no evidence at all: translation 0, every error 0, the first hypothesis
    hyps = hyps.float()
    hyps[1, 2, 4] = torch.tensor([3.0, 3.0, -9.0])  # frame 1, hypothesis 2: joint 4 far behind the camera ...
    hyps[1, 1] = truth[1].float()  # ... and hypothesis 1 exact
    mask = torch.ones(3, 17)
    mask[1, 4] = 0  # ... but joint 4 is masked, so its overflowing projection must not count
    selected, index, error, translation = reproject_select(hyps, kp, K_DISTORTED, mode="frame", mask=mask)
    assert torch.isfinite(error).all() and torch.isfinite(translation).all()
    assert (error[0] == 0).all() and (translation[0] == 0).all() and index[0] == 0
    assert index[1] == 1


def test_unknown_mode_is_refused():
    _, kp, hyps = scene(n=2, h=2)
    with pytest.raises(ValueError, match="mode must be one of"):
        reproject_select(hyps.float(), kp.float(), K_DISTORTED, mode="none")
