"""Orientation from the detector's own 3D: the Kabsch turn recovers a known rotation (and never a reflection),
it turns each sequence about its root without changing the shape, the spine gives the camera's up, and both
ways refuse input that carries no detector 3D."""

import dataclasses

import numpy as np
import pytest

from posynda.defaults import shipped_checkpoint
from posynda.errors import InputError
from posynda.metrics import procrustes_align
from posynda.runtime import Lifter, SamplingSettings
from posynda.runtime.level_camera import level_rotation
from posynda.runtime.lifter import absolute_positions
from posynda.runtime.orientation import (
    LEVEL_UP,
    MIN_FRAMES,
    MIN_TILT_DEG,
    check_orient,
    detector_rotations,
    kabsch_rotation,
    require_detector_3d,
    tilt_degrees,
    turned_about_root,
    upright_camera_up,
)
from tests.helpers.clips import make_clips, root_relative, turn

SETTINGS = SamplingSettings(hypotheses=1, steps=1)


@pytest.mark.parametrize("axis, degrees", [((1, 0, 0), 25.0), ((0.3, -1, 0.2), 70.0), ((0, 0, 1), 179.0)])
def test_kabsch_recovers_a_rotation_through_noise_and_missing_joints(axis, degrees):
    poses = root_relative(make_clips((30,)))
    rotated = turn(axis, degrees)
    reference = poses @ rotated + np.random.default_rng(0).normal(0, 5.0, poses.shape)
    reference[3:9, 5] = np.nan
    found = kabsch_rotation(poses, reference)
    np.testing.assert_allclose(found, rotated, atol=0.01)
    assert np.linalg.det(found) == pytest.approx(1.0)


def test_kabsch_never_reflects_and_needs_three_points():
    poses = root_relative(make_clips((10,)))
    mirrored = poses * np.array([-1.0, 1.0, 1.0])  # the best orthogonal fit is a reflection: refused
    assert np.linalg.det(kabsch_rotation(poses, mirrored)) == pytest.approx(1.0)
    assert kabsch_rotation(poses[:1, :2], poses[:1, :2]) is None


def test_each_sequence_turns_about_its_root_and_a_sequence_without_enough_3d_keeps_its_orientation():
    clips = make_clips((20, MIN_FRAMES + 5))
    poses = root_relative(clips)
    rotated = turn((1, 0, 0), 30.0)
    reference = poses @ rotated
    second = slice(20, None)
    reference[second][: -MIN_FRAMES + 1] = np.nan  # the second sequence: MIN_FRAMES - 1 frames of 3D
    clips = dataclasses.replace(clips, detector_3d=reference.astype(np.float32))
    rotations = detector_rotations(poses, clips)
    np.testing.assert_allclose(rotations[0], rotated, atol=1e-6)
    np.testing.assert_allclose(rotations[1], np.eye(3))
    rel = turned_about_root(poses, clips, rotations)
    np.testing.assert_allclose(rel[:, 0], 0.0, atol=1e-9)  # about the root
    np.testing.assert_allclose(rel[:20], reference[:20], atol=1e-6)
    np.testing.assert_allclose(rel[20:], poses[20:])
    np.testing.assert_allclose(np.linalg.norm(rel, axis=-1), np.linalg.norm(poses, axis=-1), atol=1e-6)


def test_the_spine_gives_the_cameras_up():
    clips = make_clips((12, 8))
    upright = np.zeros((20, 17, 3), np.float32)
    upright[:, 8] = (0.0, -500.0, 0.0)  # thorax above the pelvis (camera y points down)
    tilt = turn((1, 0, 0), -25.0)  # the camera looks down 25 deg: the spine leans away from it
    upright[:12] = upright[:12] @ tilt.T
    upright[12:, 8] = np.nan  # the second sequence has no spine: a level camera
    ups = upright_camera_up(dataclasses.replace(clips, detector_3d=upright))
    np.testing.assert_allclose(ups[0], tilt @ (0, -1, 0), atol=1e-6)
    np.testing.assert_allclose(ups[1], (0, -1, 0))
    np.testing.assert_allclose(level_rotation(ups[0]) @ ups[0], (0, -1, 0), atol=1e-9)


