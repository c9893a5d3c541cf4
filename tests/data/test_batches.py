"""The training batches' windows of pretraining and adaptation: per-frame arrays, windows, the frames of window ids."""

import numpy as np
import pytest

from posynda.data.batches import WindowSampler
from posynda.data.prepare import fill_missing_keypoints, normalized_keypoints
from posynda.errors import InputError
from tests.helpers.clips import make_clips


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
    index = sampler.window_frames(np.array([0, 3, 7, 8, 9]))
    assert index.shape == (5, 9) and (np.diff(index, axis=1) == 1).all()
    np.testing.assert_array_equal(index[:, 0], [0, 9, 21, 30, 33])  # the 12-frame sequence starts at 30


def test_a_labelled_sampler_needs_3d(clips):
    with pytest.raises(InputError, match="joints_3d"):
        WindowSampler(clips.without_3d(), 9, 3, labelled=True)
