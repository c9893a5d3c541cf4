"""Converters, each tested on small files written here in the original public layout.

Expected values are computed independently of posynda.data.convert: the Human3.6M world->camera
transform with VideoPose3D's quaternion formula, the joint selections and orders hard-coded here.
"""

import logging

import numpy as np
import pytest

from posynda import camera
from posynda.data import convert, h36m_cameras, load_clips, save_clips
from posynda.errors import InputError

# VideoPose3D's kept joints (32 -> 17), the 3DHP->H36M and SPIN24->H36M gathers: h36m[i] = src[m[i]].
KEPT_32 = [0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27]
FROM_3DHP = [14, 8, 9, 10, 11, 12, 13, 15, 1, 16, 0, 5, 6, 7, 2, 3, 4]
FROM_SPIN24 = [14, 2, 1, 0, 3, 4, 5, 16, 15, 17, 18, 9, 10, 11, 8, 7, 6]
CAM_IDS = ["54138969", "55011271", "58860488", "60457274"]


def reprojection(clips):
    """``[N, 17, 2]`` projection of the clips' 3D with their own intrinsics."""
    cams = clips.camera[clips.seq_index].astype(np.float64)
    return camera.project(clips.joints_3d.astype(np.float64), cams)


def frames_of(clips, name):
    return np.flatnonzero(clips.seq_index == clips.sequence_names().index(name))


# --------------------------------------------------------------------------------- Human3.6M
def qrot(q, v):
    """VideoPose3D ``qrot``: rotate ``v [..., 3]`` by the quaternion ``q = (w, x, y, z)``."""
    uv = np.cross(q[1:], v)
    return v + 2 * (q[0] * uv + np.cross(q[1:], uv))


def vp3d_camera_mm(world_m, subject, cam):
    """VideoPose3D ``world_to_camera`` (rotate X - t by the inverse quaternion), in mm."""
    q, t = (np.asarray(a, np.float64) for a in h36m_cameras.EXTRINSICS[subject][cam])
    return qrot(q * [1, -1, -1, -1], np.asarray(world_m, np.float64) - t / 1000.0) * 1000.0


def h36m_intrinsics(cam):
    fx, fy, cx, cy, k1, k2, k3, p1, p2, w, h = h36m_cameras.INTRINSICS[CAM_IDS[cam]]
    return np.array([fx, fy, cx, cy, k1, k2, k3, p1, p2]), (w, h)


def h36m_world(n, seed):
    """A body in the capture volume: world metres, z up, around (0, 0, 0.9)."""
    rng = np.random.default_rng(seed)
    body = rng.normal(size=(32, 3)) * [0.2, 0.2, 0.4]
    drift = np.linspace(0, 1, n)[:, None, None] * [0.5, -0.3, 0.0]
    return (body + drift + rng.normal(size=(n, 32, 3)) * 0.02 + [0.0, 0.0, 0.9]).astype(np.float32)


MOCAP_LENGTHS = {"Walking": 20, "Sitting 1": 25}


@pytest.fixture
def h36m_files(tmp_path):
    """``data_3d_h36m.npz`` (S1, S9 x 2 actions, 32 joints) and a GT ``data_2d_h36m_gt.npz`` 3 frames longer."""
    positions = {
        s: {a: h36m_world(n, seed=10 * k + i) for i, (a, n) in enumerate(MOCAP_LENGTHS.items())}
        for k, s in enumerate(("S1", "S9"))
    }
    positions["S9"]["Walking"][:, 14] = [0.1, 0.2, 1.5]  # markers: mocap joint 14 -> H36M 9 (neck/nose)
    positions["S9"]["Walking"][:, 25] = [-0.2, 0.1, 1.4]  # mocap joint 25 -> H36M 14 (r_shoulder)
    positions_2d = {}
    for s, actions in positions.items():
        positions_2d[s] = {}
        for a, world in actions.items():
            longer = np.concatenate([world, world[:3] + 0.05])[:, KEPT_32]
            positions_2d[s][a] = [
                camera.project(vp3d_camera_mm(longer, s, c), h36m_intrinsics(c)[0]).astype(np.float32) for c in range(4)
            ]
    positions_2d["S9"]["Walking"][2][0, 5] = [111.0, 222.0]  # a "detector" value the converter must keep
    path_3d, path_2d = tmp_path / "data_3d_h36m.npz", tmp_path / "data_2d_h36m_gt.npz"
    np.savez(path_3d, positions_3d=positions)
    metadata = {"layout_name": "h36m", "num_joints": 17, "keypoints_symmetry": [[4, 5, 6, 11, 12, 13], [1, 2, 3]]}
    np.savez(path_2d, positions_2d=positions_2d, metadata=metadata)
    return path_3d, path_2d, positions


