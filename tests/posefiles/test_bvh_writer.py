"""BVH writing: the rotation helpers, and the round trip through posynda's reader and forward kinematics
(bone directions as lifted, bone lengths constant, the root where it was lifted, axes and units as stated)."""

import json

import numpy as np
import pytest

from posynda.data.bvh import read_bvh
from posynda.errors import InputError
from posynda.posefiles import bvh_writer as bw
from posynda.posefiles import write_poses
from posynda.posefiles.poses import lifted_poses
from posynda.skeleton import H36M_JOINT_NAMES, H36M_PARENTS
from tests.helpers.clips import make_clips
from tests.helpers.posefiles import lift_result, scene_clips

ORDERS = ["ZXY", "ZYX", "YZX", "XYZ", "YXZ", "XZY"]


@pytest.mark.parametrize("order", ORDERS)
def test_euler_angles_rebuild_the_rotation_even_at_gimbal_lock(order):
    rng = np.random.default_rng(0)
    angles = np.column_stack([rng.uniform(-180, 180, 300), rng.uniform(-90, 90, 300), rng.uniform(-180, 180, 300)])
    angles[:3, 1], angles[3:6, 1] = 90.0, -90.0
    rotations = bw.from_euler(angles, order)
    back = bw.to_euler(rotations, order)
    np.testing.assert_allclose(bw.from_euler(back, order), rotations, atol=1e-9)
    np.testing.assert_allclose(back[6:], angles[6:], atol=1e-7)  # unique away from the lock


def test_from_euler_applies_the_channels_in_the_order_listed():
    ninety = np.array([[90.0, 90.0, 0.0]])  # ZXY: R = Rz(90) @ Rx(90)
    np.testing.assert_allclose(bw.from_euler(ninety, "ZXY")[0] @ [0, 1, 0], [0, 0, 1], atol=1e-12)


@pytest.mark.parametrize(
    "a, b",
    [([0, 1, 0], [1, 2, 3]), ([1, 0, 0], [-1, 0, 0]), ([0, -1, 0], [0, 1, 0]), ([0, 0, 2], [0, 0, 5])],
    ids=["general", "opposite-x", "opposite-y", "same"],
)
def test_swing_is_the_smallest_rotation_from_a_to_b(a, b):
    a, b = np.asarray([a], float), np.asarray([b], float)
    r = bw.swing(a, b)[0]
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(r) == pytest.approx(1.0)
    np.testing.assert_allclose(r @ (a[0] / np.linalg.norm(a)), b[0] / np.linalg.norm(b), atol=1e-12)
    angle = np.degrees(np.arccos(np.clip((np.trace(r) - 1) / 2, -1, 1)))
    expected = np.degrees(np.arccos(np.clip(a[0] @ b[0] / np.linalg.norm(a) / np.linalg.norm(b), -1, 1)))
    assert angle == pytest.approx(expected, abs=1e-6)


def test_swing_of_a_zero_bone_is_no_rotation():
    np.testing.assert_array_equal(bw.swing(np.zeros((1, 3)), np.ones((1, 3)))[0], np.eye(3))


def test_two_directions_puts_y_on_the_primary_and_x_towards_the_secondary():
    primary, secondary = np.array([[0.2, 1.0, 0.3]]), np.array([[1.0, 0.5, -0.2]])
    r = bw.two_directions(primary, secondary)[0]
    np.testing.assert_allclose(r @ [0, 1, 0], primary[0] / np.linalg.norm(primary), atol=1e-12)
    x = r @ [1, 0, 0]
    assert x @ secondary[0] > 0 and abs(np.cross(primary[0], secondary[0]) @ x) < 1e-12  # in their plane
    assert np.linalg.det(r) == pytest.approx(1.0)
    parallel = bw.two_directions(primary, 2 * primary)[0]  # no second direction: the swing
    np.testing.assert_allclose(parallel, bw.swing(np.array([[0.0, 1, 0]]), primary)[0], atol=1e-12)


