"""The Human3.6M calibration table: four cameras, every calibrated subject, unit-quaternion orientations."""

import numpy as np
import pytest

from posynda.data import h36m_cameras


def test_four_cameras_with_intrinsics_and_image_sizes():
    assert list(h36m_cameras.INTRINSICS) == list(h36m_cameras.CAMERA_IDS) and len(h36m_cameras.CAMERA_IDS) == 4
    for values in h36m_cameras.INTRINSICS.values():
        fx, fy, cx, cy, *distortion, w, h = values
        assert 1100 < fx < 1200 and 1100 < fy < 1200 and len(distortion) == 5 and (w, h) in ((1000, 1000), (1000, 1002))


def test_extrinsics_of_the_calibrated_subjects():
    assert set(h36m_cameras.EXTRINSICS) == {"S1", "S5", "S6", "S7", "S8", "S9", "S11"}
    for cameras in h36m_cameras.EXTRINSICS.values():
        assert len(cameras) == 4
        for q, t in cameras:
            assert np.linalg.norm(q) == pytest.approx(1.0, abs=1e-6) and 1000 < np.linalg.norm(t) < 10000