def test_h36m_gt_2d_is_the_projection_in_camera_frame_mm(h36m_files):
    path_3d, _, positions = h36m_files
    clips = convert.convert_h36m(path_3d)
    names = clips.sequence_names()
    assert names == [f"{s}/{a}.{c}" for s in ("S1", "S9") for a in ("Sitting 1", "Walking") for c in CAM_IDS]
    assert clips.fps.tolist() == [50.0] * 16 and clips.valid is None and clips.confidence is None
    for s in ("S1", "S9"):
        for a, n in MOCAP_LENGTHS.items():
            for c, cam_id in enumerate(CAM_IDS):
                rows = frames_of(clips, f"{s}/{a}.{cam_id}")
                assert len(rows) == n
                expected = vp3d_camera_mm(positions[s][a][:, KEPT_32], s, c)  # camera frame, absolute, mm
                np.testing.assert_allclose(clips.joints_3d[rows], expected, atol=0.02)
                intr, size = h36m_intrinsics(c)
                seq = clips.seq_index[rows[0]]
                np.testing.assert_allclose(clips.camera[seq], intr, rtol=1e-6)
                assert tuple(clips.image_size[seq]) == size
    np.testing.assert_allclose(reprojection(clips), clips.keypoints_2d, atol=1e-3)
    # the real calibration puts a body at the capture-space centre 3-7 m in front of every camera, in view
    assert 3000 < clips.joints_3d[..., 2].min() and clips.joints_3d[..., 2].max() < 7000
    size = clips.image_size[clips.seq_index]
    assert (clips.keypoints_2d > 0).all() and (clips.keypoints_2d < size[:, None]).all()


def test_h36m_joint_selection_and_units(h36m_files):
    path_3d, _, positions = h36m_files
    clips = convert.convert_h36m(path_3d, subjects=["S9"])
    rows = frames_of(clips, "S9/Walking.58860488")
    for h36m_joint, marker in ((9, [0.1, 0.2, 1.5]), (14, [-0.2, 0.1, 1.4])):  # from mocap joints 14 and 25
        expected = vp3d_camera_mm(np.array(marker), "S9", 2)
        np.testing.assert_allclose(clips.joints_3d[rows, h36m_joint], np.broadcast_to(expected, (20, 3)), atol=0.02)
    # a rigid motion in mm: camera-frame distances are the world distances x 1000
    world = positions["S9"]["Walking"][:, KEPT_32].astype(np.float64)
    np.testing.assert_allclose(
        np.linalg.norm(clips.joints_3d[rows] - clips.joints_3d[rows][:, :1], axis=-1),
        np.linalg.norm(world - world[:, :1], axis=-1) * 1000.0,
        atol=0.05,
    )


def test_h36m_world_to_camera_matches_videopose3d_for_every_camera():
    world = np.random.default_rng(0).normal(size=(5, 17, 3))
    for subject in h36m_cameras.EXTRINSICS:
        for cam in range(4):
            np.testing.assert_allclose(
                convert.h36m_world_to_camera(world, subject, cam), vp3d_camera_mm(world, subject, cam), atol=1e-3
            )