def constant_bones(points, lengths):
    """``points [F, 17, 3]`` rebuilt from the root with each bone's direction and ``lengths[joint]``."""
    out = points.copy()
    for j, p in enumerate(H36M_PARENTS):
        if p >= 0:
            d = points[:, j] - points[:, p]
            out[:, j] = out[:, p] + d / np.linalg.norm(d, axis=-1, keepdims=True) * lengths[j]
    return out


def _fk_joints(path):
    motion = read_bvh(path)
    kin = motion.kinematics()
    return motion, np.stack([kin.positions[:, motion.names.index(n)] for n in H36M_JOINT_NAMES], axis=1)


def _angles_deg(a, b):
    cos = np.einsum("...k,...k", a, b) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def _walk():
    clips, result = scene_clips((90,), fps=(30.0,), noise=10.0)
    return clips, result, "world"


def _random():  # make_clips' jittering random skeletons, one without a frame rate: the camera frame
    clips = make_clips((40,), seed=2)
    return clips, lift_result(clips.joints_3d), "camera"


@pytest.mark.parametrize("make", [_walk, _random], ids=["walk-world", "random-camera"])
def test_the_bvh_round_trips_through_posyndas_reader_and_forward_kinematics(tmp_path, make):
    clips, result, frame = make()
    written = write_poses(tmp_path / "take.bvh", result, clips)
    assert written.frame == frame and written.paths == (tmp_path / "take.bvh", tmp_path / "take.bvh.json")
    (seq,) = lifted_poses(result, clips).sequences
    lifted = bw.to_bvh_axes(seq.absolute, frame)  # cm, y up
    motion, joints = _fk_joints(tmp_path / "take.bvh")
    assert motion.num_frames == seq.num_frames
    assert motion.frame_time == pytest.approx(1 / 30 if frame == "world" else 1 / 50, abs=1e-8)
    assert set(H36M_JOINT_NAMES) <= set(motion.names) and motion.names[0] == "pelvis"
    bones = [(j, p) for j, p in enumerate(H36M_PARENTS) if p >= 0]
    # bone directions as lifted
    got = np.stack([joints[:, j] - joints[:, p] for j, p in bones], axis=1)
    want = np.stack([lifted[:, j] - lifted[:, p] for j, p in bones], axis=1)
    assert _angles_deg(got, want).max() < 0.01
    # bone lengths constant: the median over the sequence
    medians = {j: np.median(np.linalg.norm(lifted[:, j] - lifted[:, p], axis=-1)) for j, p in bones}
    np.testing.assert_allclose(np.linalg.norm(got, axis=-1), np.tile([medians[j] for j, _ in bones], (len(got), 1)),
                               atol=2e-4)  # fmt: skip
    # positions: the lifted poses with those lengths, within 0.01 mm (the file's 4 decimals)
    np.testing.assert_allclose(joints, constant_bones(lifted, medians), atol=1e-3)
    # the root where it was lifted, in the stated axes: Y up, cm
    np.testing.assert_allclose(joints[:, 0], lifted[:, 0], atol=1e-4)
    if frame == "world":
        np.testing.assert_allclose(joints[:, 0, 1], seq.absolute[:, 0, 2] / 10, atol=1e-4)  # Y = world z
        assert joints[0, 0, 0] == pytest.approx(0, abs=1e-4) and joints[0, 0, 2] == pytest.approx(0, abs=1e-4)
    else:
        np.testing.assert_allclose(joints[:, 0], seq.absolute[:, 0] * [0.1, -0.1, -0.1], atol=1e-4)
    side = json.loads((tmp_path / "take.bvh.json").read_text())
    assert side["format"] == "posynda-bvh-v1" and side["frame"] == frame and side["units"] == "cm"
    assert side["up"] == "Y" and side["floor_found"] == (frame == "world")
    assert side["files"][0]["file"] == "take.bvh" and side["files"][0]["frames"] == seq.num_frames
    assert side["files"][0]["bone_lengths_cm"]["r_knee"] == pytest.approx(medians[2], abs=1e-4)


