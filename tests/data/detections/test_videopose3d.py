"""VideoPose3D's custom npz: one person per video, image sizes from video_metadata, layouts."""

import numpy as np
import pytest

from posynda.data.detections import ReadOptions, read_detections
from posynda.errors import InputError
from tests.helpers.detections import expected_track, video_keypoints, write_videopose3d


def test_each_video_is_one_sequence_sized_by_its_metadata(tmp_path):
    kp = video_keypoints(1)  # [N, 17, 2]: no scores, so nothing is masked
    kp[2] = np.nan  # a frame without a person (VideoPose3D interpolates them; NaN if not)
    path = write_videopose3d(tmp_path / "data_2d_custom_x.npz", {"a.mp4": video_keypoints(0), "b.mp4": kp},
                             sizes={"a.mp4": (1920, 1080), "b.mp4": (640, 480)})  # fmt: skip
    clips, report = read_detections(path)
    assert report.format == "videopose3d" and clips.sequence_names() == ["a.mp4/person0", "b.mp4/person0"]
    assert clips.image_size.tolist() == [[1920, 1080], [640, 480]]
    np.testing.assert_array_equal(clips.camera[1], [640, 640, 320, 240, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(clips.keypoints_2d[:4], expected_track(0)[0])
    b = clips.keypoints_2d[4:]
    assert np.isnan(b[2]).all() and np.isfinite(b[[0, 1, 3]]).all() and (clips.confidence[4:][[0, 1, 3]] == 1).all()
    clips, _ = read_detections(path, options=ReadOptions(image_size=(1000, 1000)))
    assert clips.image_size.tolist() == [[1000, 1000]] * 2


def test_h36m_layout_is_taken_as_it_is_and_others_are_refused(tmp_path):
    kp = np.random.default_rng(0).uniform(100, 900, size=(5, 17, 2))
    clips, _ = read_detections(write_videopose3d(tmp_path / "h.npz", {"v": kp}, layout="h36m"))
    np.testing.assert_array_equal(clips.keypoints_2d, kp.astype(np.float32))
    with pytest.raises(InputError, match="layout_name 'humaneva15'"):
        read_detections(write_videopose3d(tmp_path / "o.npz", {"v": kp}, layout="humaneva15"))