def test_h36m_2d_file_is_used_and_truncated_to_the_mocap(h36m_files):
    path_3d, path_2d, _ = h36m_files
    clips = convert.convert_h36m(path_3d, path_2d)
    assert clips.num_frames == 2 * 4 * sum(MOCAP_LENGTHS.values())  # not the 3 extra 2D frames
    rows = frames_of(clips, "S9/Walking.58860488")
    np.testing.assert_array_equal(clips.keypoints_2d[rows[0], 5], [111.0, 222.0])  # from the file, not projected
    err = np.abs(reprojection(clips) - clips.keypoints_2d)
    err[rows[0], 5] = 0
    assert err.max() < 1e-3


def test_h36m_subjects_filter(h36m_files):
    path_3d, path_2d, _ = h36m_files
    for subjects in (["S9"], "S9"):
        clips = convert.convert_h36m(path_3d, path_2d, subjects=subjects)
        assert {n.split("/")[0] for n in clips.sequence_names()} == {"S9"}
        assert clips.num_frames == 4 * sum(MOCAP_LENGTHS.values())
    for unknown in ("S2", "S11"):  # S2: no calibration and not in the file; S11: not in the file
        with pytest.raises(InputError, match=unknown) as err:
            convert.convert_h36m(path_3d, subjects=["S9", unknown])
        assert "data_3d_h36m.npz" in str(err.value)


def test_h36m_coco_layout_2d_is_converted(h36m_files, tmp_path):
    path_3d, _, positions = h36m_files
    coco = {
        s: {a: [np.random.default_rng(c).uniform(0, 1000, (len(w), 17, 2)) for c in range(4)] for a, w in acts.items()}
        for s, acts in positions.items()
    }
    path_2d = tmp_path / "data_2d_h36m_detectron_pt_coco.npz"
    np.savez(path_2d, positions_2d=coco, metadata={"layout_name": "coco", "num_joints": 17})
    clips = convert.convert_h36m(path_3d, path_2d, subjects=["S1"])
    rows = frames_of(clips, "S1/Walking.55011271")
    src = coco["S1"]["Walking"][1]
    np.testing.assert_allclose(clips.keypoints_2d[rows, 0], (src[:, 11] + src[:, 12]) / 2, rtol=1e-6)  # mid-hips
    np.testing.assert_allclose(clips.keypoints_2d[rows, 16], src[:, 10], rtol=1e-6)  # r_wrist


# ------------------------------------------------------------------------------ MPI-INF-3DHP
def body_3dhp(n, seed, depth=4000.0):
    """Absolute camera-frame mm, 3DHP-17 order, each joint distinct."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 17, 3)) * 300 + np.array([100.0, -50.0, depth])


def project_px(joints, fx, fy, cx, cy):
    return np.stack([fx * joints[..., 0] / joints[..., 2] + cx, fy * joints[..., 1] / joints[..., 2] + cy], -1)


def root_relative(j3d):
    """The loaders' layout: every joint but the pelvis (14) relative to it; the pelvis keeps the trajectory."""
    out = j3d.copy()
    out[:, np.arange(17) != 14] -= j3d[:, 14:15]
    return out


TEST_CAMS = {
    **{f"TS{i}": ((1500.172, 1017.387, 1043.032), (2048, 2048)) for i in range(1, 5)},
    **{f"TS{i}": ((1683.983, 939.858, 560.141), (1920, 1080)) for i in (5, 6)},
}


def write_3dhp_test(tmp_path, relative=False):
    data, truth = {}, {}
    for name, ((f, cx, cy), _) in TEST_CAMS.items():
        j3d = body_3dhp(30, int(name[2]))
        valid = np.ones(30)
        valid[[3, 4, 20]] = 0
        truth[name] = j3d
        data[name] = {
            "data_2d": project_px(j3d, f, f, cx, cy),
            "data_3d": root_relative(j3d) if relative else j3d,
            "valid": valid,
        }
    path = tmp_path / "data_test_3dhp_ori.npz"
    np.savez(path, data=data)
    return path, truth


