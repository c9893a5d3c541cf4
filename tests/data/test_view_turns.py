import numpy as np
import pytest

from posynda.data.view_turns import apply_view_turns, turn_rotations, view_choices
from posynda.skeleton import ROOT, bone_lengths
from tests.helpers.clips import make_clips


@pytest.fixture
def windows():
    return make_clips(lengths=(40,), seed=5).joints_3d.reshape(4, 10, 17, 3)


@pytest.mark.parametrize("pitch,roll", [(20, 10), (45, 0), (0, 15)])
def test_rotations_are_proper_and_within_the_range(pitch, roll):
    rot = turn_rotations(view_choices(np.random.default_rng(0), 200), pitch, roll)
    np.testing.assert_allclose(rot @ rot.transpose(0, 2, 1), np.broadcast_to(np.eye(3), (200, 3, 3)), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(rot), 1.0, atol=1e-12)
    # Rz(roll) Rx(pitch): the camera x axis (row 0) keeps no z part, and the pitch is read from rot[2, 1]
    assert np.degrees(np.abs(np.arcsin(rot[:, 2, 1]))).max() <= pitch + 1e-9
    assert np.degrees(np.abs(np.arctan2(rot[:, 1, 0], rot[:, 0, 0]))).max() <= roll + 1e-9


def test_the_pose_turns_rigidly_about_a_fixed_root(windows):
    out = apply_view_turns(windows, view_choices(np.random.default_rng(1), 4), 30, 10)
    np.testing.assert_allclose(out[:, :, ROOT], windows[:, :, ROOT], atol=1e-3)
    np.testing.assert_allclose(bone_lengths(out), bone_lengths(windows), rtol=1e-5)
    assert np.abs(out - windows).max() > 10  # mm: it did turn
    rel_in = windows - windows[:, :, ROOT : ROOT + 1]
    rel_out = out - out[:, :, ROOT : ROOT + 1]
    per_clip = np.einsum("btki,btkj->bij", rel_out, rel_in)  # one rotation per clip: a rigid fit per clip is exact
    u, _, vt = np.linalg.svd(per_clip)
    rot = u @ vt
    np.testing.assert_allclose(np.einsum("bij,btkj->btki", rot, rel_in), rel_out, atol=1e-2)


def test_zero_degrees_is_the_identity(windows):
    np.testing.assert_array_equal(apply_view_turns(windows, view_choices(np.random.default_rng(1), 4), 0, 0), windows)
