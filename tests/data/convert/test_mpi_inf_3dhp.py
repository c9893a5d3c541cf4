"""MPI-INF-3DHP: test and train layouts, root-relative 3D, fitted train intrinsics, inconsistent files."""

import logging

import numpy as np
import pytest

from posynda.data import convert
from posynda.errors import InputError
from tests.helpers.convert import (
    FROM_3DHP,
    TEST_CAMS,
    body_3dhp,
    frames_of,
    project_px,
    reprojection,
    root_relative,
    write_3dhp_test,
)


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
