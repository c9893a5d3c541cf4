"""What every --viz picture shares: side colours per bone, the legend, the camera -> plot axes turn (up drawn
up), equal-aspect 3D limits, the 2D crop (no limb cut off) and the image orientation (y down)."""

import numpy as np
import pytest

from posynda.runtime.viz import (
    SIDE_COLOURS,
    SIDE_LABELS,
    Cube,
    Pose2DPanel,
    Pose3DPanel,
    bone_colours,
    inset_corner,
    joint_side,
    legend_handles,
    person_box,
    pyplot,
    to_view,
)
from posynda.skeleton import H36M_JOINT_NAMES, H36M_LEFT, H36M_PARENTS, H36M_RIGHT

pytest.importorskip("matplotlib")


def test_left_bones_are_blue_right_red_the_rest_grey():
    bones = bone_colours()
    assert [(j, p) for j, p, _ in bones] == [(j, p) for j, p in enumerate(H36M_PARENTS) if p >= 0]
    for j, _, colour in bones:
        name = H36M_JOINT_NAMES[j]
        expected = (
            "tab:blue" if name.startswith("l_") else "tab:red" if name.startswith("r_") else SIDE_COLOURS["centre"]
        )
        assert colour == expected, name
    assert {joint_side(j) for j in H36M_LEFT} == {"left"} and {joint_side(j) for j in H36M_RIGHT} == {"right"}
    assert sum(c == "tab:blue" for *_, c in bones) == 6 and sum(c == "tab:red" for *_, c in bones) == 6


def test_the_legend_names_each_side_and_its_colour():
    handles = legend_handles()
    assert [(h.get_label(), h.get_color()) for h in handles] == [
        ("left side (blue)", "tab:blue"),
        ("right side (red)", "tab:red"),
        ("centre (grey)", SIDE_COLOURS["centre"]),
    ]
    assert set(SIDE_LABELS) == set(SIDE_COLOURS)


def test_panels_draw_each_bone_in_its_side_colour():
    plt = pyplot()
    fig = plt.figure()
    pose = np.random.default_rng(0).normal(size=(17, 3)) * 300
    p2 = Pose2DPanel(fig.add_subplot(121), (1000, 1000), pose[None, :, :2] + 500)
    p3 = Pose3DPanel(fig.add_subplot(122, projection="3d"), Cube.around(to_view(pose)[None]))
    from matplotlib.colors import to_rgba

    for panel in (p2, p3):
        assert [to_rgba(line.get_color()) for line in panel.bones] == [to_rgba(c) for *_, c in bone_colours()]
    plt.close(fig)


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


def test_the_background_is_drawn_upright_under_the_keypoints():
    """Row 0 of a background frame is the top of the image (y down): a frame red above v = 500, blue below."""
    plt = pyplot()
    fig = plt.figure(figsize=(4, 4), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    kp = np.full((1, 17, 2), 500.0)
    kp[0, :, 1] = np.linspace(300, 700, 17)
    panel = Pose2DPanel(ax, (1000, 1000), kp)
    image = np.zeros((1000, 1000, 3), np.uint8)
    image[:500, :, 0] = 255
    image[500:, :, 2] = 255
    panel.show(np.full((17, 2), np.nan), image)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    for v, colour in [(350.0, [255, 0, 0]), (650.0, [0, 0, 255])]:
        x, y = ax.transData.transform((400.0, v))
        np.testing.assert_array_equal(pixels[int(fig.bbox.height - y), int(x)], colour)
    plt.close(fig)
