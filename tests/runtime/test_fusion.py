"""Fusing with the detector's own 3D: the detector's poses are turned onto posynda's before the weighted mean,
joints the detector lacks keep posynda's, a weight outside [0, 1] or no detector 3D is refused before any work."""

import dataclasses

import numpy as np
import pytest

from posynda.defaults import shipped_checkpoint
from posynda.errors import InputError
from posynda.runtime import Lifter, SamplingSettings
from posynda.runtime.fusion import check_weight, fused, one_frame
from tests.helpers.clips import make_clips, root_relative, turn


def with_detector(clips, detector):
    return dataclasses.replace(clips, detector_3d=np.asarray(detector, np.float32))


def test_the_weighted_mean_is_taken_in_posyndas_orientation():
    clips = make_clips((15, 10))
    poses = root_relative(clips)
    rotated = turn((1, 0.3, 0), 35.0)
    bigger = poses * 1.2 @ rotated  # the detector's poses: 20 % bigger, seen turned
    clips = with_detector(clips, bigger)
    np.testing.assert_allclose(fused(poses, clips, 0.0), poses)
    np.testing.assert_allclose(fused(poses, clips, 0.5), poses * 1.1, atol=1e-3)
    np.testing.assert_allclose(fused(poses, clips, 1.0), poses * 1.2, atol=1e-3)


def test_joints_the_detector_lacks_keep_posyndas():
    clips = make_clips((12,))
    poses = root_relative(clips)
    detector = poses * 0.5
    detector[2:5, 13] = np.nan
    detector[7] = np.nan
    out = fused(poses, with_detector(clips, detector), 0.5)
    np.testing.assert_allclose(out[2:5, 13], poses[2:5, 13])
    np.testing.assert_allclose(out[7], poses[7])
    np.testing.assert_allclose(out[0], poses[0] * 0.75, atol=1e-3)


@pytest.mark.parametrize("weight", [-0.1, 1.5, float("nan")])
def test_a_weight_outside_0_1_is_refused(weight):
    with pytest.raises(InputError, match="detector_weight must lie in \\[0, 1\\]"):
        check_weight(weight)


def test_the_lifter_fuses_and_refuses_before_any_work_without_the_detectors_3d(monkeypatch):
    clips = make_clips((30,), with_3d=False)
    lifter = Lifter(shipped_checkpoint())
    settings = SamplingSettings(hypotheses=1, steps=1)
    plain = lifter.lift(clips, settings)
    detector = plain.root_relative_mm.astype(np.float64) * 0.8 @ turn((0, 0, 1), 25.0)
    mixed = lifter.lift(with_detector(clips, detector), settings, detector_weight=0.5)
    np.testing.assert_allclose(mixed.root_relative_mm, plain.root_relative_mm * 0.9, atol=0.05)
    # the root fitted to the fused pose again: a pose 10 % smaller fits the same 2D 10 % nearer the camera
    np.testing.assert_allclose(mixed.absolute_mm[:, 0], plain.absolute_mm[:, 0] * 0.9, rtol=1e-3, atol=0.1)
    monkeypatch.setattr(Lifter, "effective_settings", lambda *a: pytest.fail("lifted before refusing"))
    with pytest.raises(InputError, match="detector_weight 0.5 needs the detector's own 3D"):
        lifter.lift(clips, settings, detector_weight=0.5)


def test_one_frame_with_a_rotation_found_elsewhere():
    pose = root_relative(make_clips((1,)))[0]
    tilted, level = turn((1, 0, 0), 30.0), turn((0, 1, 0), 30.0)  # a turn about the vertical tilts nothing
    detector = pose * 0.5
    np.testing.assert_allclose(one_frame(pose, detector, None, True, 0.5), pose)  # no rotation yet
    np.testing.assert_allclose(one_frame(pose, detector * np.nan, tilted, True, 0.5), pose)  # no detector pose
    # oriented: posynda's pose turned, the detector's taken as it is
    np.testing.assert_allclose(one_frame(pose, detector, tilted, True, 0.5), 0.5 * pose @ tilted + 0.5 * detector)
    np.testing.assert_allclose(one_frame(pose, detector, tilted, True, 0.0), pose @ tilted)
    # not oriented (or a turn that barely tilts): the detector's pose turned onto posynda's
    for rotation, orient in ((tilted, False), (level, True)):
        expected = 0.5 * pose + 0.5 * detector @ rotation.T
        np.testing.assert_allclose(one_frame(pose, detector, rotation, orient, 0.5), expected, atol=1e-9)
