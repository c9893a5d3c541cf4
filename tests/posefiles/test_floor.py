"""Floor estimation: a known floor under a known pitched camera is recovered; poses without a usable floor
are refused with a reason; the world frame stands on the floor below the first root."""

import numpy as np
import pytest

from posynda.posefiles import floor as fl
from posynda.posefiles.floor import ANKLE_HEIGHT_MM, WorldFrame, estimate_floor
from tests.helpers.posefiles import camera_looking_at, scene, to_camera, walk


def _angle(a, b):
    return np.degrees(np.arccos(np.clip(np.dot(a, b) / np.linalg.norm(a) / np.linalg.norm(b), -1, 1)))


@pytest.mark.parametrize(
    "pitch, roll, height, noise",
    [(0.0, 0.0, 1500.0, 0.0), (20.0, 4.0, 1600.0, 8.0), (35.0, -10.0, 2500.0, 15.0), (5.0, 2.0, 300.0, 8.0)],
    ids=["level-exact", "pitched-rolled", "steep-high-noisy", "low-camera"],
)
def test_a_known_floor_under_a_pitched_camera_is_recovered(pitch, roll, height, noise):
    poses, rotation, _ = scene(pitch=pitch, roll=roll, height=height, noise=noise)
    estimate = estimate_floor(poses)
    assert estimate.reason is None
    floor = estimate.floor
    up = rotation @ [0.0, 0.0, 1.0]  # world up in camera coordinates
    assert _angle(floor.normal, up) < 0.5
    assert floor.pitch_deg == pytest.approx(pitch, abs=0.5)
    assert floor.roll_deg == pytest.approx(np.degrees(np.arcsin(up[0])), abs=0.5)
    assert floor.camera_height_mm == pytest.approx(height, abs=2 * noise + 1)
    assert floor.tilt_deg == pytest.approx(_angle(up, [0, -1, 0]), abs=0.5)
    assert floor.inlier_fraction >= 0.9 and floor.rms_mm <= noise + 1
    if noise == 0:  # exact data: the plane is exact
        np.testing.assert_allclose(floor.height(poses[:, [3, 6]]).min(), ANKLE_HEIGHT_MM, atol=1e-6)


def test_the_estimate_is_deterministic_and_ignores_missing_frames():
    poses, _, _ = scene()
    holed = poses.copy()
    holed[::7, 3] = np.nan
    a, b = estimate_floor(poses).floor, estimate_floor(poses).floor
    np.testing.assert_array_equal(a.normal, b.normal)
    assert estimate_floor(holed).floor.pitch_deg == pytest.approx(a.pitch_deg, abs=0.3)


def test_the_world_frame_stands_on_the_floor_below_the_first_root():
    world = walk(noise=0.0)
    rotation, position = camera_looking_at(world[:, 0].mean(axis=0), 1700.0, 25.0, 6.0)
    poses = to_camera(world, rotation, position)
    frame = WorldFrame.on_floor(estimate_floor(poses).floor, poses[0, 0])
    np.testing.assert_allclose(frame.rotation @ frame.rotation.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(frame.rotation) == pytest.approx(1.0)
    ours = frame.to_world(poses)
    np.testing.assert_allclose(ours[0, 0, :2], 0.0, atol=1e-9)  # origin below the first root
    np.testing.assert_allclose(ours[..., 2], world[..., 2], atol=1e-6)  # heights above the floor: the truth
    # x is the camera's right (rotation[0] in true world axes) projected on the floor
    right_on_floor = rotation[0] * [1.0, 1.0, 0.0]
    np.testing.assert_allclose(
        rotation.T @ frame.rotation[0], right_on_floor / np.linalg.norm(right_on_floor), atol=1e-9
    )
    # distances on the floor are kept: the walk's shape is the truth's up to a turn about z
    np.testing.assert_allclose(
        np.linalg.norm(ours[:, 0, :2] - ours[0, 0, :2], axis=1),
        np.linalg.norm(world[:, 0, :2] - world[0, 0, :2], axis=1),
        atol=1e-6,
    )
    np.testing.assert_allclose(frame.rotate(poses[5] - poses[5, 0]), ours[5] - ours[5, 0], atol=1e-9)


def _scatter(_):
    rng = np.random.default_rng(1)
    poses, _, _ = scene()
    poses[:, [3, 6]] += rng.normal(scale=400.0, size=poses[:, [3, 6]].shape)
    return poses


def _standing(_):
    poses, _, _ = scene(noise=3.0)
    return np.repeat(poses[:1], 60, axis=0) + np.random.default_rng(2).normal(scale=3.0, size=(60, 17, 3))


def _narrow_noisy(_):  # a straight line: the feet 110 mm either side of it, 25 mm of noise
    world = walk(radius=1e9, noise=25.0, seed=3)
    rotation, position = camera_looking_at(world[:, 0].mean(axis=0), 1600.0, 15.0)
    return to_camera(world, rotation, position)


def _looking_down(_):
    world = walk(noise=5.0)
    rotation, position = camera_looking_at(world[:, 0].mean(axis=0), 4000.0, 88.0, distance=10.0)
    return to_camera(world, rotation, position)


def _below_the_floor(_):
    world = walk(noise=5.0)
    rotation, position = camera_looking_at(world[:, 0].mean(axis=0), -800.0, -20.0)
    return to_camera(world, rotation, position)


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda _: None, "no absolute poses"),
        (lambda _: scene(frames=12)[0], "12 frames with both ankles (at least 20 needed)"),
        (_scatter, "the ankles fit no plane"),
        (_standing, "mm of a line, so the floor's tilt is unknown"),
        (_narrow_noisy, "the floor's tilt is uncertain by"),
        (_looking_down, "deg from the camera's up (-y); at most 45 deg"),
        (_below_the_floor, "mm below the floor"),
    ],
    ids=["no-absolute", "few-frames", "no-plane", "standing-still", "narrow-and-noisy", "looking-down", "below"],
)
def test_poses_without_a_usable_floor_are_refused_with_a_reason(make, reason):
    estimate = estimate_floor(make(None))
    assert estimate.floor is None
    assert reason in estimate.reason and "\n" not in estimate.reason


def test_speed_is_not_taken_across_sequences():
    ankles = np.zeros((4, 2, 3))
    ankles[2:] += 1000.0  # the second sequence starts far away
    speed = fl._ankle_speed(ankles, np.array([0, 0, 1, 1]))
    np.testing.assert_array_equal(speed, 0.0)


def test_a_bad_shape_is_a_programming_error():
    with pytest.raises(ValueError, match=r"\[N, 17, 3\]"):
        estimate_floor(np.zeros((30, 16, 3)))