def test_3dhp_test_layout(tmp_path):
    path, truth = write_3dhp_test(tmp_path)
    residuals = {}
    clips = convert.convert_3dhp(path, residuals=residuals)
    assert clips.sequence_names() == list(TEST_CAMS)
    for s, (name, ((f, cx, cy), size)) in enumerate(TEST_CAMS.items()):
        assert tuple(clips.image_size[s]) == size
        np.testing.assert_allclose(clips.camera[s], [f, f, cx, cy, 0, 0, 0, 0, 0], rtol=1e-7)
        rows = frames_of(clips, name)
        np.testing.assert_allclose(clips.joints_3d[rows], truth[name][:, FROM_3DHP], rtol=1e-6)  # order remap
        assert clips.valid[rows].tolist() == [i not in (3, 4, 20) for i in range(30)]
        assert residuals[name] < 1e-3
    np.testing.assert_allclose(reprojection(clips), clips.keypoints_2d, atol=1e-3)
    assert clips.fps is None


def test_3dhp_root_relative_layout_is_made_absolute(tmp_path):
    path, truth = write_3dhp_test(tmp_path, relative=True)
    clips = convert.convert_3dhp(path, split="test")
    np.testing.assert_allclose(clips.joints_3d, np.concatenate([t[:, FROM_3DHP] for t in truth.values()]), rtol=1e-6)


def test_3dhp_test_with_inconsistent_3d_is_reported(tmp_path, caplog):
    j3d = body_3dhp(10, 1)
    scaled = j3d[:, 14:15] + (j3d - j3d[:, 14:15]) * 1.4  # like univ_annot3: rescaled about the pelvis
    np.savez(
        tmp_path / "univ.npz",
        data={
            "TS2": {
                "data_2d": project_px(j3d, 1500.172, 1500.172, 1017.387, 1043.032),
                "data_3d": scaled,
                "valid": np.ones(10),
            }
        },
    )
    residuals = {}
    with caplog.at_level(logging.WARNING, logger="posynda.data.convert"):
        convert.convert_3dhp(tmp_path / "univ.npz", residuals=residuals)
    assert residuals["TS2"] > 20 and "univ_annot3" in caplog.text


def test_3dhp_train_layout_fits_intrinsics(tmp_path):
    rng = np.random.default_rng(4)
    cams = {"0": (1497.7, 1499.1, 1020.5, 1039.1), "8": (1512.3, 1511.0, 1030.2, 1011.7)}
    truth, entry = {}, {}
    for k, (cam_id, intr) in enumerate(cams.items()):
        j3d = body_3dhp(60, 7 + k, depth=3500.0 + 500 * k)
        kp = project_px(j3d, *intr) + rng.normal(size=(60, 17, 2)) * 0.3  # annotation noise
        truth[cam_id] = j3d
        entry[cam_id] = {"data_2d": kp, "data_3d": root_relative(j3d) if cam_id == "8" else j3d}
    path = tmp_path / "data_train_3dhp_ori.npz"
    np.savez(path, data={"S2 Seq1": [entry, 50], "S1 Seq2": [{"2": entry["0"]}, 25]})
    residuals = {}
    clips = convert.convert_3dhp(path, residuals=residuals)
    assert clips.sequence_names() == ["S1 Seq2/cam2", "S2 Seq1/cam0", "S2 Seq1/cam8"]
    assert clips.fps.tolist() == [25.0, 50.0, 50.0] and clips.valid is None
    assert [tuple(s) for s in clips.image_size] == [(2048, 2048)] * 3
    for s, cam_id in ((1, "0"), (2, "8")):
        fx, fy, cx, cy = cams[cam_id]
        np.testing.assert_allclose(clips.camera[s, :2], [fx, fy], rtol=1e-3)  # focal within 0.1 %
        np.testing.assert_allclose(clips.camera[s, 2:4], [cx, cy], atol=0.5)  # centre within 0.5 px
        np.testing.assert_array_equal(clips.camera[s, 4:], 0)
        rows = frames_of(clips, f"S2 Seq1/cam{cam_id}")
        np.testing.assert_allclose(clips.joints_3d[rows], truth[cam_id][:, FROM_3DHP], rtol=1e-6)  # absolute again
        assert 0.3 < residuals[f"S2 Seq1/cam{cam_id}"] < 0.6  # the noise, ~0.3 * sqrt(2) px
    assert np.nanmax(np.linalg.norm(reprojection(clips) - clips.keypoints_2d, axis=-1)) < 3.0


