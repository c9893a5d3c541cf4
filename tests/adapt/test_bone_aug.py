import numpy as np
import pytest

from posynda.adapt.bone_aug import BONE_SUBTREES, apply_bone_angles, axis_angle_rotations, bone_choices
from posynda.skeleton import bone_lengths
from tests.helpers.clips import make_clips


@pytest.fixture
def windows():
    return make_clips(lengths=(40,), seed=4).joints_3d.reshape(4, 10, 17, 3)


def test_rotations_are_proper_and_bounded():
    rng = np.random.default_rng(0)
    rot = axis_angle_rotations(rng.normal(size=(50, 3)), rng.uniform(0, 1, 50) * np.deg2rad(30))
    np.testing.assert_allclose(rot @ rot.transpose(0, 2, 1), np.broadcast_to(np.eye(3), (50, 3, 3)), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(rot), 1.0, atol=1e-12)
    angles = np.degrees(np.arccos(np.clip((np.trace(rot, axis1=1, axis2=2) - 1) / 2, -1, 1)))
    assert angles.max() <= 30 + 1e-6


def test_bones_keep_their_length_and_the_trunk_does_not_move(windows):
    out = apply_bone_angles(windows, *bone_choices(np.random.default_rng(1), 4), 60)
    np.testing.assert_allclose(bone_lengths(out), bone_lengths(windows), rtol=1e-5)
    moved = sorted({j for _, carried, _ in BONE_SUBTREES for j in carried})
    fixed = [j for j in range(17) if j not in moved]
    np.testing.assert_array_equal(out[:, :, fixed], windows[:, :, fixed])
    assert np.abs(out - windows).max() > 10  # mm: the limbs did move


def test_zero_degrees_is_the_identity(windows):
    np.testing.assert_array_equal(apply_bone_angles(windows, *bone_choices(np.random.default_rng(1), 4), 0), windows)