def test_the_hierarchy_channels_and_end_sites(tmp_path):
    clips, result, _ = _walk()
    write_poses(tmp_path / "t.bvh", result, clips)
    motion = read_bvh(tmp_path / "t.bvh")
    by_name = {j.name: j for j in motion.joints}
    assert by_name["pelvis"].channels == ["Xposition", "Yposition", "Zposition", "Yrotation", "Zrotation", "Xrotation"]
    assert by_name["r_knee"].channels == ["Zrotation", "Yrotation", "Xrotation"]  # along Y: twist in the middle
    assert by_name["l_elbow"].channels == ["Zrotation", "Xrotation", "Yrotation"]  # along X
    names = motion.names
    assert names[by_name["r_hip"].parent] == "r_hipbone" and names[by_name["r_hipbone"].parent] == "pelvis"
    assert names[by_name["l_shoulder"].parent] == "l_collar" and names[by_name["l_collar"].parent] == "thorax"
    np.testing.assert_array_equal(by_name["r_hipbone"].offset, 0.0)
    np.testing.assert_array_equal(by_name["r_ankle"].end_site, [0, 0, bw.FOOT_CM])
    assert [n for n in names if by_name[n].end_site is not None] == ["r_ankle", "l_ankle", "head", "l_wrist", "r_wrist"]
    leaves = motion.motion[:, [by_name[n].channel_start + k for n in ("head", "l_wrist") for k in range(3)]]
    np.testing.assert_array_equal(leaves, 0.0)  # leaves do not turn on their own


def test_several_sequences_become_one_file_each_beside_the_requested_one(tmp_path):
    clips, result = scene_clips((50, 40, 30), fps=(30.0, 60.0, None))
    clips.seq_name = np.array(["S1/Walk 1", "cam/person1", "x"])
    written = write_poses(tmp_path / "out.bvh", result, clips)
    names = [p.name for p in written.paths]
    assert names == ["out.bvh", "out_1_cam-person1.bvh", "out_2_x.bvh", "out.bvh.json"]
    assert written.summary() == (
        f"{tmp_path / 'out.bvh'} (+ 3 more beside it: out_1_cam-person1.bvh, out_2_x.bvh, out.bvh.json) "
        "(world coordinates, floor at y = 0, cm)"
    )
    side = json.loads((tmp_path / "out.bvh.json").read_text())
    assert [(f["file"], f["sequence"], f["fps"], f["frames"]) for f in side["files"]] == [
        ("out.bvh", "S1/Walk 1", 30.0, 50),
        ("out_1_cam-person1.bvh", "cam/person1", 60.0, 40),
        ("out_2_x.bvh", "x", None, 30),
    ]
    poses = lifted_poses(result, clips).sequences
    for path, seq, fps in zip(written.paths, poses, (30, 60, 50)):
        motion, joints = _fk_joints(path)
        assert motion.fps == pytest.approx(fps)
        np.testing.assert_allclose(joints[:, 0], bw.to_bvh_axes(seq.absolute, "world")[:, 0], atol=1e-4)


def test_a_frame_with_a_missing_joint_repeats_the_nearest_finite_one():
    points = np.random.default_rng(0).normal(size=(5, 17, 3)) * 30
    points[0, 4] = points[3, 2] = np.nan
    take = bw.solve_take(points, 50.0)
    np.testing.assert_array_equal(take.motion[0], take.motion[1])
    np.testing.assert_array_equal(take.motion[3], take.motion[2])
    points[:] = np.nan
    with pytest.raises(InputError, match="no frame with every joint finite"):
        bw.solve_take(points, 50.0, "x.bvh")
