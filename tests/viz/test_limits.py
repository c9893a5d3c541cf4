"""Where pictures look: the camera -> plot axes turn (up drawn up), equal-aspect 3D limits with the feet on the
floor, the 2D crop (no limb cut off) and the inset corner."""

import numpy as np
import pytest

from posynda.viz.limits import Cube, inset_corner, person_box, to_view


def test_camera_minus_y_is_drawn_up_and_depth_goes_into_the_picture():
    head_above_pelvis = np.array([[0.0, 0.0, 0.0], [100.0, -800.0, 300.0]])  # camera frame: y down, z forward
    view = to_view(head_above_pelvis)
    np.testing.assert_array_equal(view[1], [100.0, 300.0, 800.0])  # x, depth, up


def test_the_cube_holds_every_joint_with_equal_sides_and_the_feet_on_its_floor():
    rng = np.random.default_rng(1)
    poses = rng.normal(size=(20, 17, 3)) * [200.0, 300.0, 800.0]
    poses[3, 5] = np.nan
    cube = Cube.around(poses)
    lo, hi = np.nanmin(poses.reshape(-1, 3), 0), np.nanmax(poses.reshape(-1, 3), 0)
    assert ((cube.centre - cube.half <= lo + 1e-9) & (hi <= cube.centre + cube.half + 1e-9)).all()
    assert cube.centre[2] - cube.half == pytest.approx(lo[2])  # the lowest joint stands on the box floor
    assert Cube.around(np.full((2, 17, 3), np.nan)).half > 0


def test_the_2d_crop_holds_every_keypoint_also_outside_the_image():
    kp = np.array([[[100.0, 200.0], [2100.0, 900.0], [np.nan, np.nan]]])  # one joint right of a 2048 image
    x0, x1, y0, y1 = person_box(kp, (2048, 1080), aspect=1.5)
    assert x0 < 100 and x1 > 2100 and y0 < 200 and y1 > 900
    assert (x1 - x0) / (y1 - y0) == pytest.approx(1.5)
    assert person_box(np.full((1, 17, 2), np.nan), (640, 480)) == (0.0, 640.0, 0.0, 480.0)


def test_the_inset_goes_where_it_hides_the_fewest_keypoints():
    box = (0.0, 100.0, 0.0, 100.0)
    upper_right = np.array([[[90.0, 10.0]] * 5])  # y down: v = 10 is near the top
    assert inset_corner(upper_right, box) != "upper right"
    assert inset_corner(np.array([[[50.0, 50.0]]]), box) == "upper right"
