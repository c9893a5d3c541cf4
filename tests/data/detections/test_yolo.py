"""Ultralytics YOLO pose labels: normalised lines scaled to pixels, frames from the file names, track ids, the
image size required -- and found by auto-detection."""

import numpy as np
import pytest

from posynda.data.detections import ReadOptions, detect_format, read_detections
from posynda.errors import InputError
from tests.helpers.detections import SIZE, expected_track, scene


def write_yolo(folder, frames, tracked=False, conf=True, name="clip"):
    """``<name>_<frame>.txt`` per frame as Ultralytics writes them (normalised, ``%g``); frame 2 has no file."""
    folder.mkdir(parents=True, exist_ok=True)
    w, h = SIZE
    for t, people in enumerate(frames):
        if t == 2:
            continue
        lines = []
        for k, kp, scores in people:
            box = [kp[:, 0].mean() / w, kp[:, 1].mean() / h, np.ptp(kp[:, 0]) / w, np.ptp(kp[:, 1]) / h]
            keypoints = np.column_stack([kp[:, 0] / w, kp[:, 1] / h, scores]).reshape(-1)
            extra = ([0.91] if conf else []) + ([k + 5] if tracked else [])
            lines.append(" ".join(f"{v:g}" for v in [0, *box, *keypoints, *extra]))
        (folder / f"{name}_{t + 1}.txt").write_text("\n".join(lines) + "\n")
    return folder


@pytest.mark.parametrize(
    "tracked, names", [(False, ["clip/person0", "clip/person1"]), (True, ["clip/track5", "clip/track6"])]
)
def test_labels_become_the_scene_in_pixels(tmp_path, tracked, names):
    folder = write_yolo(tmp_path / "labels", scene(frames=5), tracked=tracked)
    assert detect_format(folder) == "yolo"
    clips, report = read_detections(folder, options=ReadOptions(image_size=SIZE))
    assert clips.sequence_names() == names and report.format == "yolo"
    for s, frames in clips.iter_sequences():
        kp, conf = expected_track(s, 5)
        got = clips.keypoints_2d[frames]
        assert np.isnan(got[2]).all()  # the frame without a file (clip_3.txt) is a missing frame
        present = [0, 1, 3, 4]
        np.testing.assert_allclose(got[present], kp[present], atol=0.01)  # %g keeps 6 digits of the fraction
        np.testing.assert_allclose(clips.confidence[frames][present], conf[present], atol=1e-6)


def test_visibility_free_lines_and_unseen_keypoints(tmp_path):
    w, h = SIZE
    kp = np.array([[0.5 * w, 0.4 * h]] * 17)
    values = [0, 0.5, 0.5, 0.1, 0.3, *(kp / [w, h]).reshape(-1)]
    values[5:7] = [0, 0]  # the nose unseen
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "img_7.txt").write_text(" ".join(f"{v:g}" for v in values) + "\n")
    clips, _ = read_detections(tmp_path / "labels", options=ReadOptions(image_size=SIZE))
    assert np.isnan(clips.keypoints_2d[0, 9]).all()  # the H36M neck is COCO's nose
    assert clips.confidence is None or np.isfinite(clips.confidence).all()


@pytest.mark.parametrize(
    "content, options, needle",
    [("0 0.5 0.5 0.1 0.1 0.5\n", ReadOptions(image_size=SIZE), "is not a YOLO pose line"),
     (None, ReadOptions(), "give --image-size")],
)  # fmt: skip
def test_bad_labels_are_one_line(tmp_path, content, options, needle):
    folder = write_yolo(tmp_path / "labels", scene(frames=2))
    if content:
        (folder / "clip_9.txt").write_text(content)
    with pytest.raises(InputError, match=needle):
        read_detections(folder, format="yolo", options=options)
