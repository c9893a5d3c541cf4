"""MMPose predictions: the video layout, one image's instances, a folder of images, scores, refusals."""

import json

import numpy as np
import pytest

from posynda.data.detections import ReadOptions, read_detections
from posynda.errors import InputError
from tests.helpers.detections import SIZE, expected_track, mmpose_instance, person

OPTIONS = ReadOptions(image_size=SIZE)


def test_an_image_file_is_one_frame_of_its_people(tmp_path):
    (tmp_path / "img.json").write_text(json.dumps([mmpose_instance(*person(0, 0)), mmpose_instance(*person(1, 0))]))
    clips, report = read_detections(tmp_path / "img.json", options=OPTIONS)
    assert clips.sequence_names() == ["img/person0", "img/person1"] and clips.num_frames == 2
    np.testing.assert_array_equal(clips.keypoints_2d[1], expected_track(1, 1)[0][0])


def test_a_folder_of_image_files_is_a_video_and_track_ids_are_used(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for t in range(3):
        people = [] if t == 1 else [mmpose_instance(*person(0, t), track=5)]
        (folder / f"frame_{t}.json").write_text(json.dumps(people))
    clips, report = read_detections(folder, options=OPTIONS)
    assert report.format == "mmpose" and clips.sequence_names() == ["frames/track5"]
    assert clips.num_frames == 3 and np.isnan(clips.keypoints_2d[1]).all()


def test_rtmpose_scores_above_one_are_clipped_and_xys_triplets_are_read(tmp_path):
    kp, _ = person(0, 0)
    frames = [{"frame_id": 0, "instances": [{"keypoints": np.c_[kp, np.full(17, 4.0)].tolist()}]}]
    (tmp_path / "v.json").write_text(json.dumps(frames))
    clips, _ = read_detections(tmp_path / "v.json", options=OPTIONS)
    assert (clips.confidence == 1).all()


@pytest.mark.parametrize(
    "instance, needle",
    [
        ({"keypoints": [[1.0, 2.0, 3.0]] * 17, "keypoint_scores": [1.0] * 17}, "expected [J, 2] pixels (2D)"),
        ({"keypoints": [[1.0, 2.0]] * 17, "keypoint_scores": [1.0] * 16}, "16 keypoint_scores for 17 keypoints"),
        ({"keypoints": [[1.0, 2.0]] * 21}, "has 21 joints per person"),
    ],
    ids=["3d", "scores", "joints"],
)
def test_bad_instances_are_refused(tmp_path, instance, needle):
    (tmp_path / "v.json").write_text(json.dumps([{"frame_id": 0, "instances": [instance]}]))
    with pytest.raises(InputError) as err:
        read_detections(tmp_path / "v.json", options=OPTIONS)
    assert needle in str(err.value)
