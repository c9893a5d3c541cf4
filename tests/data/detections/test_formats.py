"""The format table: every detector format reads the same scene to the same H36M keypoints, auto-detection
from the content (not the file name), one-line refusals of what fits no format."""

import json

import numpy as np
import pytest

from posynda.data import save_clips
from posynda.data.detections import DETECTION_FORMATS, FORMATS, ReadOptions, detect_format, read_detections
from posynda.errors import InputError
from tests.helpers.clips import make_clips
from tests.helpers.detections import (
    SIZE,
    expected_track,
    scene,
    video_keypoints,
    write_alphapose,
    write_coco,
    write_mmpose,
    write_openpose,
    write_videopose3d,
)

# format -> (writer of the two-person scene into a folder, the sequence names it gives)
SCENES = {
    "coco": (lambda d: write_coco(d / "scene.json", scene()), ["scene/person0", "scene/person1"]),
    "coco-track-ids": (
        lambda d: write_coco(d / "scene.json", scene(), track_ids=True),
        ["scene/track7", "scene/track8"],
    ),
    "alphapose": (lambda d: write_alphapose(d / "scene.json", scene()), ["scene/track1", "scene/track2"]),
    "openpose": (lambda d: write_openpose(d / "scene", scene()), ["scene/person0", "scene/person1"]),
    "openpose-coco18": (
        lambda d: write_openpose(d / "scene", scene(), body25=False),
        ["scene/person0", "scene/person1"],
    ),
    "mmpose": (lambda d: write_mmpose(d / "scene.json", scene()), ["scene/person0", "scene/person1"]),
    "videopose3d": (
        lambda d: write_videopose3d(
            d / "data_2d_custom_scene.npz",
            {"a.mp4": video_keypoints(0, with_scores=True), "b.mp4": video_keypoints(1, with_scores=True)},
        ),
        ["a.mp4/person0", "b.mp4/person0"],
    ),
}


@pytest.mark.parametrize("case", list(SCENES))
def test_every_format_reads_the_scene_to_the_same_h36m_people(tmp_path, case):
    write, names = SCENES[case]
    clips, report = read_detections(write(tmp_path), options=ReadOptions(image_size=SIZE))
    assert clips.sequence_names() == names and clips.joints_3d is None
    for s, frames in clips.iter_sequences():
        kp, conf = expected_track(s)
        np.testing.assert_array_equal(clips.keypoints_2d[frames], kp)
        np.testing.assert_array_equal(clips.confidence[frames], conf)
    assert clips.image_size.tolist() == [list(SIZE)] * 2
    np.testing.assert_array_equal(clips.camera[0], [1920, 1920, 960, 540, 0, 0, 0, 0, 0])  # the default camera
    lines = report.lines()
    assert lines[0].startswith(f"input {report.source}: {report.format}, 2 sequences, 1920x1080, f = 1920 px")
    # one line per person; person 1 misses its left ankle (scored under 0.3) in all 4 frames: 1 of 17
    # joints; its present joints score 0.875 but the right wrist 0.5: mean (15 * 0.875 + 0.5) / 16
    assert lines[1].startswith(f"  {names[0]}: 4 frames, track ")
    assert lines[1].endswith("0.0% joints missing, mean confidence 0.88")
    assert lines[2].startswith(f"  {names[1]}: 4 frames, track ")
    assert lines[2].endswith(f"{100 / 17:.1f}% joints missing, mean confidence 0.85")
    tracker = names[0].endswith("person0")
    assert (", track 0 (tracker)," in lines[1]) == tracker and report.sequences[1].frames == 4


def _posynda_json(d):
    payload = {"keypoints_2d": make_clips((5,)).keypoints_2d.tolist(), "image_size": [1000, 1000]}
    (d / "kp.txt").write_text(json.dumps(payload))  # detected from the content, not the name
    return d / "kp.txt"


DETECTION_CASES = [
    ("coco", lambda d: write_coco(d / "results.txt", scene(), ids="int")),
    ("alphapose", lambda d: write_alphapose(d / "alphapose-results.json", scene(), halpe=False)),
    ("openpose", lambda d: write_openpose(d / "frames", scene())),
    ("openpose", lambda d: write_openpose(d / "frames", scene()) / "scene_000000000001_keypoints.json"),
    ("mmpose", lambda d: write_mmpose(d / "video.json", scene())),
    ("videopose3d", lambda d: write_videopose3d(d / "data_2d_custom_x.dat", {"v.mp4": video_keypoints(0)})),
    ("posynda-json", _posynda_json),
    ("clips", lambda d: save_clips(d / "clips.bin", make_clips((5,)))),
]


@pytest.mark.parametrize(
    "expected, make", DETECTION_CASES, ids=[f"{e}-{i}" for i, (e, _) in enumerate(DETECTION_CASES)]
)
def test_auto_detection_reads_the_content(tmp_path, expected, make):
    assert detect_format(make(tmp_path)) == expected


def test_the_table_names_every_format_of_the_literal():
    assert set(DETECTION_FORMATS) - {"auto"} == set(FORMATS)


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda d: d / "absent.json", "no such keypoint file or folder"),
        (lambda d: (d / "x.json").write_text("[]") and d / "x.json", "holds no sequence or detection"),
        (lambda d: (d / "x.json").write_text("{not json") and d / "x.json", "not a readable JSON keypoint file"),
        (lambda d: (d / "x.json").write_text('{"a": 1}') and d / "x.json", "JSON of unknown layout"),
        (lambda d: (d / "x.npz").write_text("just text") and d / "x.npz", "not an npz file"),
        (lambda d: (np.savez(d / "x.npz", a=np.zeros(3)), d / "x.npz")[1], "an npz with keys ['a']"),
        (lambda d: (d / "empty").mkdir() or d / "empty", "a folder with no keypoint JSON files"),
    ],
    ids=["absent", "empty-list", "bad-json", "unknown-json", "text-as-npz", "other-npz", "empty-folder"],
)
def test_undetectable_inputs_are_one_line_naming_what_was_expected(tmp_path, make, needle):
    with pytest.raises(InputError) as err:
        read_detections(make(tmp_path))
    message = str(err.value)
    assert needle in message and "\n" not in message
    if needle not in ("no such keypoint file or folder", "holds no sequence or detection"):
        assert "of one of the formats clips, videopose3d, video" in message or "not a readable JSON" in message


@pytest.mark.parametrize(
    "fmt, make, needle",
    [
        ("coco", lambda d: save_clips(d / "c.npz", make_clips((5,))), "is an npz file; expected COCO keypoint results"),
        ("openpose", lambda d: write_coco(d / "c.json", scene()), "no 'people' list"),
        ("videopose3d", lambda d: write_coco(d / "c.json", scene()), "is a JSON file; expected VideoPose3D"),
        ("mmpose", lambda d: write_coco(d / "c.json", scene()), "has no 'keypoints' list of [x, y]"),
    ],
)
def test_a_format_given_that_does_not_fit_names_what_it_expects(tmp_path, fmt, make, needle):
    with pytest.raises(InputError, match=None) as err:
        read_detections(make(tmp_path), fmt, ReadOptions(image_size=SIZE))
    assert needle in str(err.value)


def test_an_unknown_format_name_is_refused(tmp_path):
    with pytest.raises(InputError, match="unknown keypoint format 'bvh'"):
        read_detections(write_coco(tmp_path / "c.json", scene()), "bvh")
