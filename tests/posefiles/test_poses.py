"""The writers' view of a lift: per sequence, one frame for the whole file, world when every camera has a floor."""

import dataclasses

import numpy as np
import pytest

from posynda.posefiles.poses import calibration_world, camera_groups, lifted_poses
from tests.helpers.clips import make_clips
from tests.helpers.posefiles import lift_result, scene_clips


def test_sequences_of_one_camera_share_one_floor_and_one_world_frame():
    clips, result = scene_clips((70, 50), fps=(30.0, None))
    poses = lifted_poses(result, clips)
    assert poses.frame == "world" and poses.reason is None and poses.axes["z"].startswith("up")
    first, second = poses.sequences
    assert (first.name, first.fps, first.num_frames) == ("seq0", 30.0, 70)
    assert (second.name, second.fps, second.fps_or_default(), second.num_frames) == ("seq1", None, 50.0, 50)
    assert first.world is second.world and first.floor is second.floor
    np.testing.assert_allclose(first.absolute[0, 0, :2], 0.0, atol=1e-6)  # origin below the first root
    camera = result.absolute_mm.astype(np.float64)
    np.testing.assert_allclose(second.absolute, first.world.to_world(camera[70:]), atol=1e-9)
    np.testing.assert_allclose(
        second.root_relative, second.absolute - second.absolute[:, :1], atol=1e-3
    )  # float32 lift
    np.testing.assert_allclose(second.intrinsics, clips.camera[1])
    assert second.image_size == (1000, 1000)


def test_one_camera_without_a_floor_puts_the_whole_file_in_camera_coordinates():
    clips, result = scene_clips((70, 50))
    other = make_clips((30,), seed=3)  # a random jittering pose: no floor
    other_camera = other.camera.copy()
    other_camera[0, 0] += 100.0  # another camera
    clips = dataclasses.replace(
        clips,
        keypoints_2d=np.concatenate([clips.keypoints_2d, other.keypoints_2d]),
        seq_index=np.concatenate([clips.seq_index, other.seq_index + 2]),
        camera=np.concatenate([clips.camera, other_camera]),
        image_size=np.concatenate([clips.image_size, other.image_size]),
        joints_3d=None,
        fps=None,
        seq_name=np.array(["walk/a", "walk/b", "other"]),
    )
    result = lift_result(np.concatenate([result.absolute_mm, other.joints_3d]))
    assert camera_groups(clips) == [[0, 1], [2]]
    poses = lifted_poses(result, clips)
    assert poses.frame == "camera"
    assert poses.reason.startswith("other: the feet stay within ")
    assert all(s.world is None and s.floor is None and s.fps is None for s in poses.sequences)
    np.testing.assert_allclose(poses.sequences[2].absolute, other.joints_3d, atol=1e-4)
    np.testing.assert_allclose(poses.sequences[0].root_relative, result.root_relative_mm[:70], atol=1e-4)


@pytest.mark.parametrize("world", [False, True], ids=["camera-asked", "no-absolute"])
def test_camera_coordinates_when_asked_or_without_a_root(world):
    clips, result = scene_clips((40,), fps=(25.0,))
    if world:
        result = dataclasses.replace(result, absolute_mm=None)
    poses = lifted_poses(result, clips, world=world)
    assert poses.frame == "camera"
    assert poses.reason == ("no absolute poses (the root positions are unknown)" if world else None)
    (seq,) = poses.sequences
    if world:
        assert seq.absolute is None and not poses.has_absolute
        np.testing.assert_array_equal(seq.positions, seq.root_relative)
    else:
        np.testing.assert_allclose(seq.positions, result.absolute_mm, atol=1e-4)


@pytest.mark.parametrize("up", [(0.0, 0.0, 1.0), (0.0, 1.0, 0.0), (0.0, 0.0, -1.0)])
def test_a_calibrations_world_is_turned_so_that_its_up_is_z(up):
    angle = 0.4
    rotation = np.array([[1, 0, 0], [0, np.cos(angle), -np.sin(angle)], [0, np.sin(angle), np.cos(angle)]])
    translation = np.array([100.0, -50.0, 3000.0])
    frame = calibration_world(rotation, translation, np.array(up))
    world_point = np.array([0.3, -0.2, 0.5]) * 1000 + 500 * np.array(up)
    camera_point = rotation @ world_point + translation
    turned = frame.to_world(camera_point)
    np.testing.assert_allclose(turned @ np.array([0, 0, 1.0]), world_point @ np.array(up), atol=1e-9)  # height kept
    np.testing.assert_allclose(np.linalg.norm(turned), np.linalg.norm(world_point), atol=1e-9)