def test_3dhp_train_with_mismatched_2d_is_refused(tmp_path):
    j3d = body_3dhp(10, 1)
    kp = np.random.default_rng(0).uniform(0, 2048, (10, 17, 2))
    np.savez(tmp_path / "bad_train.npz", data={"S2 Seq2": [{"0": {"data_2d": kp, "data_3d": j3d}}, 25]})
    with pytest.raises(InputError, match=r"bad_train\.npz.*data\[S2 Seq2\]\[0\].*do not correspond.*px"):
        convert.convert_3dhp(tmp_path / "bad_train.npz")


def test_3dhp_split_argument_is_checked(tmp_path):
    path, _ = write_3dhp_test(tmp_path)
    with pytest.raises(InputError, match="test layout, not train"):
        convert.convert_3dhp(path, split="train")


# --------------------------------------------------------------------------------------- 3DPW
F3DPW = (1961.886, 1969.2, 540.0, 960.0)


def pw_person(frame, person, rng):
    """SPIN-24 joints (metres, camera frame): pelvis x encodes the person, y the frame number."""
    joints = rng.normal(size=(24, 3)) * 0.3 + [0.0, 0.0, 4.0]
    joints[14] = [0.5 * person, 0.01 * frame, 4.0]
    return joints


def pw_rows(seq, order, rng, hide=None):
    """``(imgname, part, S)`` rows for ``order`` = [(frame, person), ...] in file order."""
    names, parts, s3d = [], [], []
    for frame, person in order:
        joints = pw_person(frame, person, rng)
        uv = project_px(joints, *F3DPW)
        vis = np.ones((24, 1))
        if hide is not None and (frame, person) == hide:
            vis[3] = 0  # SPIN l_hip -> H36M 4
        names.append(f"imageFiles/{seq}/image_{frame:05d}.jpg")
        parts.append(np.concatenate([uv, vis], 1))
        s3d.append(np.concatenate([joints, np.ones((24, 1))], 1))
    return names, parts, s3d


def write_3dpw(path, *blocks, with_s=True, **extra):
    names, parts, s3d = (sum((list(b[i]) for b in blocks), []) for i in range(3))
    arrays = dict(imgname=np.array(names), part=np.array(parts), **extra)
    if with_s:
        arrays["S"] = np.array(s3d)
    np.savez(path, **arrays)
    return path


