"""Fixtures of the converter tests: small files in the Human3.6M layout (the writers and joint tables:
tests/helpers/convert.py)."""

import numpy as np
import pytest

from posynda import camera
from tests.helpers.convert import KEPT_32, MOCAP_LENGTHS, h36m_intrinsics, h36m_world, vp3d_camera_mm


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
