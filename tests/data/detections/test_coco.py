"""COCO keypoint results: frame order and gaps from the image ids, track ids, the image size it lacks."""

import json

import numpy as np
import pytest

from posynda.data.detections import ReadOptions, read_detections
from posynda.errors import InputError
from tests.helpers.detections import SIZE, expected_track, scene, triplets, write_coco

OPTIONS = ReadOptions(image_size=SIZE)


def test_integer_ids_place_frames_and_a_frame_without_detection_is_missing(tmp_path):
    frames = scene(people=(0,))
    frames[2] = []  # nobody detected in frame 2: COCO results simply have no record
    clips, report = read_detections(write_coco(tmp_path / "r.json", frames, ids="int"), options=OPTIONS)
    kp, conf = expected_track(0)
    assert clips.num_frames == 4 and np.isnan(clips.keypoints_2d[2]).all() and (clips.confidence[2] == 0).all()
    np.testing.assert_array_equal(clips.keypoints_2d[[0, 1, 3]], kp[[0, 1, 3]])
    np.testing.assert_array_equal(clips.confidence[[0, 1, 3]], conf[[0, 1, 3]])
    assert report.sequences[0].missing_pct == 25.0 and report.notes == ()


def test_records_in_any_order_are_sorted_by_their_natural_frame_number(tmp_path):
    records = []
    for t in (10, 2, 1, 9):  # "2.jpg" < "9.jpg" < "10.jpg"
        kp, scores = scene(people=(0,), frames=11)[t][0][1:]
        records.append({"image_id": f"{t}.jpg", "category_id": 1, "keypoints": triplets(kp, scores), "score": 1.0})
    (tmp_path / "r.json").write_text(json.dumps(records))
    clips, report = read_detections(tmp_path / "r.json", options=OPTIONS)
    kp, _ = expected_track(0, frames=11)
    assert clips.num_frames == 10  # frames 1..10; 3..8 missing
    np.testing.assert_array_equal(clips.keypoints_2d[[0, 1, 8, 9]], kp[[1, 2, 9, 10]])
    assert np.isnan(clips.keypoints_2d[2:8]).all()


def test_far_apart_image_ids_are_separate_people_and_ids_without_numbers_follow_each_other(tmp_path):
    kp, scores = scene((0,))[0][0][1:]
    records = [{"image_id": i, "keypoints": triplets(kp, scores), "score": 1.0} for i in (139, 285, 632)]
    (tmp_path / "val.json").write_text(json.dumps(records))  # COCO val images: not a video
    clips, report = read_detections(tmp_path / "val.json", options=OPTIONS)
    assert clips.sequence_names() == ["val/person0", "val/person1", "val/person2"] and clips.num_frames == 3
    for rec, name in zip(records, ("b.jpg", "a.jpg", "c.jpg")):
        rec["image_id"] = name
    (tmp_path / "named.json").write_text(json.dumps(records))
    clips, report = read_detections(tmp_path / "named.json", options=OPTIONS)
    assert clips.sequence_names() == ["named/person0"] and clips.num_frames == 3
    assert "natural sort order without gaps" in report.notes[0]


def test_track_ids_split_where_a_person_is_absent_longer_than_max_gap(tmp_path):
    frames = scene(people=(0,), frames=16)
    for t in range(2, 14):  # absent 12 frames (> 10)
        frames[t] = []
    clips, _ = read_detections(write_coco(tmp_path / "r.json", frames, track_ids=True), options=OPTIONS)
    assert clips.sequence_names() == ["r/track7", "r/track7/part2"] and clips.num_frames == 4
    clips, _ = read_detections(tmp_path / "r.json", options=ReadOptions(image_size=SIZE, max_gap=12))
    assert clips.sequence_names() == ["r/track7"] and clips.num_frames == 16


def test_the_image_size_is_required_and_named(tmp_path):
    with pytest.raises(InputError, match=r"has no image size; give it as --image-size WxH"):
        read_detections(write_coco(tmp_path / "r.json", scene()))


def test_bad_records_name_the_entry(tmp_path):
    records = [{"image_id": 0, "keypoints": [1, 2, 0.5] * 17}, {"image_id": 1, "keypoints": [1, 2, 0.5] * 26}]
    (tmp_path / "mixed.json").write_text(json.dumps(records))
    with pytest.raises(InputError, match=r"different joint counts \[17, 26\]"):
        read_detections(tmp_path / "mixed.json", options=OPTIONS)
    (tmp_path / "odd.json").write_text(json.dumps([{"image_id": 0, "keypoints": [1, 2, 0.5] * 5 + [1]}]))
    with pytest.raises(InputError, match="entry 0 'keypoints' must be"):
        read_detections(tmp_path / "odd.json", "coco", OPTIONS)
    (tmp_path / "few.json").write_text(json.dumps([{"image_id": 0, "keypoints": [1, 2, 0.5] * 5}]))
    with pytest.raises(InputError, match=r"has 5 joints per person; expected 17 \(coco\)"):
        read_detections(tmp_path / "few.json", "coco", OPTIONS)
