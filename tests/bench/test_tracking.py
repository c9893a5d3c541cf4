"""Tracking measures against the triangulated people: coverage of the frames a person is visible in, id
switches counted as CLEAR-MOT does, detections that match nobody, people outside the picture not counted."""

import numpy as np
import pytest

from posynda.bench.tracking import box_iou, view_tracking
from posynda.camera import project
from posynda.data.multiview import ViewTrack
from tests.helpers.multiview import ring_cameras, walking_world

FRAMES = 20


def seen_by(camera, world, frames, track_id, shift=(0.0, 0.0)):
    """A track of ``camera`` following ``world [F, J, 3]`` on ``frames`` (its exact projection, moved by ``shift``)."""
    frames = np.asarray(frames)
    pixels = np.asarray(project(camera.to_camera(world[frames]), camera.intrinsics)) + np.asarray(shift)
    return ViewTrack(0, track_id, frames, pixels, np.ones(pixels.shape[:2]))


def test_boxes_overlap():
    a = np.array([0.0, 0.0, 10.0, 10.0])
    assert box_iou(a, a) == 1.0 and box_iou(a, a + 20) == 0.0 and box_iou(a, None) == 0.0
    assert box_iou(a, np.array([5.0, 0.0, 15.0, 10.0])) == pytest.approx(50 / 150)


def test_coverage_switches_and_strays():
    camera = ring_cameras(3)[0]
    one = walking_world(FRAMES)
    two = one + np.array([900.0, 0.0, 0.0])  # a second person beside the first
    away = one + 2.0 * camera.centre  # behind the camera: never visible
    tracks = [
        seen_by(camera, one, range(0, 8), 0),
        seen_by(camera, one, range(8, 16), 5),  # the first person's track changes id: one switch
        seen_by(camera, two, range(0, FRAMES), 1),
        seen_by(camera, two, range(0, 3), 2, shift=(150.0, 0.0)),  # far off anyone: strays
    ]
    measured = view_tracking(camera, [one, two, away], tracks)
    first, second, gone = measured["people"]
    assert first == {"person": 0, "visible_frames": FRAMES, "covered_frames": 16, "covered_pct": 80.0,
                     "id_switches": 1, "tracks": [0, 5]}  # fmt: skip
    assert second["covered_pct"] == 100.0 and second["id_switches"] == 0 and second["tracks"] == [1]
    assert gone["visible_frames"] == 0 and gone["covered_pct"] is None
    assert measured["unmatched_detections"] == 3 and measured["camera"] == camera.name
