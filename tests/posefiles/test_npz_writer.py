"""The npz output is the clip file of before: the input clips with joints_3d filled (camera-frame mm)."""

import dataclasses

import numpy as np

from posynda.data import load_clips
from posynda.posefiles import write_poses
from tests.helpers.posefiles import scene_clips


def test_the_clip_file_holds_the_input_and_the_absolute_camera_frame_poses(tmp_path):
    clips, result = scene_clips((60, 40), fps=(30.0, 25.0))
    written = write_poses(tmp_path / "p.npz", result, clips.without_3d())
    assert written.paths == (tmp_path / "p.npz",) and written.frame == "camera"
    back = load_clips(tmp_path / "p.npz")
    np.testing.assert_array_equal(back.keypoints_2d, clips.keypoints_2d)
    np.testing.assert_array_equal(back.joints_3d, result.absolute_mm)
    np.testing.assert_array_equal(back.fps, [30.0, 25.0])
    assert back.sequence_names() == ["seq0", "seq1"]


def test_without_absolute_poses_the_root_relative_ones_are_written(tmp_path):
    clips, result = scene_clips((30,))
    write_poses(tmp_path / "p.npz", dataclasses.replace(result, absolute_mm=None), clips)
    np.testing.assert_array_equal(load_clips(tmp_path / "p.npz").joints_3d, result.root_relative_mm)
