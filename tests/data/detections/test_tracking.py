"""The trackers: two people kept apart with stable ids, absences, one fast person, the file's ids."""

import numpy as np

from posynda.data.detections.tracking import Detection, box_iou, by_track_ids, greedy_tracks, track_people


def det(x, y=0.0, track=None, score=1.0, size=100.0):
    box = np.array([x, y, x + size, y + 2 * size])
    return Detection(np.full((17, 2), x), np.ones(17, np.float32), box, track, score)


def labels(tracks):
    """{track label: [(frame, x of the detection)]}."""
    return {t.label: [(f, float(d.box[0])) for f, d in zip(t.frames, t.detections)] for t in tracks}


def test_box_iou():
    a, b = np.array([0.0, 0, 10, 10]), np.array([5.0, 0, 15, 10])
    assert box_iou(a, b) == 50 / 150 and box_iou(a, a) == 1 and box_iou(a, a + 20) == 0
    assert box_iou(np.zeros(4), np.zeros(4)) == 0  # no area


def test_two_people_keep_their_ids_through_swapped_order_and_an_absence():
    frames = {}
    for t in range(8):
        a, b = det(100 + 5 * t), det(600 - 5 * t)  # walking towards each other, never overlapping
        frames[t] = [b, a] if t % 2 else [a, b]
    frames[3] = [det(600 - 15)]  # A is not detected in frames 3 and 4
    frames[4] = [det(600 - 20)]
    tracks, notes = track_people(frames, "auto", max_gap=10, iou_threshold=0.3)
    got = labels(tracks)
    assert list(got) == ["0", "1"] and notes == []
    assert [f for f, _ in got["0"]] == [0, 1, 2, 5, 6, 7] and all(x < 350 for _, x in got["0"])
    assert [f for f, _ in got["1"]] == list(range(8)) and all(x > 350 for _, x in got["1"])


def test_a_long_absence_or_no_overlap_starts_a_new_track():
    frames = {0: [det(0), det(500)], 1: [det(5), det(505)], 14: [det(10), det(510)], 15: [det(300), det(515)]}
    got = labels(greedy_tracks(frames, max_gap=10, iou_threshold=0.3))
    # frames 0-1, then 14-15 after a 12-frame absence; the jump to x = 300 overlaps nothing
    assert got == {
        "0": [(0, 0.0), (1, 5.0)],
        "1": [(0, 500.0), (1, 505.0)],
        "2": [(14, 10.0)],
        "3": [(14, 510.0), (15, 515.0)],
        "4": [(15, 300.0)],
    }


def test_one_person_per_frame_is_one_track_however_far_it_moves():
    frames = {t: [det(400.0 * t)] for t in range(4)}
    tracks, _ = track_people(frames, "auto", max_gap=10, iou_threshold=0.3)
    assert labels(tracks) == {"0": [(0, 0.0), (1, 400.0), (2, 800.0), (3, 1200.0)]}


def test_file_ids_group_split_at_long_gaps_and_keep_the_better_duplicate():
    frames = {0: [det(0, track="a"), det(50, track="a", score=2.0)], 1: [det(5, track="a")], 13: [det(9, track="a")]}
    frames[1].append(det(700, track="b"))
    notes = []
    tracks = by_track_ids(frames, max_gap=10, notes=notes)
    assert [(t.label, t.part, t.frames) for t in tracks] == [("a", 1, [0, 1]), ("b", 1, [1]), ("a", 2, [13])]
    assert tracks[0].detections[0].box[0] == 50 and "repeat a track id" in notes[0]


def test_greedy_tracking_can_be_forced_and_partial_ids_are_ignored():
    frames = {0: [det(0, track="7"), det(500)], 1: [det(5, track="7"), det(505)]}
    tracks, notes = track_people(frames, "auto", 10, 0.3)
    assert [t.tracked_by for t in tracks] == ["tracker", "tracker"] and "only 2 of 4 detections" in notes[0]
    frames[0][1].track = frames[1][1].track = "8"
    assert [t.label for t in track_people(frames, "auto", 10, 0.3)[0]] == ["7", "8"]
    assert [t.label for t in track_people(frames, "greedy", 10, 0.3)[0]] == ["0", "1"]
