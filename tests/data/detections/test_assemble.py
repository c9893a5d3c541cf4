"""Assembly: the minimum confidence, the normalised-coordinates warning, joint orders, nobody detected, the
detector's own 3D carried along."""

import warnings

import numpy as np
import pytest

from posynda.data.detections import KeypointWarning, ReadOptions, read_detections
from posynda.data.detections.assemble import assemble
from posynda.data.detections.people import Person, Video
from posynda.errors import InputError
from posynda.skeleton import convert_joints
from tests.helpers.detections import LOW, SIZE, expected_track, person, scene, write_coco


@pytest.mark.parametrize("threshold, missing", [(None, True), (0.3, True), (0.2, False), (0.0, False)])
def test_joints_under_the_minimum_confidence_are_missing(tmp_path, threshold, missing):
    path = write_coco(tmp_path / "r.json", scene(people=(1,)))  # person 1's left ankle scores 0.25
    clips, _ = read_detections(path, options=ReadOptions(image_size=SIZE, min_confidence=threshold))
    ankle = clips.keypoints_2d[:, 6]  # H36M l_ankle
    assert np.isnan(ankle).all() == missing and np.isfinite(ankle).all() == (not missing)
    assert (clips.confidence[:, 6] == (0.0 if missing else LOW)).all()
    if not missing:
        np.testing.assert_array_equal(ankle, [person(1, t)[0][15] for t in range(4)])


def test_normalised_keypoints_warn_but_are_read(tmp_path):
    frames = [[(k, kp / [1920, 1080], s) for k, kp, s in people] for people in scene()]
    path = write_coco(tmp_path / "r.json", frames)
    with pytest.warns(KeypointWarning, match="look normalised"):
        clips, report = read_detections(path, options=ReadOptions(image_size=SIZE))
    assert clips.num_sequences == 2 and "look normalised" in report.warnings[0]
    assert report.lines()[-1].startswith("warning: r: every keypoint lies within [0, 1]")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_detections(write_coco(tmp_path / "px.json", scene()), options=ReadOptions(image_size=SIZE))


def test_a_joint_order_given_replaces_the_formats_and_must_fit(tmp_path):
    path = write_coco(tmp_path / "r.json", scene(people=(0,)))
    clips, _ = read_detections(path, options=ReadOptions(image_size=SIZE, joint_order="h36m"))
    np.testing.assert_array_equal(clips.keypoints_2d[0], person(0, 0)[0].astype(np.float32))  # taken as it is
    with pytest.raises(InputError, match="has 17 joints; joint order 'body25' has 25"):
        read_detections(path, options=ReadOptions(image_size=SIZE, joint_order="body25"))


def test_nobody_detected_is_refused(tmp_path):
    frames = [[(k, kp, np.full(17, 0.1)) for k, kp, _ in people] for people in scene()]
    with pytest.raises(InputError, match="no person detected with a joint scored at least 0.3"):
        read_detections(write_coco(tmp_path / "r.json", frames), options=ReadOptions(image_size=SIZE))


def test_expected_values_are_those_of_the_documented_rule():
    kp, conf = expected_track(1, frames=1)
    coco, scores = person(1, 0)
    np.testing.assert_array_equal(kp[0, 0], (coco[11] + coco[12]) / 2)  # pelvis = mid-hips
    np.testing.assert_array_equal(kp[0, 7], (coco[11] + coco[12] + coco[5] + coco[6]) / 4)  # spine
    assert conf[0, 16] == 0.5 and np.isnan(kp[0, 6]).all()  # r_wrist scored 0.5; l_ankle missing


def test_the_detectors_own_3d_comes_along_as_h36m_mm_root_relative():
    rng = np.random.default_rng(0)
    world = rng.normal(0, 0.3, (5, 33, 3))  # BlazePose-33, metres
    kp = rng.uniform(100, 900, (5, 33, 2))
    frames = {t: [Person(kp[t], np.ones(33), "0", world=None if t == 2 else world[t])] for t in range(5)}
    frames[6] = [Person(kp[4], np.ones(33), "1")]  # another person, without the detector's 3D
    clips, _ = assemble([Video("v", frames, "blazepose33", (1000, 1000))], ReadOptions(), "v.mp4", "video", "a video")
    h36m = convert_joints(world * 1000.0, "blazepose33")[0]
    first = clips.detector_3d[clips.seq_index == 0]
    np.testing.assert_allclose(first[[0, 1, 3, 4]], (h36m - h36m[:, :1])[[0, 1, 3, 4]], rtol=1e-5, atol=1e-3)
    assert np.isnan(first[2]).all() and np.isnan(clips.detector_3d[clips.seq_index == 1]).all()
    no_3d = {t: [Person(kp[t], np.ones(33), "0")] for t in range(5)}
    assert (
        assemble([Video("v", no_3d, "blazepose33", (1000, 1000))], ReadOptions(), "v", "video", "x")[0].detector_3d
        is None
    )