def test_3dpw_grouping_visibility_and_remap(tmp_path):
    rng = np.random.default_rng(3)
    # SPIN's person-major order; person 0 is missing in frame 5 and person 1 in frame 0
    spin_order = [(f, 0) for f in range(5)] + [(f, 1) for f in range(1, 6)]
    interleaved = [(f, p) for f in range(4) for p in (0, 1)]
    shuffled = [(f, 0) for f in (3, 0, 2, 1, 4)]
    blocks = [
        pw_rows("downtown_walking_00", spin_order, rng, hide=(2, 0)),
        pw_rows("courtyard_dancing_00", interleaved, rng),
        pw_rows("office_phoneCall_00", shuffled, rng),
    ]
    path = write_3dpw(tmp_path / "3dpw_test.npz", *blocks, pose=np.zeros((23, 72)), shape=np.zeros((23, 10)))
    clips = convert.convert_3dpw(path)
    assert clips.sequence_names() == [
        "courtyard_dancing_00/person0",
        "courtyard_dancing_00/person1",
        "downtown_walking_00/person0",
        "downtown_walking_00/person1",
        "office_phoneCall_00/person0",
    ]
    expected = {0: (0, range(4)), 1: (1, range(4)), 2: (0, range(5)), 3: (1, range(1, 6)), 4: (0, range(5))}
    for s, (person, frames) in expected.items():
        rows = np.flatnonzero(clips.seq_index == s)
        np.testing.assert_allclose(clips.joints_3d[rows, 0, 0], 500.0 * person, atol=1e-3)  # pelvis, mm
        np.testing.assert_allclose(clips.joints_3d[rows, 0, 1], [10.0 * f for f in frames], atol=1e-3)  # time order
    assert clips.fps.tolist() == [30.0] * 5
    # l_hip invisible in frame 2 of downtown person 0: NaN 2D, confidence 0; everything else visible
    hidden = frames_of(clips, "downtown_walking_00/person0")[2]
    assert np.isnan(clips.keypoints_2d[hidden, 4]).all() and clips.confidence[hidden, 4] == 0
    assert np.isfinite(clips.keypoints_2d).sum() == clips.num_frames * 34 - 2
    assert (clips.confidence == 1).sum() == clips.num_frames * 17 - 1
    # SPIN-24 -> H36M gather, in mm, 3D reprojecting onto the 2D
    names, _, s3d = blocks[1]
    np.testing.assert_allclose(clips.joints_3d[0], np.asarray(s3d[0])[FROM_SPIN24, :3] * 1000, atol=1e-3)
    seen = np.isfinite(clips.keypoints_2d)
    np.testing.assert_allclose(reprojection(clips)[seen], clips.keypoints_2d[seen], atol=1e-2)


def test_3dpw_track_with_missing_frames_is_cut(tmp_path):
    rng = np.random.default_rng(1)
    path = write_3dpw(tmp_path / "gap.npz", pw_rows("a_00", [(f, 0) for f in (0, 1, 2, 5, 6)], rng))
    clips = convert.convert_3dpw(path)
    assert clips.sequence_names() == ["a_00/person0", "a_00/person0@5"]
    assert np.bincount(clips.seq_index).tolist() == [3, 2]


def test_3dpw_root_centred_3d_is_placed_from_the_2d(tmp_path):
    rng = np.random.default_rng(5)
    names, parts, s3d = pw_rows("a_00", [(f, 0) for f in range(4)], rng)
    truth = np.array(s3d)[:, :, :3] * 1000.0
    centred = np.array(s3d)
    centred[..., :3] -= centred[:, 14:15, :3]
    np.savez(tmp_path / "centred.npz", imgname=np.array(names), part=np.array(parts), S=centred)
    clips = convert.convert_3dpw(tmp_path / "centred.npz")
    np.testing.assert_allclose(clips.joints_3d, truth[:, FROM_SPIN24], atol=1.0)


def test_3dpw_without_3d_and_intrinsics_override(tmp_path):
    rng = np.random.default_rng(2)
    path = write_3dpw(tmp_path / "kp_only.npz", pw_rows("b_00", [(f, 0) for f in range(3)], rng), with_s=False)
    clips = convert.convert_3dpw(path, intrinsics=(1000.0, 1001.0, 960.0, 540.0), image_size=(1920, 1080))
    assert clips.joints_3d is None and clips.valid is None
    np.testing.assert_allclose(clips.camera[0], [1000, 1001, 960, 540, 0, 0, 0, 0, 0])
    assert tuple(clips.image_size[0]) == (1920, 1080)
    nine = convert.convert_3dpw(path, intrinsics=np.arange(1, 10.0))
    np.testing.assert_allclose(nine.camera[0], np.arange(1, 10.0))
    np.testing.assert_allclose(convert.convert_3dpw(path).camera[0, :4], F3DPW)
    with pytest.raises(InputError, match="intrinsics"):
        convert.convert_3dpw(path, intrinsics=(1000.0, 2.0))


def test_3dpw_invisible_3d_joint_marks_the_frame_invalid(tmp_path):
    rng = np.random.default_rng(6)
    names, parts, s3d = pw_rows("c_00", [(f, 0) for f in range(3)], rng)
    s3d = np.array(s3d)
    s3d[1, 0, :] = [np.nan, np.nan, np.nan, 0.0]  # SPIN r_ankle (-> H36M 3) missing in frame 1
    np.savez(tmp_path / "vis.npz", imgname=np.array(names), part=np.array(parts), S=s3d)
    clips = convert.convert_3dpw(tmp_path / "vis.npz")
    assert clips.valid.tolist() == [True, False, True] and np.isfinite(clips.joints_3d).all()


