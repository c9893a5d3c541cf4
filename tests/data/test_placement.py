"""Random placement: clips move to random rays of their camera at their own depth, poses unchanged."""

import numpy as np
import pytest

from posynda import camera
from posynda.data.placement import place_on_rays, placement_choices
from tests.helpers.clips import make_clips

PINHOLE = np.array([1500.0, 1500.0, 960.0, 540.0, 0, 0, 0, 0, 0])


@pytest.fixture(scope="module")
def windows():
    """``(joints [4, 9, 17, 3] mm, pinhole intrinsics [4, 9])``."""
    clips = make_clips((36,), seed=3)
    return clips.joints_3d.reshape(4, 9, 17, 3).astype(np.float64), np.tile(PINHOLE, (4, 1))


@pytest.mark.parametrize("prob,extent", [(0.0, 1.0), (1.0, 1.0), (1.0, 0.3)], ids=["never", "always", "narrow"])
def test_moved_clips_land_on_rays_within_the_extent_and_keep_their_depth(windows, prob, extent):
    joints, cams = windows
    moved, rays = placement_choices(np.random.default_rng(0), 4, prob, extent)
    kp = place_on_rays(joints, cams, moved, rays)
    assert kp.shape == (4, 9, 17, 2) and kp.dtype == np.float32
    assert moved.all() if prob == 1 else not moved.any()
    as_they_are = camera.canonical_screen(camera.project(joints, PINHOLE), PINHOLE)
    if prob == 0:
        np.testing.assert_allclose(kp, as_they_are, atol=1e-5)
        return
    assert not np.allclose(kp, as_they_are, atol=1e-3)
    # the mean root of each clip is now on a ray inside [-extent, extent]^2 at the clip's own depth
    root = joints[:, :, 0].mean(1)
    offset_2d = kp[:, :, 0] - as_they_are[:, :, 0]  # [B, T, 2]
    assert np.abs(offset_2d.std(1)).max() < 0.05  # one offset per clip (up to perspective)
    ray = camera.CANONICAL_FOCAL * root[:, :2] / root[:, 2:3] + offset_2d.mean(1)
    assert np.abs(ray).max() <= extent + 0.02


def test_placement_keeps_the_root_relative_pose_and_perspective_is_exact(windows):
    """Re-projecting the moved 3D gives exactly the returned 2D: the label (root-relative 3D) is unchanged."""
    joints, cams = windows
    moved_clips, rays = placement_choices(np.random.default_rng(5), 4, 1.0, 1.0)
    kp = place_on_rays(joints, cams, moved_clips, rays)
    again = np.random.default_rng(5)  # the choices: which clips move, then the rays
    again.random(4)
    np.testing.assert_array_equal(rays, again.uniform(-1.0, 1.0, size=(4, 2)))
    root = joints[:, :, 0].mean(1)
    target = np.concatenate([rays * root[:, 2:3] / camera.CANONICAL_FOCAL, root[:, 2:3]], 1)
    moved = joints + (target - root)[:, None, None, :]
    np.testing.assert_allclose(kp, camera.project(moved, camera.canonical_intrinsics(PINHOLE)), atol=1e-5)
    np.testing.assert_allclose(moved - moved[..., :1, :], joints - joints[..., :1, :], atol=1e-9)
