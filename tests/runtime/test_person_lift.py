"""One person lifted as a live app lifts them (``PersonLift``), through ``Lifter.lift_as_stream``: a calibration's
level camera gives the whole levelled lift frame by frame, its floor sizes each sequence by the frames so far, each
sequence draws its own noise; a bad calibration is refused before any frame."""

import dataclasses

import numpy as np
import pytest

from posynda.data import load_clips
from posynda.data.prepare import fill_missing_keypoints
from posynda.defaults import default_clips_path, shipped_checkpoint
from posynda.errors import InputError
from posynda.runtime import Lifter, SamplingSettings
from posynda.runtime.floor_scale import CLEARANCE_MM, RunningFloorScale
from posynda.runtime.person_lift import FLOOR_WINDOW, LiveCalibration

SETTINGS = SamplingSettings(hypotheses=1, steps=1)
UP = np.array([0.0, -0.9, -0.45])  # a camera looking 27 degrees down


@pytest.fixture(scope="module")
def lifter():
    return Lifter(shipped_checkpoint())


@pytest.fixture(scope="module")
def clips():
    clips = load_clips(default_clips_path("wild", "test")).without_3d().select_sequences([2, 5])
    return dataclasses.replace(clips, keypoints_2d=fill_missing_keypoints(clips), confidence=None)


def test_a_clip_sets_calibrated_stream_is_its_levelled_lift_sized_by_the_floor_so_far(lifter, clips):
    whole = lifter.lift(clips, SETTINGS, camera_up=UP)
    unsized = lifter.lift_as_stream(clips, SETTINGS, calibration=LiveCalibration(UP))
    assert unsized.sizes is None
    np.testing.assert_allclose(unsized.absolute_mm, whole.absolute_mm, atol=1e-2)  # each sequence its own noise
    lower = (unsized.absolute_mm[:, [3, 6]] @ (UP / np.linalg.norm(UP))).min(axis=1)
    height = CLEARANCE_MM - 0.9 * float(np.median(lower))  # the camera's height for a scale of about 0.9
    sized = lifter.lift_as_stream(clips, SETTINGS, calibration=LiveCalibration(UP, height))
    for s, frames in clips.iter_sequences():
        running = RunningFloorScale(UP, height, FLOOR_WINDOW)
        scales = np.array([running(pose) for pose in unsized.absolute_mm[frames]])
        np.testing.assert_allclose(sized.absolute_mm[frames], unsized.absolute_mm[frames] * scales[:, None, None],
                                   atol=1e-2)  # fmt: skip
        assert sized.sizes.scales[s] == pytest.approx(scales[-1]) and sized.sizes.kept.get(s) == running.reason
    assert len(sized.sizes.kept) < clips.num_sequences  # the floor sized one at least (one is kept: its scale 0.56)


@pytest.mark.parametrize(
    "use, message",
    [
        ({"orient": "upright"}, "orient 'upright' takes the spine of whole sequences"),
        ({"orient": "sideways"}, "orient must be one of none, detector, upright"),
        ({"orient": "detector"}, "orient 'detector' needs the detector's own 3D"),
        ({"detector_weight": 0.5}, "detector_weight needs the detector's own 3D"),
        ({"detector_weight": 2.0}, r"must lie in \[0, 1\]"),
    ],
    ids=["upright", "unknown", "orient-without-3d", "fuse-without-3d", "weight-range"],
)
def test_a_stream_refuses_what_it_cannot_do_before_any_frame(lifter, clips, use, message):
    with pytest.raises(InputError, match=message):
        lifter.lift_as_stream(clips, SETTINGS, **use)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"up": np.zeros(3)}, "camera_up must be a finite nonzero direction"),
        ({"up": np.array([0.0, -0.3, -1.0])}, "makes the camera look 73 degrees down"),
        ({"up": np.array([0.0, -1.0, 0.0]), "height_mm": float("nan")}, "height_mm must be finite"),
        ({"up": np.array([0.0, -1.0, 0.0]), "floor_window": 0}, r"floor_window must be in \[1, 100000\] frames"),
    ],
    ids=["zero-up", "steep", "nan-height", "empty-window"],
)
def test_a_bad_calibration_is_refused_before_any_frame(kwargs, message):
    with pytest.raises(InputError, match=message):
        LiveCalibration(**kwargs)