# -------------------------------------------------------------------------------- round trip
def _h36m(tmp_path):
    positions = {"S11": {"Eating": h36m_world(7, 0)}}
    np.savez(tmp_path / "h.npz", positions_3d=positions)
    return convert.convert_h36m(tmp_path / "h.npz")


def _3dhp(tmp_path):
    return convert.convert_3dhp(write_3dhp_test(tmp_path)[0])


def _3dpw(tmp_path):
    rng = np.random.default_rng(0)
    return convert.convert_3dpw(write_3dpw(tmp_path / "w.npz", pw_rows("d_00", [(0, 0), (1, 0)], rng, hide=(1, 0))))


@pytest.mark.parametrize("build", [_h36m, _3dhp, _3dpw], ids=["h36m", "3dhp", "3dpw"])
def test_round_trip_through_clip_files(tmp_path, build):
    clips = build(tmp_path)
    back = load_clips(save_clips(tmp_path / "out.npz", clips))
    for field in (
        "keypoints_2d",
        "seq_index",
        "camera",
        "image_size",
        "confidence",
        "joints_3d",
        "fps",
        "seq_name",
        "valid",
    ):
        a, b = getattr(clips, field), getattr(back, field)
        assert (a is None) == (b is None), field
        if a is not None:
            np.testing.assert_array_equal(a, b, err_msg=field)


# ------------------------------------------------------------------------------- bad inputs
def _save(tmp_path, name, **arrays):
    np.savez(tmp_path / name, **arrays)
    return tmp_path / name


def _truncated(tmp_path, name, **arrays):
    good = _save(tmp_path, "good_" + name, **arrays)
    (tmp_path / name).write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    return tmp_path / name


def _h36m_2d(tmp_path, name, **arrays):
    _save(tmp_path, "ok3d.npz", positions_3d={"S1": {"Walking": h36m_world(4, 0)}})
    return convert.convert_h36m(tmp_path / "ok3d.npz", _save(tmp_path, name, **arrays))


