"""posynda's JSON through the format table: the image size and camera from the options, other joint orders."""

import json

import numpy as np
import pytest

from posynda.data.detections import ReadOptions, read_detections, read_json_keypoints
from posynda.errors import InputError
from tests.conftest import make_clips
from tests.data.detections.conftest import openpose_person, person


def test_the_image_size_may_come_from_the_options_and_the_camera_is_replaced(tmp_path):
    kp = make_clips((6,)).keypoints_2d
    (tmp_path / "kp.json").write_text(
        json.dumps({"keypoints_2d": kp.tolist(), "camera": [900.0, 900, 1, 1, 0, 0, 0, 0, 0]})
    )
    with pytest.raises(InputError, match=r"missing required key 'image_size' \(or give --image-size WxH\)"):
        read_detections(tmp_path / "kp.json")
    clips, report = read_detections(tmp_path / "kp.json", options=ReadOptions(image_size=(1000, 800)))
    assert clips.image_size.tolist() == [[1000, 800]] and clips.camera[0, 0] == 900 and "from the file" in report.camera
    clips, report = read_detections(tmp_path / "kp.json", options=ReadOptions(image_size=(1000, 800), fov=90))
    assert clips.camera[0, 0] == pytest.approx(500) and "90 degree field of view" in report.camera
    assert report.format == "posynda-json" and report.sequences[0].name == "seq000"


def test_a_body25_sequence_is_converted(tmp_path):
    body = np.array([openpose_person(*person(0, t)) for t in range(3)]).reshape(3, 25, 3)
    payload = {"keypoints_2d": body[..., :2].tolist(), "image_size": [1920, 1080], "joint_order": "body25"}
    (tmp_path / "kp.json").write_text(json.dumps(payload))
    clips, _ = read_detections(tmp_path / "kp.json")
    np.testing.assert_array_equal(clips.keypoints_2d[0, 0], (person(0, 0)[0][11] + person(0, 0)[0][12]) / 2)
    raw, order = read_json_keypoints(tmp_path / "kp.json")
    assert order == "body25" and raw.keypoints_2d.shape == (3, 25, 2)  # the file's own order
