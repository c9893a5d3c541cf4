"""Reading options: refused when bad, the camera from intrinsics or a field of view (else the default pinhole),
every joint order a choice."""

import math

import numpy as np
import pytest

from posynda.data.detections import KEYPOINT_ORDERS, ReadOptions, default_intrinsics, fov_intrinsics, read_detections
from posynda.data.detections.read_options import options_camera
from posynda.errors import InputError
from posynda.skeleton import JOINT_ORDERS
from tests.helpers.detections import scene, write_coco


def test_default_camera_is_a_centred_pinhole_with_f_the_longer_side():
    np.testing.assert_array_equal(default_intrinsics(1920, 1080), [1920, 1920, 960, 540, 0, 0, 0, 0, 0])


def test_a_90_degree_field_of_view_puts_the_focal_length_at_half_the_width():
    np.testing.assert_allclose(fov_intrinsics(1920, 1080, 90.0), [960, 960, 960, 540, 0, 0, 0, 0, 0], atol=1e-3)


@pytest.mark.parametrize(
    "options, expected",
    [
        (ReadOptions(image_size=(1920, 1080)), [1920, 1920, 960, 540, 0, 0, 0, 0, 0]),
        (ReadOptions(image_size=(1920, 1080), fov=60.0), [960 / math.tan(math.pi / 6)] * 2 + [960, 540, 0, 0, 0, 0, 0]),
        (
            ReadOptions(image_size=(1920, 1080), intrinsics=(1000, 1010, 950, 530)),
            [1000, 1010, 950, 530, 0, 0, 0, 0, 0],
        ),
        (
            ReadOptions(image_size=(1920, 1080), intrinsics=(1000, 1010, 950, 530, 0.1)),
            [1000, 1010, 950, 530, 0.1, 0, 0, 0, 0],
        ),
    ],
    ids=["default", "fov", "intrinsics", "intrinsics-k1"],
)
def test_the_camera_of_a_detector_file_comes_from_the_options(tmp_path, options, expected):
    clips, report = read_detections(write_coco(tmp_path / "r.json", scene()), options=options)
    np.testing.assert_allclose(clips.camera, [expected] * 2, rtol=1e-6)
    assert ("default camera" in report.camera) == (not options.sets_camera)


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"image_size": (0, 10)}, "positive width and height"),
        ({"intrinsics": (1.0, 2.0, 3.0)}, "4 to 9 finite numbers"),
        ({"intrinsics": (-1.0, 2.0, 3.0, 4.0)}, "positive focal lengths"),
        ({"fov": 180.0}, "between 0 and 180"),
        ({"fov": 60.0, "intrinsics": (1.0, 1.0, 1.0, 1.0)}, "not both"),
        ({"min_confidence": 1.5}, "must lie in [0, 1]"),
        ({"joint_order": "openpose"}, "unknown joint order 'openpose'"),
        ({"tracking": "hungarian"}, "unknown tracking"),
    ],
)
def test_bad_options_are_refused(kwargs, needle):
    with pytest.raises(InputError) as err:
        ReadOptions(**kwargs)
    assert needle in str(err.value)


def test_options_without_a_camera_give_none():
    assert options_camera((640, 480), ReadOptions()) is None


def test_every_joint_order_is_a_keypoint_order_choice():
    assert sorted(KEYPOINT_ORDERS) == sorted(JOINT_ORDERS)