@pytest.mark.parametrize("orient", ["detector", "upright"])
def test_the_ways_need_the_detectors_3d(orient):
    clips = make_clips((10,), with_3d=False)
    with pytest.raises(InputError, match="the way needs the detector's own 3D"):
        require_detector_3d(clips, "the way")
    with pytest.raises(InputError, match=f"orient '{orient}' needs the detector's own 3D"):
        Lifter(shipped_checkpoint()).lift(clips, SETTINGS, orient=orient)
    with pytest.raises(InputError, match="orient must be one of none, detector, upright"):
        check_orient("sideways")
    assert check_orient("none") == "none"


def test_the_lifter_turns_its_poses_onto_the_detectors_3d():
    clips = make_clips((40,), with_3d=False)
    lifter = Lifter(shipped_checkpoint())
    plain = lifter.lift(clips, SETTINGS)
    rotated = turn((1, 0.2, 0), 20.0)
    detector = plain.root_relative_mm.astype(np.float64) @ rotated
    clips = dataclasses.replace(clips, detector_3d=detector.astype(np.float32))
    oriented = lifter.lift(clips, SETTINGS, orient="detector")
    np.testing.assert_allclose(oriented.root_relative_mm, detector, atol=0.05)
    # the root is fitted to the turned pose again, not kept from the pose before the turn
    np.testing.assert_allclose(oriented.absolute_mm, absolute_positions(oriented.root_relative_mm, clips), atol=1e-3)
    assert np.abs(oriented.absolute_mm[:, 0] - plain.absolute_mm[:, 0]).max() > 1.0
    aligned = procrustes_align(oriented.root_relative_mm, plain.root_relative_mm)  # the same shape
    np.testing.assert_allclose(aligned, plain.root_relative_mm, atol=0.05)
    with pytest.raises(InputError, match="give it or camera_up, not both"):
        lifter.lift(clips, SETTINGS, camera_up=(0, -1, 0), orient="upright")
    standing = np.zeros_like(detector)  # a detector whose spine leans 20 degrees off the picture's up
    standing[:, 8] = 500.0 * turn((1, 0, 0), 20.0) @ LEVEL_UP
    clips = dataclasses.replace(clips, detector_3d=standing.astype(np.float32))
    spine = upright_camera_up(clips)
    np.testing.assert_allclose(spine[0], turn((1, 0, 0), 20.0) @ LEVEL_UP, atol=1e-6)
    np.testing.assert_allclose(lifter.lift(clips, SETTINGS, orient="upright").root_relative_mm,
                               lifter.lift(clips, SETTINGS, camera_up=spine).root_relative_mm)  # fmt: skip


@pytest.mark.parametrize("degrees, levelled", [(0.0, True), (59.0, True), (61.0, False), (180.0, False)])
def test_upright_takes_a_spine_as_up_only_within_60_degrees_of_the_pictures_up(degrees, levelled):
    clips = make_clips((10,), with_3d=False)
    spine = turn((1, 0, 0), degrees) @ LEVEL_UP
    detector = np.zeros((clips.num_frames, 17, 3))
    detector[:, 8] = 500.0 * spine
    up = upright_camera_up(dataclasses.replace(clips, detector_3d=detector.astype(np.float32)))[0]
    np.testing.assert_allclose(up, spine if levelled else LEVEL_UP, atol=1e-9)


@pytest.mark.parametrize(
    "axis, degrees, tilt", [((1, 0, 0), 30.0, 30.0), ((0, 1, 0), 40.0, 0.0), ((0, 0, 1), 3.0, 3.0)]
)
def test_a_rotation_that_barely_tilts_the_vertical_is_not_applied(axis, degrees, tilt):
    rotated = turn(axis, degrees)
    assert tilt_degrees(rotated) == pytest.approx(tilt, abs=1e-6)
    clips = make_clips((10,))
    poses = root_relative(clips)
    clips = dataclasses.replace(clips, detector_3d=(poses @ rotated).astype(np.float32))
    expected = rotated if tilt >= MIN_TILT_DEG else np.eye(3)  # a turn about the vertical alone tilts nothing
    np.testing.assert_allclose(detector_rotations(poses, clips)[0], expected, atol=1e-6)
