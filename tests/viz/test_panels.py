"""The 2D and 3D panels: each bone in its side colour, and a background drawn upright (y down) under the
keypoints."""

import numpy as np
import pytest

from posynda.viz.colours import bone_colours
from posynda.viz.figures import pyplot
from posynda.viz.limits import Cube, to_view
from posynda.viz.panels import Pose2DPanel, Pose3DPanel

pytest.importorskip("matplotlib")


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
