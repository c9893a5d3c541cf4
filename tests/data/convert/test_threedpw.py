"""3DPW (SPIN-style npz): person tracks, visibility, root-centred 3D placed from the 2D, intrinsics."""

import numpy as np
import pytest

from posynda.data import convert
from posynda.errors import InputError
from tests.helpers.convert import F3DPW, FROM_SPIN24, frames_of, pw_rows, reprojection, write_3dpw


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
