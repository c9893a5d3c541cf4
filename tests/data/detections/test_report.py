"""The reading report: a header with the source, format and camera, one line per sequence (the first ones), notes
and warnings; the camera line says where the camera came from."""

import numpy as np

from posynda.data.detections import DetectionReport, ReadOptions, SequenceReport
from posynda.data.detections.report import camera_summary


def test_the_report_lists_sequences_notes_and_warnings():
    tracked = SequenceReport("coco/person0", 120, "3", "tracker", 12.5, 0.81)
    own = SequenceReport("seq000", 40, None, None, 0.0, 1.0)
    report = DetectionReport("r.json", "coco", "1920x1080, f = 1920 px (default camera)", (tracked, own) * 2,
                             notes=("frame ids ...",), warnings=("normalised?",))  # fmt: skip
    lines = report.lines(max_sequences=3)
    assert lines[0] == "input r.json: coco, 4 sequences, 1920x1080, f = 1920 px (default camera)"
    assert lines[1] == ("  coco/person0: 120 frames, track 3 (tracker), 12.5% joints missing, mean confidence 0.81")
    assert lines[2] == "  seq000: 40 frames, 0.0% joints missing, mean confidence 1.00"
    assert lines[4:] == ["  ... and 1 more sequences", "note: frame ids ...", "warning: normalised?"]


def test_the_camera_line_says_where_the_camera_came_from():
    camera = np.array([[1920, 1920, 960, 540, 0, 0, 0, 0, 0]], np.float32)
    size = np.array([[1920, 1080]])
    assert camera_summary(camera, size, ReadOptions(), False) == "1920x1080, f = 1920 px (default camera)"
    assert camera_summary(camera, size, ReadOptions(), True).endswith("(from the file)")
    assert camera_summary(camera, size, ReadOptions(fov=60.0), False).endswith("(from a 60 degree field of view)")
    two = camera_summary(np.concatenate([camera, camera * 2]), np.concatenate([size, size]), ReadOptions(), True)
    assert two.endswith("(from the file), ...")  # cameras differ between sequences
