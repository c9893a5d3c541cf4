"""Converters, each tested on small files written here in the original public layout."""

import numpy as np
import pytest

from posynda import camera
from posynda.data import convert, h36m_cameras, load_clips, save_clips
from posynda.errors import InputError
from posynda.skeleton import MPI_INF_3DHP_TO_H36M, SPIN24_TO_H36M


# --------------------------------------------------------------------------------- Human3.6M
def h36m_world(n, seed):
    """A standing body ~5 m in front of the capture-space centre, world metres (z up in H36M)."""
    rng = np.random.default_rng(seed)
    world = rng.normal(size=(n, 32, 3)) * 0.25 + np.array([0.0, 0.0, 1.0])
    return world.astype(np.float32)


@pytest.fixture
def h36m_files(tmp_path):
    positions = {
        s: {a: h36m_world(20 + 5 * i, i) for i, a in enumerate(["Walking", "Sitting 1"])} for s in ("S1", "S9")
    }
    positions["S9"]["Walking"][:, 14] = [0.1, 0.2, 1.5]  # marker on mocap joint 14 -> kept index 9 (neck/nose)
    path_3d = tmp_path / "data_3d_h36m.npz"
    np.savez(path_3d, positions_3d=positions)
    positions_2d = {}
    for s, actions in positions.items():
        positions_2d[s] = {}
        for a, world in actions.items():
            cams = []
            for c in range(4):
                joints = convert.h36m_world_to_camera(world[:, list(convert.H36M_KEPT_JOINTS)], s, c)
                kp = camera.project(joints, convert.h36m_intrinsics(c)[0].astype(np.float64))
                cams.append(np.concatenate([kp, kp[:3]]).astype(np.float32) + 0.25)  # longer than mocap, offset
            positions_2d[s][a] = cams
    path_2d = tmp_path / "data_2d_h36m_gt.npz"
    np.savez(path_2d, positions_2d=positions_2d, metadata={"num_joints": 17})
    return path_3d, path_2d, positions


def test_h36m_gt_projection_units_and_joint_selection(h36m_files, tmp_path):
    path_3d, _, positions = h36m_files
    clips = convert.convert_h36m(path_3d)
    assert clips.num_sequences == 2 * 2 * 4
    names = clips.sequence_names()
    assert "S9/Walking.54138969" in names and "S1/Sitting 1.60457274" in names
    seq = names.index("S9/Walking.58860488")
    frames = np.flatnonzero(clips.seq_index == seq)
    marker = convert.h36m_world_to_camera(np.array([[[0.1, 0.2, 1.5]]]), "S9", 2)[0, 0]
    np.testing.assert_allclose(clips.joints_3d[frames, 9], np.repeat(marker[None], len(frames), 0), atol=0.05)
    assert 2000 < np.median(clips.joints_3d[..., 2]) < 8000  # mm, in front of the camera
    reproj = camera.project(clips.joints_3d.astype(np.float64), clips.camera[clips.seq_index].astype(np.float64))
    np.testing.assert_allclose(reproj, clips.keypoints_2d, atol=1e-3)
    assert tuple(clips.image_size[0]) == (1000, 1002)
    load_clips(save_clips(tmp_path / "h36m.npz", clips))


def test_h36m_2d_file_is_truncated_to_mocap_and_subjects_filter(h36m_files):
    path_3d, path_2d, positions = h36m_files
    clips = convert.convert_h36m(path_3d, path_2d, subjects=["S9"])
    assert all(n.startswith("S9/") for n in clips.sequence_names())
    assert clips.num_frames == 4 * (20 + 25)
    reproj = camera.project(clips.joints_3d.astype(np.float64), clips.camera[clips.seq_index].astype(np.float64))
    np.testing.assert_allclose(clips.keypoints_2d - reproj, 0.25, atol=2e-3)  # the file's 2D, not the projection
    with pytest.raises(InputError, match="S2"):
        convert.convert_h36m(path_3d, subjects=["S2"])


def test_h36m_world_to_camera_is_a_rigid_motion():
    world = np.random.default_rng(0).normal(size=(1, 17, 3))
    cam = convert.h36m_world_to_camera(world, "S11", 1)
    d_world = np.linalg.norm(world[0, 1:] - world[0, :1], axis=-1) * 1000
    d_cam = np.linalg.norm(cam[0, 1:] - cam[0, :1], axis=-1)
    np.testing.assert_allclose(d_cam, d_world, rtol=1e-9)
    q, t = h36m_cameras.EXTRINSICS["S11"][1]
    np.testing.assert_allclose(convert.h36m_world_to_camera(np.asarray(t)[None, None] / 1000, "S11", 1), 0, atol=1e-6)


