"""The person detector's decoding: MediaPipe's 2254 SSD anchors, boxes and keypoints relative to them, the
score threshold, and weighted non-maximum suppression (overlapping boxes merge, distinct ones stay)."""

import numpy as np

from posynda.detectors.person_boxes import ANCHORS, INPUT_SIDE, decode


def test_the_anchor_grid_is_mediapipes():
    assert ANCHORS.shape == (2254, 2)
    assert (28 * 28 * 2 + 14 * 14 * 2 + 7 * 7 * 6) == 2254  # strides 8, 16 and three layers of 32
    np.testing.assert_allclose(ANCHORS[0], [0.5 / 28, 0.5 / 28])
    np.testing.assert_allclose(ANCHORS[-1], [6.5 / 7, 6.5 / 7])


def _outputs(hits: dict[int, tuple[float, list[float]]]):
    regressors = np.zeros((2254, 12), np.float32)
    logits = np.full(2254, -20.0, np.float32)
    for anchor, (logit, box) in hits.items():
        logits[anchor] = logit
        regressors[anchor, :4] = box
    return regressors, logits


def test_a_box_sits_on_its_anchor_and_low_scores_are_dropped():
    regressors, logits = _outputs({100: (3.0, [2.0, -1.0, 40.0, 60.0]), 200: (-1.0, [0, 0, 30, 30])})
    (person,) = decode(regressors, logits)
    cx, cy = ANCHORS[100] * INPUT_SIDE + [2.0, -1.0]
    np.testing.assert_allclose(person.box, [cx - 20, cy - 30, cx + 20, cy + 30], atol=1e-5)
    assert person.score == np.float32(1 / (1 + np.exp(-3.0))) or abs(person.score - 0.9526) < 1e-3
    np.testing.assert_allclose(person.keypoints, np.tile(ANCHORS[100] * INPUT_SIDE, (4, 1)), atol=1e-5)
    assert decode(*_outputs({})) == []


def test_overlapping_boxes_merge_by_score_and_distinct_ones_stay():
    same = np.flatnonzero(np.all(ANCHORS == ANCHORS[1000], axis=1))[:2]  # two anchors of one cell
    far = int(np.argmin(np.linalg.norm(ANCHORS - [0.1, 0.1], axis=1)))
    regressors, logits = _outputs({int(same[0]): (4.0, [0, 0, 50, 80]), int(same[1]): (4.0, [4, 0, 50, 80]),
                                   far: (2.0, [0, 0, 30, 30])})  # fmt: skip
    merged, other = decode(regressors, logits)
    np.testing.assert_allclose(merged.box[[0, 2]] - ANCHORS[1000, 0] * INPUT_SIDE, [-23.0, 27.0], atol=1e-4)
    assert merged.score > other.score
