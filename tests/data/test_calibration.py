"""Calibrations: Pose2Sim TOML and Qualisys QCA give the same cameras (units, the QCA turn, Rodrigues), and a
file that is not one is refused with one line."""

import numpy as np
import pytest

from posynda.data.calibration import MAX_CALIBRATION_BYTES, read_calibration, rodrigues
from posynda.errors import InputError
from tests.helpers.multiview import pose2sim_toml, qca_xml, ring_cameras


@pytest.mark.parametrize("name, write", [("Calib.toml", pose2sim_toml), ("Calib.qca.txt", qca_xml)])
def test_both_formats_read_back_the_cameras(tmp_path, name, write):
    cameras = ring_cameras()
    (tmp_path / name).write_text(write(cameras))
    read = read_calibration(tmp_path / name)
    assert [c.name for c in read] == ["cam01", "cam02", "cam03"]
    for got, want in zip(read, cameras):
        np.testing.assert_allclose(got.intrinsics, want.intrinsics, atol=1e-9)
        np.testing.assert_allclose(got.rotation, want.rotation, atol=1e-9)
        np.testing.assert_allclose(got.translation, want.translation, atol=1e-6)
        assert got.image_size == want.image_size
        np.testing.assert_allclose(got.to_camera(got.centre), 0.0, atol=1e-6)


def test_rodrigues():
    np.testing.assert_allclose(rodrigues([0, 0, np.pi / 2]), [[0, -1, 0], [1, 0, 0], [0, 0, 1]], atol=1e-12)
    np.testing.assert_array_equal(rodrigues([0, 0, 0]), np.eye(3))


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("c.qca.txt", "<calibration><cameras>", "not a readable QCA calibration"),
        ("c.qca.txt", "<calibration><cameras></cameras></calibration>", "no camera in the calibration"),
        ("c.qca.txt", '<calibration><cameras><camera serial="a"/></cameras></calibration>',
         "camera 'a' needs <fov_video>, <intrinsic> and <transform>"),
        ("c.toml", "[cam]\nmatrix = 3", "camera 'cam' needs matrix, distortions"),
        ("c.toml", "[cam", "not a readable Pose2Sim calibration"),
        ("c.toml", "[a]\nsize=[10,10]\nmatrix=[[0.0,0,5],[0,0.0,5],[0,0,1]]\ndistortions=[0,0,0,0]\n"
         "rotation=[0,0,0]\ntranslation=[0,0,0]", "focal lengths in"),
        ("c.toml", "[a]\nsize=[10,10]\nmatrix=[[9.0,0,5],[0,9.0,5],[0,0,1]]\ndistortions=[0,0,0,0]\n"
         "rotation=[0,0,0]\ntranslation=[0,0,0]\nfisheye=true", "fisheye"),
    ],
    ids=["xml", "empty", "incomplete", "toml-fields", "toml-syntax", "focal", "fisheye"],
)  # fmt: skip
def test_what_is_not_a_calibration_is_refused_in_one_line(tmp_path, name, text, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError, match=message) as error:
        read_calibration(tmp_path / name)
    assert "\n" not in str(error.value)


def test_a_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.toml"
    with open(path, "wb") as handle:
        handle.truncate(MAX_CALIBRATION_BYTES + 1)
    with pytest.raises(InputError, match="larger than 4 MiB"):
        read_calibration(path)
    with pytest.raises(InputError, match="no such calibration file"):
        read_calibration(tmp_path / "missing.toml")


def test_an_entity_expansion_is_refused(tmp_path):
    bomb = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(8)) + "]><l>&i;</l>")  # fmt: skip
    (tmp_path / "bomb.qca.txt").write_text(bomb)
    with pytest.raises(InputError):
        read_calibration(tmp_path / "bomb.qca.txt")
