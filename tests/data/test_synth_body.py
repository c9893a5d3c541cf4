"""The synthetic body: subjects scale the reference bones, every activity gives every angle over time within the
anatomical limits once limited, and forward kinematics keeps bone lengths and the body frame's axes."""

import numpy as np
import pytest

from posynda.data.synth import ACTIVITIES
from posynda.data.synth_body import (
    LIMITS,
    REFERENCE_BONES,
    Subject,
    activity_angles,
    cycle,
    forward_kinematics,
    limit_angles,
    smooth_noise,
)

BONES = [("thigh", 1, 2), ("shin", 2, 3), ("thigh", 4, 5), ("shin", 5, 6), ("upper_arm", 11, 12),
         ("forearm", 12, 13), ("upper_arm", 14, 15), ("forearm", 15, 16)]  # fmt: skip


def test_subjects_are_scaled_reference_bodies():
    rng = np.random.default_rng(0)
    for _ in range(20):
        subject = Subject.draw(rng)
        ratios = np.array([subject.bones[k] / v for k, v in REFERENCE_BONES.items()])
        assert 1.50 / 1.75 * 0.96 <= ratios.min() and ratios.max() <= 1.95 / 1.75 * 1.04
        assert ratios.max() / ratios.min() <= 1.04 / 0.96 + 1e-9


def test_cycle_and_drift():
    np.testing.assert_allclose(cycle(np.array([0.0, 0.25, 0.5, 1.0]), period=1.0), [0, 0.5, 1, 0], atol=1e-12)
    drift = smooth_noise(np.random.default_rng(0), 500, fps=50.0, scale=0.1)
    assert drift.shape == (500,) and np.abs(np.diff(drift)).max() < 0.05  # smooth: no jumps between frames


@pytest.mark.parametrize("activity", ACTIVITIES)
def test_every_activity_gives_limited_angles_and_bones_of_the_subjects_length(activity):
    rng = np.random.default_rng(1)
    subject = Subject.draw(rng)
    t = np.arange(100) / 50.0
    angles = limit_angles(activity_angles(activity, t, subject, rng))
    for key, value in angles.items():
        assert value.shape == (100,) and np.isfinite(value).all(), key
        base = key[:-2] if key.endswith(("_l", "_r")) else key
        if base in LIMITS:
            assert LIMITS[base][0] <= value.min() and value.max() <= LIMITS[base][1], key
    joints = forward_kinematics(angles, subject.bones)
    assert joints.shape == (100, 17, 3)
    np.testing.assert_allclose(joints[:, 0], 0.0)  # pelvis at the origin
    for bone, a, b in BONES:
        np.testing.assert_allclose(np.linalg.norm(joints[:, b] - joints[:, a], axis=-1), subject.bones[bone], rtol=1e-9)


def test_the_body_frame_axes():
    angles = {k: np.zeros(1) for k in activity_angles("walk", np.zeros(1), Subject.draw(np.random.default_rng(0)),
                                                      np.random.default_rng(0))}  # fmt: skip
    joints = forward_kinematics(limit_angles(angles), REFERENCE_BONES)[0]
    assert joints[4, 0] > 0 > joints[1, 0]  # x = the subject's left: left hip at +x
    assert joints[10, 1] > joints[8, 1] > 0 > joints[3, 1]  # y up: head above thorax above pelvis above ankle
