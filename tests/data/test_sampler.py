"""The window sampler of pretraining and adaptation: per-frame arrays, windows, draws, mirroring."""

import numpy as np
import pytest

from posynda.data.prepare import fill_missing_keypoints, normalized_keypoints
from posynda.data.sampler import WindowSampler, mirror
from posynda.errors import InputError
from posynda.skeleton import flip_left_right
from tests.conftest import make_clips


@pytest.fixture
def clips():
    clips = make_clips((30, 12), seed=1)
    clips.keypoints_2d[4, 2] = np.nan  # one missing detection
    return clips


def test_per_frame_arrays(clips):
    sampler = WindowSampler(clips, 9, 3, labelled=True)
    np.testing.assert_array_equal(sampler.pixels, fill_missing_keypoints(clips))
    np.testing.assert_array_equal(sampler.norm, normalized_keypoints(clips))
    assert np.isnan(sampler.detections[4, 2]).all() and sampler.weights[4, 2] == 0
    assert sampler.camera.shape == (42, 9)
    assert sampler.joints_3d is clips.joints_3d and WindowSampler(clips, 9, 3, labelled=False).joints_3d is None


def test_windows_and_draws(clips):
    sampler = WindowSampler(clips, 9, 3, labelled=False)
    assert len(sampler) == 8 + 2  # 30 frames: starts 0, 3, ..., 21; 12 frames: 0 and the end-aligned 3
    index = sampler.pick(np.random.default_rng(0), 5)
    assert index.shape == (5, 9) and (np.diff(index, axis=1) == 1).all()
    np.testing.assert_array_equal(index, sampler.pick(np.random.default_rng(0), 5))


def test_a_labelled_sampler_needs_3d(clips):
    with pytest.raises(InputError, match="joints_3d"):
        WindowSampler(clips.without_3d(), 9, 3, labelled=True)


def test_mirror_flips_the_same_clips_of_every_array():
    a, b = np.random.default_rng(0).normal(size=(2, 6, 4, 17, 3))
    ma, mb, flip = mirror(np.random.default_rng(5), 0.5, a, b)
    assert 0 < flip.sum() < 6
    np.testing.assert_array_equal(ma[flip], flip_left_right(a[flip]))
    np.testing.assert_array_equal(mb[flip], flip_left_right(b[flip]))
    np.testing.assert_array_equal(ma[~flip], a[~flip])
