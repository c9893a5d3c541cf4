"""Human3.6M (VideoPose3D files): camera frame mm, the 17 kept joints, 2D files, subjects, COCO 2D."""

import numpy as np
import pytest

from posynda.data import convert, h36m_cameras
from posynda.errors import InputError
from tests.helpers.convert import (
    CAM_IDS,
    KEPT_32,
    MOCAP_LENGTHS,
    frames_of,
    h36m_intrinsics,
    reprojection,
    vp3d_camera_mm,
)


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
