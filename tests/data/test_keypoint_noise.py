"""Detector-like 2D errors for pretraining: sized by the person, per joint, slow in time, with filled dropouts,
each clip from its own seed."""

import numpy as np
import pytest

from posynda.data.keypoint_noise import GAP_JOINTS, RELATIVE_SIGMAS, KeypointNoise, noisy_keypoints
from tests.helpers.clips import make_clips


def _windows(clips: int = 6, frames: int = 60) -> np.ndarray:
    kp = make_clips((frames,)).keypoints_2d.astype(np.float64)
    return np.stack([kp * (1 + 0.5 * c) for c in range(clips)])  # [B, T, 17, 2], people of growing size


def test_no_amplitude_gives_the_keypoints_back():
    kp = _windows()
    np.testing.assert_array_equal(noisy_keypoints(kp, np.arange(6), KeypointNoise()), kp.astype(np.float32))


def test_each_clip_draws_from_its_own_seed_alone():
    kp, seeds, model = _windows(), np.array([11, 12, 13, 14, 15, 16]), KeypointNoise(amplitude=0.02)
    whole = noisy_keypoints(kp, seeds, model)
    np.testing.assert_array_equal(noisy_keypoints(kp[2:4], seeds[2:4], model), whole[2:4])
    assert not np.allclose(noisy_keypoints(kp, seeds + 1, model), whole)


def test_errors_scale_with_the_person_and_follow_the_joint_sigmas():
    kp = _windows(clips=1, frames=400)
    big = kp * 3.0
    model = KeypointNoise(amplitude=0.02, gap_prob=0.0)
    small_err = noisy_keypoints(kp, [7], model) - kp
    big_err = noisy_keypoints(big, [7], model) - big
    np.testing.assert_allclose(big_err, 3.0 * small_err, rtol=1e-4, atol=1e-3)  # a fraction of the 2D height
    height = np.ptp(kp[0, :, :, 1], axis=-1)
    spread = np.sqrt((small_err[0] ** 2).mean(axis=(0, 2))) / height.mean()  # [17] per-axis rms, share of height
    assert spread.max() < 2 * 0.02 * RELATIVE_SIGMAS.max() * 1.5  # within the clip's level of at most 2 x amplitude
    face, hips = spread[[9, 10]].mean(), spread[[1, 4]].mean()
    assert hips > 2.5 * face  # COCO: a detector's hips are ~4 times less certain than its face


def test_errors_drift_slowly():
    kp = _windows(clips=8, frames=200)
    err = noisy_keypoints(kp, np.arange(8), KeypointNoise(amplitude=0.02, gap_prob=0.0)) - kp
    a, b = err[:, :-1].reshape(-1), err[:, 1:].reshape(-1)
    assert np.corrcoef(a, b)[0, 1] > 0.5  # AR(1), rho in [0.5, 0.97]


@pytest.mark.parametrize("gap_prob, lost", [(0.0, False), (1.0, True)])
def test_dropouts_of_limb_ends_are_filled_by_interpolation_as_the_lifter_fills_them(gap_prob, lost):
    kp = _windows(clips=4, frames=80)
    model = KeypointNoise(amplitude=0.02, gap_prob=gap_prob, max_gap=20)
    out = noisy_keypoints(kp, np.arange(4), model)
    second = np.abs(np.diff(out, n=2, axis=1)).max(-1)  # [B, T-2, 17]: 0 along a straight (interpolated) run
    straight = (second < 1e-4)[..., list(GAP_JOINTS)]
    assert straight.any() == lost and np.isfinite(out).all()
    assert not (second < 1e-4)[..., [0, 7, 8, 9, 10]].any()  # torso and face joints never drop out
