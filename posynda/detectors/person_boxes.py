"""BlazePose's person detector: 224 x 224 letterboxed RGB in, people out as boxes and alignment points.

The network regresses, per SSD anchor (2254 of them: strides 8, 16 and 3 x 32 on a 224-px input, two
anchors per cell and layer, fixed size), a box (centre x, y, width, height) and four keypoints relative to
the anchor, in input pixels, plus a logit. Kept: logits above :data:`MIN_SCORE` (after MediaPipe's clip to
+-100), merged by MediaPipe's *weighted* non-maximum suppression (IoU > 0.3: the score-weighted mean of the
overlapping boxes and keypoints, the best one's score). Keypoint 0 is the mid-hip and keypoint 1 a point
above the head: the pair the landmark model's region is fitted to (:func:`posynda.detectors.crops.aligned_region`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posynda.detectors.crops import letterbox_transform, to_image, warp

INPUT_SIDE = 224
MIN_SCORE = 0.5
NMS_IOU = 0.3
_STRIDES = (8, 16, 32, 32, 32)
_MIN_SCALE, _MAX_SCALE = 0.1484375, 0.75  # only their count matters with fixed-size anchors


@dataclass(frozen=True)
class PersonBox:
    """One detected person: ``score`` in [0, 1], ``box`` [x0, y0, x1, y1] px, ``keypoints`` [4, 2] px."""

    score: float
    box: np.ndarray
    keypoints: np.ndarray


def anchor_centres() -> np.ndarray:
    """``[2254, 2]`` anchor centres in [0, 1] (MediaPipe's ``SsdAnchorsCalculator`` for the pose detector:
    consecutive layers of one stride share a grid; two anchors per layer and cell)."""
    centres, layer = [], 0
    while layer < len(_STRIDES):
        last = layer
        while last < len(_STRIDES) and _STRIDES[last] == _STRIDES[layer]:
            last += 1
        cells = math.ceil(INPUT_SIDE / _STRIDES[layer])
        per_cell = 2 * (last - layer)
        y, x = np.mgrid[0:cells, 0:cells]
        grid = np.stack([(x + 0.5) / cells, (y + 0.5) / cells], -1).reshape(-1, 1, 2)
        centres.append(np.repeat(grid, per_cell, axis=1).reshape(-1, 2))
        layer = last
    return np.concatenate(centres).astype(np.float64)


ANCHORS = anchor_centres()


def detector_input(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(tensor [1, 224, 224, 3] float32 in [-1, 1], transform [2, 3] input px -> image px)`` of an RGB
    uint8 ``image`` [H, W, 3], letterboxed (the border is -1, MediaPipe's zero pixels)."""
    height, width = image.shape[:2]
    transform = letterbox_transform(width, height, INPUT_SIDE)
    pixels = warp(image, transform, INPUT_SIDE, INPUT_SIDE)
    return (pixels / 127.5 - 1.0)[None].astype(np.float32), transform


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0, y0 = np.maximum(box[0], boxes[:, 0]), np.maximum(box[1], boxes[:, 1])
    x1, y1 = np.minimum(box[2], boxes[:, 2]), np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
    return inter / np.maximum(area(box) + area(boxes) - inter, 1e-12)


def _sigmoid(logit: float) -> float:
    """MediaPipe's score of a logit (clipped to +-100), by the C library's ``exp`` (numpy's SIMD ``exp`` may round
    the last bit otherwise, and the scores weigh the merged boxes)."""
    return 1.0 / (1.0 + math.exp(-min(max(logit, -100.0), 100.0)))


def decode(regressors: np.ndarray, logits: np.ndarray, min_score: float = MIN_SCORE) -> list[PersonBox]:
    """People from the network's outputs ``[2254, 12]`` and ``[2254]``, in input pixels, best first.

    Written so that libposynda's port computes the same numbers: scores by :func:`_sigmoid`, the merged box and
    keypoints summed one overlapping box after the other (no BLAS, no pairwise sums). numpy's ``exp`` only picks
    the candidates, with a margin far above its last-bit error; the kept scores are :func:`_sigmoid`'s."""
    rough = 1.0 / (1.0 + np.exp(-np.clip(logits.astype(np.float64), -100.0, 100.0)))
    candidates = np.flatnonzero(rough >= min_score - 1e-9)
    scores = np.zeros(len(logits))
    scores[candidates] = [_sigmoid(float(logits[i])) for i in candidates]
    keep = candidates[scores[candidates] >= min_score]
    if keep.size == 0:
        return []
    raw = regressors[keep].astype(np.float64)
    centres = ANCHORS[keep] * INPUT_SIDE
    cx, cy = raw[:, 0] + centres[:, 0], raw[:, 1] + centres[:, 1]
    boxes = np.stack([cx - raw[:, 2] / 2, cy - raw[:, 3] / 2, cx + raw[:, 2] / 2, cy + raw[:, 3] / 2], -1)
    points = raw[:, 4:12].reshape(-1, 4, 2) + centres[:, None, :]
    order = np.argsort(-scores[keep], kind="stable")
    boxes, points, found = boxes[order], points[order], scores[keep][order]
    people = []
    while len(found):
        overlap = _iou(boxes[0], boxes) > NMS_IOU
        overlap[0] = True
        members = np.flatnonzero(overlap)
        total = 0.0
        for i in members:
            total += found[i]
        box, keypoints = np.zeros(4), np.zeros((4, 2))
        for i in members:  # the score-weighted mean, summed in order
            weight = found[i] / total
            box, keypoints = box + weight * boxes[i], keypoints + weight * points[i]
        people.append(PersonBox(float(found[0]), box, keypoints))
        boxes, points, found = boxes[~overlap], points[~overlap], found[~overlap]
    return people


def detect_people_boxes(session, image: np.ndarray, min_score: float = MIN_SCORE) -> list[PersonBox]:
    """The people ONNX Runtime's ``session`` of the detector finds in an RGB ``image``, in image pixels."""
    tensor, transform = detector_input(image)
    regressors, logits = session.run(None, {session.get_inputs()[0].name: tensor})
    people = decode(regressors[0], logits[0, :, 0], min_score)
    out = []
    for p in people:
        corners = to_image(p.box.reshape(2, 2), transform).reshape(4)
        out.append(PersonBox(p.score, corners, to_image(p.keypoints, transform)))
    return out
