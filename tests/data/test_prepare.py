"""Model inputs from clip files: gap filling, normalisation, units."""

import numpy as np
import pytest

from posynda import camera
from posynda.data.prepare import fill_missing_keypoints, normalized_keypoints, root_relative_metres
from posynda.errors import InputError


def test_missing_joints_are_interpolated_in_time(clips):
    truth = clips.keypoints_2d.copy()
    clips.keypoints_2d[10, 3] = np.nan
    clips.keypoints_2d[0:3, 5] = np.nan  # at the sequence start: held from the first observation
    filled = fill_missing_keypoints(clips)
    assert np.isfinite(filled).all()
    np.testing.assert_allclose(filled[10, 3], (truth[9, 3] + truth[11, 3]) / 2, rtol=1e-5)
    np.testing.assert_allclose(filled[0:3, 5], np.repeat(truth[3:4, 5], 3, 0))


def test_never_seen_joint_takes_its_parent_and_empty_sequence_is_refused(clips):
    clips.keypoints_2d[40:, 16] = np.nan  # r_wrist never seen in sequence 1
    filled = fill_missing_keypoints(clips)
    np.testing.assert_allclose(filled[40:, 16], clips.keypoints_2d[40:, 15])
    clips.keypoints_2d[40:] = np.nan
    with pytest.raises(InputError, match="seq1"):
        fill_missing_keypoints(clips)


def test_normalised_inputs_and_metres(clips):
    kp = normalized_keypoints(clips)
    cam = clips.camera[clips.seq_index]
    expected = camera.CANONICAL_FOCAL * (clips.keypoints_2d - cam[:, None, 2:4]) / cam[:, None, 0:2]
    np.testing.assert_allclose(kp, expected, atol=1e-6)
    rel = root_relative_metres(clips.joints_3d)
    assert (rel[:, 0] == 0).all() and np.abs(rel).max() < 2.0
