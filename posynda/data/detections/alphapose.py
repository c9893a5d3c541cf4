"""AlphaPose results (``alphapose-results.json``, the input of MotionBERT's ``infer_wild.py``).

Layout: a list of detections, one per person and frame::

    [{"image_id": "0.jpg", "category_id": 1,
      "keypoints": [x, y, score] * J,     # pixels; J = 17 (COCO), 26 (Halpe-26) or 136 (Halpe-136)
      "score": 2.87,                      # detection score (not in [0, 1])
      "box": [x, y, w, h],
      "idx": 1 | [1]}, ...]               # the person's id with --pose_track / PoseFlow

Halpe's first 17 joints are COCO-17's, converted by the COCO rule (its extra head, neck, hip and foot
joints are not used). ``idx`` is the track id (a list: its first element); frames are ordered by
the number in ``image_id``. The file has no image size: give ``image_size`` (``--image-size WxH``).
Keypoint scores are clipped to [0, 1]; joints under the minimum confidence are missing.
"""

from __future__ import annotations

from posynda.data.detections.assemble import assemble
from posynda.data.detections.coco import flat_keypoints, video_of_records
from posynda.data.detections.probe import Probe, first_record, records
from posynda.data.detections.read_options import ReadOptions

WHAT = "AlphaPose results (a JSON list of {image_id, keypoints: [x, y, score] * 17 or 26, score, box, idx})"


def looks_like(probe: Probe) -> bool:
    first = first_record(probe.payload) if probe.kind == "json" else None
    return first is not None and flat_keypoints(first) and ("idx" in first or "box" in first)


def read(probe: Probe, options: ReadOptions):
    """An AlphaPose results file -> ``(ClipSet, DetectionReport)``, H36M-17 pixels, one sequence per person."""
    items = records(probe, WHAT, ("image_id", "keypoints"))
    video = video_of_records(probe, items, "idx", "an AlphaPose results file")
    return assemble([video], options, probe.path, "alphapose", "an AlphaPose results file")
