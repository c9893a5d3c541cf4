"""The level virtual camera: the rotation takes the camera's up to a level camera's, the turned 2D is what a
level camera at the same place sees (exactly, lens distortion included), and poses turn back."""

import dataclasses

import numpy as np
import pytest

from posynda.camera import project
from posynda.errors import InputError
from posynda.runtime.level_camera import (
    LEVEL_UP,
    MAX_PITCH_DEG,
    level_intrinsics,
    level_rotation,
    levelled_clips,
    levelled_pixels,
    pitch_degrees,
    sequence_rotations,
    turned_back,
)
from tests.helpers.clips import make_clips
from tests.helpers.multiview import ring_cameras, walking_world


@pytest.mark.parametrize("up", [(0, -1, 0), (0, -0.9, 0.4), (0.3, -0.8, -0.5), (0, 1, 0), (1, 0, 0)])
def test_the_rotation_levels_the_up_direction(up):
    q = level_rotation(up)
    np.testing.assert_allclose(q @ (np.array(up) / np.linalg.norm(up)), LEVEL_UP, atol=1e-12)
    np.testing.assert_allclose(q @ q.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(q) == pytest.approx(1.0)


@pytest.mark.parametrize("pitch", [0.0, 34.0, -58.0, 63.0, -75.0, 89.0])
def test_a_camera_pitched_beyond_the_limit_is_refused_as_a_wrong_up(pitch):
    angle = np.radians(pitch)
    up = (0.2, -np.cos(angle), -np.sin(angle))  # a camera looking `pitch` degrees down (and rolled a little)
    assert pitch_degrees(up) == pytest.approx(np.degrees(np.arcsin(np.sin(angle) / np.linalg.norm(up))))
    if abs(pitch_degrees(up)) <= MAX_PITCH_DEG:  # the roll takes 58 to 56 degrees, 63 to 61
        np.testing.assert_allclose(level_rotation(up) @ (np.array(up) / np.linalg.norm(up)), LEVEL_UP, atol=1e-12)
    else:
        way = "down" if pitch > 0 else "up"
        with pytest.raises(InputError, match=rf"makes the camera look \d+ degrees {way}: lifting through a level"):
            level_rotation(up)


def test_a_level_camera_is_left_alone_and_a_bad_up_is_refused():
    np.testing.assert_allclose(level_rotation((0, -2, 0)), np.eye(3), atol=1e-12)
    with pytest.raises(InputError, match="camera_up must be a finite nonzero direction"):
        level_rotation((0, 0, 0))
    with pytest.raises(InputError, match=r"camera_up must be \[3\] or \[2, 3\]"):
        sequence_rotations(make_clips((5, 4)), np.zeros((3, 3)))


def test_the_turned_2d_is_what_the_level_camera_sees_and_poses_turn_back():
    camera = ring_cameras(3)[2]  # the one with lens distortion
    world = walking_world(6)
    seen = camera.to_camera(world)  # [6, 17, 3] mm, the real camera
    clips = make_clips((6,), with_3d=False)
    pixels = np.asarray(project(seen, camera.intrinsics)).astype(np.float32)
    clips = dataclasses.replace(clips, keypoints_2d=pixels, camera=camera.intrinsics[None].astype(np.float32))
    up = camera.rotation @ np.array([0.0, 1.0, 0.0])  # the ring's world is y up
    rotations = sequence_rotations(clips, up)
    level = levelled_clips(clips, rotations)
    assert (level.camera[0, 4:] == 0).all()
    in_level = seen @ rotations[0].T  # the same points in the level camera's frame
    np.testing.assert_allclose(level.keypoints_2d, np.asarray(project(in_level, level.camera[0].astype(np.float64))),
                               atol=0.02)  # fmt: skip
    np.testing.assert_allclose(turned_back(in_level, clips, rotations), seen, atol=1e-9)
    body = in_level[:, 8] - in_level[:, 0]  # pelvis -> thorax: upright in the level camera (y down)
    assert (body[:, 1] / np.linalg.norm(body, axis=-1) < -0.9).all()


def test_one_frames_pixels_are_levelled_as_the_whole_clip_set_and_a_missing_one_stays_missing():
    camera = ring_cameras(3)[2]
    seen = camera.to_camera(walking_world(4))
    pixels = np.asarray(project(seen, camera.intrinsics))
    pixels[1, 5] = np.nan
    clips = dataclasses.replace(make_clips((4,), with_3d=False), keypoints_2d=pixels.astype(np.float32),
                                camera=camera.intrinsics[None].astype(np.float32))  # fmt: skip
    q = level_rotation(camera.rotation @ np.array([0.0, 1.0, 0.0]))
    whole = levelled_clips(clips, q[None])
    for t in range(4):  # one frame at a time, as a live stream levels them
        frame = levelled_pixels(clips.keypoints_2d[t], clips.camera[0], q)
        np.testing.assert_allclose(frame, whole.keypoints_2d[t], atol=1e-3)
    assert np.isnan(levelled_pixels(clips.keypoints_2d[1], clips.camera[0], q)[5]).all()
    np.testing.assert_array_equal(level_intrinsics(camera.intrinsics), whole.camera[0])