# ------------------------------------------------------------------------------ MPI-INF-3DHP
def body_3dhp(n, seed, depth=4000.0):
    rng = np.random.default_rng(seed)
    joints = rng.normal(size=(n, 17, 3)) * 300 + np.array([100.0, -50.0, depth])
    return joints


def project_px(joints, f, cx, cy):
    return np.stack([f * joints[..., 0] / joints[..., 2] + cx, f * joints[..., 1] / joints[..., 2] + cy], -1)


def test_3dhp_test_layout(tmp_path):
    data = {}
    for name, (f, cx, cy, _, _) in convert.MPI_INF_3DHP_TEST_CAMERAS.items():
        j3d = body_3dhp(30, int(name[2]))
        j3d[:, 0] = [11.0, 22.0, 4100.0]  # marker on 3DHP head_top -> H36M head (10)
        data[name] = {"data_2d": project_px(j3d, f, cx, cy), "data_3d": j3d, "valid": np.r_[np.ones(25), np.zeros(5)]}
    path = tmp_path / "data_test_3dhp.npz"
    np.savez(path, data=data)
    clips = convert.convert_3dhp(path)
    assert clips.sequence_names() == [f"TS{i}" for i in range(1, 7)]
    assert [tuple(s) for s in clips.image_size] == [(2048, 2048)] * 4 + [(1920, 1080)] * 2
    assert clips.valid.sum() == 6 * 25
    np.testing.assert_allclose(clips.joints_3d[:, 10], np.tile([11.0, 22.0, 4100.0], (180, 1)))
    reproj = camera.project(clips.joints_3d.astype(np.float64), clips.camera[clips.seq_index].astype(np.float64))
    np.testing.assert_allclose(reproj, clips.keypoints_2d, atol=1e-2)


def test_3dhp_train_layout_fits_intrinsics_and_restores_absolute_3d(tmp_path):
    f, cx, cy = 1497.7, 1020.5, 1039.1
    j3d = body_3dhp(40, 7)
    kp = project_px(j3d, f, cx, cy)
    relative = j3d.copy()
    mask = np.arange(17) != 14
    relative[:, mask] -= j3d[:, 14:15]  # the root-relative layout some loaders write
    data = {"S1 Seq1": [{"0": {"data_2d": kp, "data_3d": relative}, "2": {"data_2d": kp, "data_3d": j3d}}, 50]}
    path = tmp_path / "data_train_3dhp.npz"
    np.savez(path, data=data)
    clips = convert.convert_3dhp(path)
    assert clips.sequence_names() == ["S1 Seq1/cam0", "S1 Seq1/cam2"]
    for s in range(2):
        np.testing.assert_allclose(clips.camera[s, :4], [f, f, cx, cy], rtol=1e-3, atol=0.5)
    np.testing.assert_allclose(clips.joints_3d[:40], clips.joints_3d[40:], atol=1e-3)
    np.testing.assert_allclose(clips.joints_3d[:40], j3d[:, list(MPI_INF_3DHP_TO_H36M)], atol=1e-3)
    assert clips.fps.tolist() == [50.0, 50.0]


def test_3dhp_train_with_mismatched_2d_is_refused(tmp_path):
    j3d = body_3dhp(10, 1)
    data = {"S2 Seq2": [{"0": {"data_2d": np.random.default_rng(0).uniform(0, 2048, (10, 17, 2)), "data_3d": j3d}}, 25]}
    path = tmp_path / "bad_train.npz"
    np.savez(path, data=data)
    with pytest.raises(InputError, match="do not correspond"):
        convert.convert_3dhp(path)


