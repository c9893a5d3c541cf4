"""posynda.data.footage: the framing camera centres the person at the asked height; the mannequin is drawn
where the joints project; bad poses are refused."""

import numpy as np
import pytest

from posynda import camera
from posynda.data.footage import BACKGROUND, framing_camera, render_mannequin
from posynda.errors import InputError
from tests.helpers.video import mannequin_motion

pytest.importorskip("PIL")


def test_framing_camera_centres_the_person_at_the_asked_height():
    joints = mannequin_motion(20)
    for size, fill in [((640, 480), 0.6), ((480, 854), 0.4)]:
        cam = framing_camera(joints, size, fill)
        uv = camera.project(joints, cam.astype(np.float64))
        tall = np.median(np.ptp(uv[..., 1], axis=-1))
        assert tall == pytest.approx(fill * size[1], rel=1e-3)
        np.testing.assert_allclose(np.median(uv.reshape(-1, 2), axis=0), np.array(size) / 2, atol=1e-3 * size[1])


def test_the_mannequin_is_drawn_over_its_joints_and_nowhere_far_from_them():
    joints = mannequin_motion(3)
    size = (160, 120)
    cam = framing_camera(joints, size)
    frames = list(render_mannequin(joints, cam, size))
    assert len(frames) == 3 and all(f.shape == (120, 160, 3) and f.dtype == np.uint8 for f in frames)
    uv = np.round(camera.project(joints, cam.astype(np.float64))).astype(int)
    for frame, points in zip(frames, uv):
        drawn = np.abs(frame.astype(int) - BACKGROUND).sum(-1) > 30
        assert all(drawn[v, u] for u, v in points)  # every joint lies on the figure
        assert not drawn[:, :5].any() and not drawn[:, -5:].any()  # the person is centred, the edges are empty


@pytest.mark.parametrize(
    "joints, match",
    [(np.zeros((2, 16, 3)), r"\[T, 17, 3\]"), (np.zeros((2, 17, 3)), "in front of the camera")],
    ids=["shape", "behind"],
)
def test_bad_poses_are_refused(joints, match):
    with pytest.raises(InputError, match=match):
        next(render_mannequin(joints, np.array([500, 500, 80, 60, 0, 0, 0, 0, 0.0]), (160, 120)))
