"""posynda's JSON through the format table: several named sequences, the image size and camera from the options,
other joint orders, bad files named."""

import json

import numpy as np
import pytest

from posynda.data.detections import ReadOptions, default_intrinsics, read_detections, read_json_keypoints
from posynda.errors import InputError
from tests.helpers.clips import make_clips
from tests.helpers.detections import openpose_person, person


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


def sequence(n=12, name="a", order=None, seed=0):
    kp = make_clips((n,), seed=seed).keypoints_2d
    obj = {"keypoints_2d": kp.tolist(), "image_size": [1000, 1000], "name": name}
    return obj if order is None else {**obj, "joint_order": order}


def test_a_list_of_objects_is_several_named_sequences(tmp_path):
    path = tmp_path / "kp.json"
    path.write_text(json.dumps([sequence(12, "a"), sequence(7, "b", seed=1)]))
    clips, order = read_json_keypoints(path)
    assert order is None and clips.num_sequences == 2 and clips.num_frames == 19
    assert clips.sequence_names() == ["a", "b"]
    np.testing.assert_array_equal(clips.camera[0], default_intrinsics(1000, 1000))


@pytest.mark.parametrize(
    "payload, joint_order, needle",
    [
        ([sequence(order="h36m"), sequence(order="coco")], None, "different joint orders"),
        (sequence(order="coco"), "h36m", "file says joint_order 'coco'"),
        ({"keypoints_2d": [[[0, 0]] * 17]}, None, "missing required key 'image_size'"),
        ({**sequence(), "camera": [1, 2, 3]}, None, "'camera' must be 9 floats"),
        ({**sequence(), "confidence": [[1.0] * 17]}, None, "'confidence' has shape"),
        ([], None, "holds no sequence"),
    ],
    ids=["mixed-orders", "option-vs-file", "no-size", "bad-camera", "bad-confidence", "empty"],
)
def test_bad_files_name_the_problem(tmp_path, payload, joint_order, needle):
    path = tmp_path / "kp.json"
    path.write_text(json.dumps(payload))
    with pytest.raises(InputError, match=needle):
        read_detections(path, options=ReadOptions(joint_order=joint_order))
