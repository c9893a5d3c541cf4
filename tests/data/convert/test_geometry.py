"""Converter geometry: quaternion rotations, pinhole intrinsics fitted to 2D-3D pairs, reprojection residuals."""

import numpy as np
import pytest

from posynda import camera
from posynda.data.convert import fit_pinhole, quaternion_to_matrix, reprojection_rms
from posynda.errors import InputError


@pytest.mark.parametrize("q", [(1, 0, 0, 0), (0.7071068, 0.7071068, 0, 0), (0.5, 0.5, 0.5, 0.5), (2, 1, -1, 0.5)])
def test_quaternions_are_rotations(q):
    r = quaternion_to_matrix(q)
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-9)
    assert np.linalg.det(r) == pytest.approx(1.0)


def test_a_quarter_turn_about_x():
    r = quaternion_to_matrix((np.cos(np.pi / 4), np.sin(np.pi / 4), 0, 0))
    np.testing.assert_allclose(r @ [0, 1, 0], [0, 0, 1], atol=1e-9)


def test_pinhole_fit_recovers_the_camera_and_its_residual():
    rng = np.random.default_rng(0)
    joints = rng.normal(size=(20, 17, 3)) * 300 + [0, 0, 4000]
    truth = np.array([1500.0, 1490.0, 1020.0, 1040.0, 0, 0, 0, 0, 0])
    keypoints = camera.project(joints, truth)
    intrinsics, rms = fit_pinhole(joints, keypoints)
    np.testing.assert_allclose(intrinsics, truth, atol=1e-6)
    assert rms < 1e-6 and reprojection_rms(joints, keypoints, intrinsics) < 1e-6
    noisy = keypoints + rng.normal(size=keypoints.shape) * 2.0
    assert reprojection_rms(joints, noisy, truth) == pytest.approx(2.0 * np.sqrt(2), rel=0.1)


def test_pinhole_fit_needs_enough_pairs():
    with pytest.raises(InputError, match="usable 2D-3D correspondences"):
        fit_pinhole(np.full((1, 3, 3), np.nan), np.zeros((1, 3, 2)))
    assert np.isnan(reprojection_rms(np.ones((1, 2, 3)), np.full((1, 2, 2), np.nan), np.ones(9)))
