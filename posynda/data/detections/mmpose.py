"""MMPose predictions: what ``MMPoseInferencer(..., pred_out_dir=DIR)`` writes (rtmlib has no file
format of its own; dump its ``keypoints, scores`` in this layout).

Layouts (MMPose 1.x, ``split_instances``)::

    # a video -> DIR/<video>.json: one entry per frame
    [{"frame_id": 0, "instances": [{"keypoints": [[x, y], ...],       # J joints, pixels
                                    "keypoint_scores": [s, ...],      # J scores (RTMPose's may exceed 1)
                                    "bbox": [[x0, y0, x1, y1]], "bbox_score": 0.98,
                                    "track_id": 2}, ...]}, ...]       # track_id: optional
    # an image -> DIR/<image>.json: the list of its instances (one frame)
    [{"keypoints": [[x, y], ...], "keypoint_scores": [...], "bbox": ..., "bbox_score": ...}, ...]

A folder of per-image files is read as a video, its frames ordered by the number in the file names.
J = 17 (COCO, MMPose's "human" / RTMPose body), 26 (Halpe-26, RTMPose "body8-halpe26"), 133
(COCO-WholeBody, "wholebody"); the first 17 are COCO's. Scores are clipped to [0, 1]. The files have no
image size: give ``image_size`` (``--image-size WxH``).
"""

from __future__ import annotations

import numpy as np

from posynda.data.detections.assemble import assemble
from posynda.data.detections.people import Person, Video, frames_from, order_for_count, stem, track_id
from posynda.data.detections.probe import Probe, first_record, require
from posynda.data.detections.read_options import ReadOptions
from posynda.errors import InputError

WHAT = (
    "MMPose predictions (a JSON list of {frame_id, instances: [{keypoints: [[x, y], ...], keypoint_scores}]} "
    "or a list of instances)"
)


def is_instance(record) -> bool:
    kp = record.get("keypoints") if isinstance(record, dict) else None
    return isinstance(kp, list) and bool(kp) and isinstance(kp[0], list)


def is_frames(payload) -> bool:
    first = first_record(payload)
    return first is not None and "instances" in first


def looks_like(probe: Probe) -> bool:
    if probe.kind == "json":
        first = first_record(probe.payload)
        return first is not None and ("instances" in first or is_instance(first))
    if probe.kind == "folder":
        for path in probe.json_files():
            try:
                payload = probe.folder_json(path)
            except InputError:
                return False
            if first_record(payload) is not None:
                return is_instance(payload[0])
    return False


def person(instance, source, where: str) -> Person:
    if not is_instance(instance):
        raise InputError(f"{source}: {where} has no 'keypoints' list of [x, y]; expected {WHAT}")
    try:
        kp = np.asarray(instance["keypoints"], np.float64)
        scores = instance.get("keypoint_scores")
        scores = None if scores is None else np.asarray(scores, np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InputError(f"{source}: {where} has non-numeric keypoints or scores") from None
    if kp.ndim != 2 or kp.shape[1] not in (2, 3) or (kp.shape[1] == 3 and scores is not None):
        raise InputError(f"{source}: {where} keypoints have shape {list(kp.shape)}, expected [J, 2] pixels (2D)")
    if kp.shape[1] == 3:
        kp, scores = kp[:, :2].copy(), kp[:, 2].copy()
    if scores is not None and len(scores) != len(kp):
        raise InputError(f"{source}: {where} has {len(scores)} keypoint_scores for {len(kp)} keypoints")
    score = instance.get("bbox_score")
    if isinstance(score, list):
        score = score[0] if score else None
    score = float(score) if isinstance(score, (int, float)) else None
    return Person(kp, scores, track_id(instance.get("track_id")), score)


def _instances(payload, source, where: str) -> list:
    if not isinstance(payload, list):
        raise InputError(f"{source}: {where} must be a list of instances; expected {WHAT}")
    return payload


def read(probe: Probe, options: ReadOptions):
    """MMPose predictions (a video file, an image file or a folder of image files) -> ``(ClipSet, DetectionReport)``."""
    pairs = []
    if probe.kind == "folder":
        files = probe.json_files()
        if not files:
            raise InputError(f"{probe.path}: a folder without .json files; expected {WHAT}")
        for path in files:
            for i, inst in enumerate(_instances(probe.folder_json(path), path, "the file")):
                pairs.append((path.name, person(inst, path, f"instance {i}")))
        keys = [p.name for p in files]
    else:
        require(probe, "json", WHAT)
        payload = probe.payload
        if not isinstance(payload, list) or not payload:
            raise InputError(f"{probe.path}: expected {WHAT}")
        if is_frames(payload):
            keys = []
            for k, frame in enumerate(payload):
                if not isinstance(frame, dict) or "instances" not in frame:
                    raise InputError(f"{probe.path}: frame entry {k} has no 'instances'; expected {WHAT}")
                key = frame.get("frame_id", k)
                keys.append(key)
                for i, inst in enumerate(_instances(frame["instances"], probe.path, f"frame {key} 'instances'")):
                    pairs.append((key, person(inst, probe.path, f"frame {key} instance {i}")))
        else:
            keys = [probe.path.name]
            pairs = [(probe.path.name, person(inst, probe.path, f"instance {i}")) for i, inst in enumerate(payload)]
    counts = {len(p.keypoints) for _, p in pairs}
    if len(counts) > 1:
        raise InputError(f"{probe.path}: instances have different joint counts {sorted(counts)}")
    if not counts:
        raise InputError(f"{probe.path}: holds no detected person")
    frames, note = frames_from(pairs, keys)
    order = order_for_count(counts.pop(), probe.path, "an MMPose prediction")
    video = Video(stem(probe.path), frames, order, notes=[note] if note else [])
    return assemble([video], options, probe.path, "mmpose", "an MMPose prediction file")