# --------------------------------------------------------------------------------------- 3DPW
def test_3dpw_grouping_visibility_and_remap(tmp_path):
    f, cx, cy = convert.THREEDPW_INTRINSICS[0], 540.0, 960.0
    names, parts, s3d = [], [], []
    rng = np.random.default_rng(3)
    for seq, people in (("downtown_walking_00", 2), ("office_phoneCall_00", 1)):
        for frame in range(6):
            for person in range(people):
                joints = rng.normal(size=(24, 3)) * 0.3 + np.array([0.5 * person, 0.0, 4.0])
                joints[14] = [0.5 * person, 0.0, 4.0]  # pelvis
                uv = np.stack([f * joints[:, 0] / joints[:, 2] + cx, 1969.2 * joints[:, 1] / joints[:, 2] + cy], -1)
                vis = np.ones((24, 1))
                vis[3] = 0 if frame == 2 else 1  # SPIN l_hip invisible in frame 2
                names.append(f"imageFiles/{seq}/image_{frame:05d}.jpg")
                parts.append(np.concatenate([uv, vis], 1))
                s3d.append(np.concatenate([joints, np.ones((24, 1))], 1))
    path = tmp_path / "3dpw_test.npz"
    np.savez(path, imgname=np.array(names), part=np.array(parts), S=np.array(s3d), pose=np.zeros((len(names), 72)))
    clips = convert.convert_3dpw(path)
    assert clips.sequence_names() == [
        "downtown_walking_00/person0",
        "downtown_walking_00/person1",
        "office_phoneCall_00/person0",
    ]
    assert clips.num_frames == 18
    assert np.isnan(clips.keypoints_2d[2, 4]).all() and clips.confidence[2, 4] == 0  # l_hip in frame 2
    p1 = np.flatnonzero(clips.seq_index == 1)
    np.testing.assert_allclose(clips.joints_3d[p1, 0, 0], 500.0, atol=1e-3)  # second person's pelvis, mm
    np.testing.assert_allclose(clips.joints_3d[0], np.array(s3d[0])[list(SPIN24_TO_H36M), :3] * 1000, atol=1e-3)


def test_3dpw_root_centred_3d_is_placed_from_the_2d(tmp_path):
    rng = np.random.default_rng(5)
    joints = rng.normal(size=(4, 24, 3)) * 0.3 + np.array([0.2, 0.1, 5.0])
    joints[:, 14] = [0.2, 0.1, 5.0]
    fx, fy, cx, cy = convert.THREEDPW_INTRINSICS
    uv = np.stack([fx * joints[..., 0] / joints[..., 2] + cx, fy * joints[..., 1] / joints[..., 2] + cy], -1)
    centred = joints - joints[:, 14:15]
    path = tmp_path / "centred.npz"
    np.savez(
        path,
        imgname=np.array([f"imageFiles/a_00/image_{i:05d}.jpg" for i in range(4)]),
        part=np.concatenate([uv, np.ones((4, 24, 1))], -1),
        S=np.concatenate([centred, np.ones((4, 24, 1))], -1),
    )
    clips = convert.convert_3dpw(path)
    np.testing.assert_allclose(clips.joints_3d[:, 0], np.tile([200.0, 100.0, 5000.0], (4, 1)), atol=1.0)


# ------------------------------------------------------------------------------- bad inputs
def write(tmp_path, name, **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


BAD = [
    ("h36m missing key", lambda t: convert.convert_h36m(write(t, "a.npz", other=np.zeros(3))), "positions_3d"),
    (
        "h36m joint count",
        lambda t: convert.convert_h36m(write(t, "b.npz", positions_3d={"S1": {"W": np.zeros((5, 17, 3))}})),
        "32",
    ),
    ("3dhp missing key", lambda t: convert.convert_3dhp(write(t, "c.npz", stuff=np.zeros(2))), "data"),
    (
        "3dhp joint count",
        lambda t: convert.convert_3dhp(
            write(t, "d.npz", data={"TS1": {"data_2d": np.zeros((4, 16, 2)), "data_3d": np.ones((4, 16, 3))}})
        ),
        "17",
    ),
    (
        "3dpw joint count",
        lambda t: convert.convert_3dpw(write(t, "e.npz", imgname=np.array(["x/a/1.jpg"]), part=np.zeros((1, 17, 3)))),
        "part",
    ),
    ("truncated", lambda t: convert.convert_3dpw(_truncated(t)), "not a readable"),
    ("missing file", lambda t: convert.convert_h36m(t / "absent.npz"), "no such file"),
]


def _truncated(tmp_path):
    good = write(tmp_path, "good.npz", imgname=np.array(["x/a/1.jpg"]), part=np.zeros((1, 24, 3)))
    bad = tmp_path / "trunc.npz"
    bad.write_bytes(good.read_bytes()[:100])
    return bad


@pytest.mark.parametrize("case,call,needle", BAD, ids=[b[0] for b in BAD])
def test_bad_inputs_name_the_problem(tmp_path, case, call, needle):
    with pytest.raises(InputError) as err:
        call(tmp_path)
    assert needle in str(err.value) and "\n" not in str(err.value)
