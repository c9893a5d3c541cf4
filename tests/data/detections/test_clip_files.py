"""Clip files as keypoint input: read as they are (3D dropped), or with the options' size, camera, threshold."""

import numpy as np

from posynda.data import save_clips
from posynda.data.detections import ReadOptions, read_detections
from tests.helpers.clips import INTRINSICS, make_clips


def test_read_as_they_are_without_3d(tmp_path):
    clips = make_clips((20, 10))
    clips.confidence = np.full(clips.keypoints_2d.shape[:2], 0.1, np.float32)
    path = save_clips(tmp_path / "c.npz", clips)
    got, report = read_detections(path)
    assert got.joints_3d is None and report.format == "clips" and [s.frames for s in report.sequences] == [20, 10]
    np.testing.assert_array_equal(got.keypoints_2d, clips.keypoints_2d)  # no threshold unless one is given
    np.testing.assert_array_equal(got.camera[0], INTRINSICS)
    masked, _ = read_detections(path, options=ReadOptions(min_confidence=0.3))
    assert np.isnan(masked.keypoints_2d).all() and (masked.confidence == 0).all()


def test_the_options_replace_the_image_size_and_camera(tmp_path):
    path = save_clips(tmp_path / "c.npz", make_clips((20,)))
    got, _ = read_detections(path, options=ReadOptions(image_size=(640, 480)))
    assert got.image_size.tolist() == [[640, 480]] and got.camera[0, 0] == INTRINSICS[0]  # the file's camera stays
    got, report = read_detections(path, options=ReadOptions(intrinsics=(700.0, 700.0, 320.0, 240.0)))
    np.testing.assert_array_equal(got.camera[0], [700, 700, 320, 240, 0, 0, 0, 0, 0])
    assert "from --intrinsics" in report.camera
