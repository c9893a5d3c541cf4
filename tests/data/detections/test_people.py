"""What detector files carry, parsed: frame numbers from ids, natural order, track ids."""

import pytest

from posynda.data.detections.people import frame_number, frame_positions, natural_key, track_id


@pytest.mark.parametrize(
    "value, number",
    [(12, 12), ("000012.jpg", 12), ("clip_000000000012_keypoints.json", 12), ("cam2/frame_7.png", 7), ("a.jpg", None)],
)
def test_frame_numbers(value, number):
    assert frame_number(value) == number


def test_frame_positions_and_natural_order():
    assert sorted(["10.jpg", "9.jpg", "b1", "a10", "a9"], key=natural_key) == ["9.jpg", "10.jpg", "a9", "a10", "b1"]
    assert frame_positions(["3.jpg", "1.jpg", "3.jpg"]) == ({"1.jpg": 1, "3.jpg": 3}, None)
    positions, note = frame_positions(["cam1_b.jpg", "cam1_a.jpg"])  # the same number twice
    assert positions == {"cam1_a.jpg": 0, "cam1_b.jpg": 1} and "natural sort order" in note


@pytest.mark.parametrize(
    "value, text", [(3, "3"), ([4], "4"), ([], None), (-1, None), ([-1], None), ("p2", "p2"), (2.0, "2")]
)
def test_track_ids(value, text):
    assert track_id(value) == text
