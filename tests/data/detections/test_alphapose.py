"""AlphaPose results: Halpe-26 (its first 17 joints = COCO), idx as the track id, scores above 1 clipped."""

import json

import numpy as np

from posynda.data.detections import ReadOptions, read_detections
from tests.helpers.detections import SIZE, expected_track, scene, write_alphapose

OPTIONS = ReadOptions(image_size=SIZE)


def test_idx_lists_are_track_ids_and_halpe_extras_are_not_used(tmp_path):
    path = write_alphapose(tmp_path / "alphapose-results.json", scene(), idx_as_list=True)
    records = json.loads(path.read_text())
    for rec in records:  # move Halpe's own head/neck/hip far away: the COCO rule does not use them
        rec["keypoints"][17 * 3 : 20 * 3] = [5.0, 5.0, 0.875] * 3
    path.write_text(json.dumps(records))
    clips, report = read_detections(path, options=OPTIONS)
    assert clips.sequence_names() == ["alphapose-results/track1", "alphapose-results/track2"]
    assert [s.tracked_by for s in report.sequences] == ["file", "file"]
    np.testing.assert_array_equal(clips.keypoints_2d[:4], expected_track(0)[0])


def test_scores_above_one_are_clipped_and_untracked_results_use_the_tracker(tmp_path):
    path = write_alphapose(tmp_path / "a.json", scene(people=(0,)), halpe=False)
    records = json.loads(path.read_text())
    for rec in records:
        rec["keypoints"][2::3] = [1.5] * 17
        del rec["idx"]
    path.write_text(json.dumps(records))
    clips, report = read_detections(path, options=OPTIONS)
    assert (clips.confidence == 1).all() and clips.sequence_names() == ["a/person0"]
    assert report.sequences[0].tracked_by == "tracker"
