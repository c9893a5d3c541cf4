"""OpenPose folders: 0, 0, 0 joints are missing, frames from the file names, BODY_25 / COCO-18, person ids."""

import json

import numpy as np
import pytest

from posynda.data.detections import ReadOptions, read_detections
from posynda.errors import InputError
from tests.helpers.detections import SIZE, expected_track, openpose_person, person, scene, write_openpose

OPTIONS = ReadOptions(image_size=SIZE)


def test_zero_joints_are_missing_whatever_the_threshold(tmp_path):
    folder = write_openpose(tmp_path / "clip", scene(people=(0,)), zero=(12,))  # r_hip written 0, 0, 0
    clips, _ = read_detections(folder, options=ReadOptions(image_size=SIZE, min_confidence=0.0))
    assert np.isnan(clips.keypoints_2d[:, [0, 1, 7]]).all()  # r_hip and the pelvis and spine built from it
    assert (clips.confidence[:, [0, 1, 7]] == 0).all()
    np.testing.assert_array_equal(clips.keypoints_2d[:, 4], expected_track(0)[0][:, 4])  # l_hip is there


def test_a_frame_file_without_people_is_a_missing_frame_and_names_give_the_order(tmp_path):
    folder = write_openpose(tmp_path / "clip", scene(people=(0,), frames=3), name="clip")
    (folder / "clip_000000000001_keypoints.json").write_text(json.dumps({"version": 1.3, "people": []}))
    (folder / "notes.txt").write_text("not a frame")
    clips, report = read_detections(folder, options=OPTIONS)
    assert clips.num_frames == 3 and np.isnan(clips.keypoints_2d[1]).all()
    np.testing.assert_array_equal(clips.keypoints_2d[2], expected_track(0, 3)[0][2])
    assert report.format == "openpose" and report.sequences[0].name == "clip/person0"


def test_person_ids_are_track_ids_and_one_file_is_one_frame(tmp_path):
    kp, scores = person(0, 0)
    payload = {"people": [{"person_id": [3], "pose_keypoints_2d": openpose_person(kp, scores)}]}
    (tmp_path / "one_keypoints.json").write_text(json.dumps(payload))
    clips, report = read_detections(tmp_path / "one_keypoints.json", options=OPTIONS)
    assert clips.sequence_names() == ["one_keypoints/track3"] and clips.num_frames == 1


def test_other_joint_counts_are_refused(tmp_path):
    payload = {"people": [{"person_id": -1, "pose_keypoints_2d": [1.0, 2.0, 0.9] * 15}]}
    (tmp_path / "x_000000000000_keypoints.json").write_text(json.dumps(payload))
    with pytest.raises(InputError, match=r"has 15 body joints; expected 25 \(BODY_25\) or 18 \(COCO\)"):
        read_detections(tmp_path, options=OPTIONS)
