"""COCO keypoint results (the JSON list COCO's keypoint evaluation and most top-down detectors write).

Layout: a list of detections, one per person and image::

    [{"image_id": 12 | "000012.jpg", "category_id": 1,
      "keypoints": [x, y, score] * J,      # pixels; J = 17 (COCO), 26 (Halpe), 133 (whole body) or 136
      "score": 0.93,                       # the detection's score
      "track_id": 3}, ...]                 # optional (PoseTrack-style results)

Frames are ordered by ``image_id`` (integers, or names sorted naturally, ``"2.jpg" < "10.jpg"``; see
:func:`~posynda.data.detections.people.frame_positions`). The file has no image size: give
``image_size`` (``--image-size WxH``). The triplet scores become ``confidence``; joints scored
under the minimum confidence are missing.
"""

from __future__ import annotations

from posynda.data.detections.assemble import assemble
from posynda.data.detections.people import (
    Person,
    Video,
    frames_from,
    keypoint_triplets,
    order_for_count,
    stem,
    track_id,
)
from posynda.data.detections.probe import Probe, first_record, records
from posynda.data.detections.read_options import ReadOptions
from posynda.errors import InputError

WHAT = "COCO keypoint results (a JSON list of {image_id, category_id, keypoints: [x, y, score] * 17, score})"


def flat_keypoints(record: dict) -> bool:
    kp = record.get("keypoints")
    return isinstance(kp, list) and bool(kp) and isinstance(kp[0], (int, float))


def looks_like(probe: Probe) -> bool:
    first = first_record(probe.payload) if probe.kind == "json" else None
    return first is not None and "image_id" in first and flat_keypoints(first)


def video_of_records(probe: Probe, items: list[dict], track_key: str, what: str) -> Video:
    """Results records (``image_id``, flat ``keypoints`` triplets, ``score``, ``track_key``) -> one Video."""
    pairs, counts = [], set()
    for i, rec in enumerate(items):
        kp, scores = keypoint_triplets(rec["keypoints"], probe.path, f"entry {i}")
        counts.add(len(kp))
        score = rec.get("score")
        score = float(score) if isinstance(score, (int, float)) else None
        person = Person(kp, scores, track_id(rec.get(track_key)), score)
        image = rec["image_id"]
        pairs.append((image if isinstance(image, (int, str)) else str(image), person))
    if len(counts) > 1:
        raise InputError(f"{probe.path}: detections have different joint counts {sorted(counts)}")
    order = order_for_count(counts.pop(), probe.path, what)
    frames, note = frames_from(pairs)
    return Video(stem(probe.path), frames, order, notes=[note] if note else [])


def read(probe: Probe, options: ReadOptions):
    """A COCO keypoint results file -> ``(ClipSet, DetectionReport)``, H36M-17 pixels, one sequence per person."""
    items = records(probe, WHAT, ("image_id", "keypoints"))
    video = video_of_records(probe, items, "track_id", "a COCO keypoint results file")
    return assemble([video], options, probe.path, "coco", "a COCO keypoint results file")
