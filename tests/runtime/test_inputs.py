"""Keypoint files: clip files and the JSON schema, several sequences, joint orders, the default camera,
detector files through the data layer."""

import json

import numpy as np
import pytest

from posynda.data import save_clips
from posynda.data.detections import ReadOptions
from posynda.errors import InputError
from posynda.runtime import default_intrinsics, read_keypoints
from posynda.runtime.inputs import read_json_keypoints
from tests.conftest import make_clips
from tests.data.detections.conftest import scene, write_coco


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


def test_clip_files_lose_their_3d(tmp_path):
    path = save_clips(tmp_path / "kp.npz", make_clips((10,)))
    assert read_keypoints(path).joints_3d is None


@pytest.mark.parametrize(
    "payload, flag, needle",
    [
        ([sequence(order="h36m"), sequence(order="coco")], None, "different joint orders"),
        (sequence(order="coco"), "h36m", "file says joint_order 'coco'"),
        ({"keypoints_2d": [[[0, 0]] * 17]}, None, "missing required key 'image_size'"),
        ({**sequence(), "camera": [1, 2, 3]}, None, "'camera' must be 9 floats"),
        ({**sequence(), "confidence": [[1.0] * 17]}, None, "'confidence' has shape"),
        ([], None, "holds no sequence"),
    ],
    ids=["mixed-orders", "flag-vs-file", "no-size", "bad-camera", "bad-confidence", "empty"],
)
def test_bad_files_name_the_problem(tmp_path, payload, flag, needle):
    path = tmp_path / "kp.json"
    path.write_text(json.dumps(payload))
    with pytest.raises(InputError, match=needle):
        read_keypoints(path, flag)


def test_default_camera_is_a_centred_pinhole_with_f_the_longer_side():
    np.testing.assert_array_equal(default_intrinsics(1920, 1080), [1920, 1920, 960, 540, 0, 0, 0, 0, 0])


def test_detector_files_are_read_through_the_data_layer(tmp_path):
    path = write_coco(tmp_path / "coco.json", scene())
    clips = read_keypoints(path, options=ReadOptions(image_size=(1920, 1080)))
    assert clips.sequence_names() == ["coco/person0", "coco/person1"] and clips.joints_3d is None
    with pytest.raises(InputError, match="--image-size WxH"):
        read_keypoints(path)