GOOD_TS1 = {"data_2d": np.ones((4, 17, 2)), "data_3d": body_3dhp(4, 0), "valid": np.ones(4)}
GOOD_PW = dict(imgname=np.array(["imageFiles/a/image_00001.jpg"]), part=np.ones((1, 24, 3)))
BAD = [
    # (id, call(tmp_path), file name, needle)
    (
        "h36m-missing-key",
        lambda t: convert.convert_h36m(_save(t, "a.npz", other=np.zeros(3))),
        "a.npz",
        "'positions_3d'",
    ),
    ("h36m-not-dict", lambda t: convert.convert_h36m(_save(t, "b.npz", positions_3d=np.zeros(3))), "b.npz", "dict"),
    (
        "h36m-joints",
        lambda t: convert.convert_h36m(_save(t, "c.npz", positions_3d={"S1": {"W": np.zeros((5, 17, 3))}})),
        "c.npz",
        "positions_3d[S1][W]' has shape [5, 17, 3], expected [N, 32, 3]",
    ),
    ("h36m-2d-missing-key", lambda t: _h36m_2d(t, "d.npz", keypoints=np.zeros(2)), "d.npz", "'positions_2d'"),
    (
        "h36m-2d-joints",
        lambda t: _h36m_2d(t, "e.npz", positions_2d={"S1": {"Walking": [np.zeros((4, 16, 2))] * 4}}),
        "e.npz",
        "positions_2d[S1][Walking][0]' has shape [4, 16, 2], expected [N, 17, 2]",
    ),
    (
        "h36m-2d-short",
        lambda t: _h36m_2d(t, "f.npz", positions_2d={"S1": {"Walking": [np.zeros((3, 17, 2))] * 4}}),
        "f.npz",
        "3 frames, fewer than the 4",
    ),
    ("h36m-2d-no-action", lambda t: _h36m_2d(t, "g.npz", positions_2d={"S1": {}}), "g.npz", "[S1][Walking]"),
    (
        "h36m-truncated",
        lambda t: convert.convert_h36m(_truncated(t, "h.npz", positions_3d={"S1": {"W": np.zeros((300, 32, 3))}})),
        "h.npz",
        "not a readable",
    ),
    ("3dhp-missing-key", lambda t: convert.convert_3dhp(_save(t, "i.npz", stuff=np.zeros(2))), "i.npz", "'data'"),
    (
        "3dhp-test-joints",
        lambda t: convert.convert_3dhp(_save(t, "j.npz", data={"TS1": {**GOOD_TS1, "data_2d": np.ones((4, 16, 2))}})),
        "j.npz",
        "data[TS1][data_2d]' has shape [4, 16, 2]",
    ),
    (
        "3dhp-test-valid",
        lambda t: convert.convert_3dhp(_save(t, "k.npz", data={"TS1": {**GOOD_TS1, "valid": np.ones(3)}})),
        "k.npz",
        "data[TS1][valid]",
    ),
    ("3dhp-test-name", lambda t: convert.convert_3dhp(_save(t, "l.npz", data={"TS9": GOOD_TS1})), "l.npz", "TS9"),
    (
        "3dhp-train-joints",
        lambda t: convert.convert_3dhp(
            _save(
                t,
                "m.npz",
                data={"S1 Seq1": [{"0": {"data_2d": np.ones((4, 17, 2)), "data_3d": np.ones((4, 14, 3))}}, 25]},
            )
        ),
        "m.npz",
        "data[S1 Seq1][0][data_3d]' has shape [4, 14, 3]",
    ),
    (
        "3dhp-train-missing",
        lambda t: convert.convert_3dhp(
            _save(t, "n.npz", data={"S1 Seq1": [{"0": {"data_2d": np.ones((4, 17, 2))}}, 25]})
        ),
        "n.npz",
        "no 'data_3d'",
    ),
    (
        "3dhp-truncated",
        lambda t: convert.convert_3dhp(_truncated(t, "o.npz", data={"TS1": GOOD_TS1})),
        "o.npz",
        "not a readable",
    ),
    (
        "3dpw-missing-key",
        lambda t: convert.convert_3dpw(_save(t, "p.npz", part=np.ones((1, 24, 3)))),
        "p.npz",
        "'imgname'",
    ),
    (
        "3dpw-part-joints",
        lambda t: convert.convert_3dpw(_save(t, "q.npz", **{**GOOD_PW, "part": np.ones((1, 17, 3))})),
        "q.npz",
        "'part' has shape [1, 17, 3]",
    ),
    (
        "3dpw-S-joints",
        lambda t: convert.convert_3dpw(_save(t, "r.npz", **GOOD_PW, S=np.ones((1, 17, 4)))),
        "r.npz",
        "'S' has shape [1, 17, 4]",
    ),
    (
        "3dpw-truncated",
        lambda t: convert.convert_3dpw(_truncated(t, "s.npz", **GOOD_PW, S=np.ones((1, 24, 4)))),
        "s.npz",
        "not a readable",
    ),
    ("npy-not-npz", lambda t: convert.convert_3dpw(_npy(t, "u.npz")), "u.npz", "not an .npz"),
    ("missing-file", lambda t: convert.convert_h36m(t / "absent.npz"), "absent.npz", "no such file"),
]


def _npy(tmp_path, name):
    with open(tmp_path / name, "wb") as handle:
        np.save(handle, np.zeros(3))
    return tmp_path / name


@pytest.mark.parametrize("call,file_name,needle", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_inputs_name_the_file_and_the_key(tmp_path, call, file_name, needle):
    with pytest.raises(InputError) as err:
        call(tmp_path)
    message = str(err.value)
    assert file_name in message and needle in message, message
    assert "\n" not in message
