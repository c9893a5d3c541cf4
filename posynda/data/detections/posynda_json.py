"""posynda's own JSON keypoint file (what ``posynda lift`` has always read).

Schema (one sequence per object; a top-level list holds several sequences)::

    {
      "keypoints_2d": [[[u, v], ... J joints], ... frames],   # pixels; null or [null, null] = missing
      "image_size": [width, height],                          # pixels (or give image_size / --image-size)
      "camera": [fx, fy, cx, cy, k1, k2, k3, p1, p2],         # optional; default: pinhole, see below
      "confidence": [[c, ... J], ... frames],                 # optional, in [0, 1]
      "fps": 30.0,                                            # optional
      "name": "clip-1",                                       # optional
      "person": "0",                                          # optional: the person's id
      "source_frames": [17, 18, ...],                         # optional: each frame's number in the source
      "joint_order": "h36m"                                   # optional: a key of posynda.skeleton.JOINT_ORDERS
    }

J is the joint count of the joint order (17 for "h36m", the default, and "coco"). Without
``camera`` the default pinhole camera is used (:func:`~posynda.data.detections.read_options.default_intrinsics`:
focal length ``max(width, height)`` pixels, principal point at the image centre, no distortion). The
lifter sees the 2D through the camera (``posynda.camera.canonical_screen``), so a wrong focal length
changes the pose a little and the root depth in proportion; give the real one when it is known. ``image_size``
and ``intrinsics`` / ``fov`` of the options replace the file's.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path

import numpy as np

from posynda.data.clips import ClipSet, validate
from posynda.data.detections.native_files import finish
from posynda.data.detections.probe import Probe, first_record, read_json, require
from posynda.data.detections.read_options import KEYPOINT_ORDERS, ReadOptions, default_intrinsics, options_camera
from posynda.errors import InputError
from posynda.fileio import atomic_write_text
from posynda.skeleton import JOINT_ORDERS

WHAT = "posynda keypoint JSON ({keypoints_2d: [[[u, v], ...], ...], image_size: [w, h], ...} or a list of them)"


def looks_like(probe: Probe) -> bool:
    if probe.kind != "json":
        return False
    first = probe.payload if isinstance(probe.payload, dict) else first_record(probe.payload)
    return isinstance(first, dict) and "keypoints_2d" in first


def _to_array(value, name: str, source, joints: int, order: str) -> np.ndarray:
    try:
        data = [
            [[math.nan, math.nan] if p is None else [math.nan if c is None else c for c in p] for p in frame]
            for frame in value
        ]
        arr = np.asarray(data, dtype=np.float32)
    except (TypeError, ValueError):
        raise InputError(f"{source}: '{name}' must be a list of frames of [u, v] pixel pairs") from None
    if arr.ndim != 3 or arr.shape[-1] != 2:
        raise InputError(f"{source}: '{name}' has shape {list(arr.shape)}, expected [frames, {joints}, 2]")
    if arr.shape[1] != joints:
        raise InputError(
            f"{source}: '{name}' has {arr.shape[1]} joints per frame, expected {joints} (joint order {order!r})"
        )
    return arr


def _sequence(obj: dict, source, options: ReadOptions) -> tuple[ClipSet, str | None, bool]:
    """One JSON object -> (ClipSet in its own joint order, the file's joint order or None, camera from file)."""
    if not isinstance(obj, dict):
        raise InputError(f"{source}: each sequence must be a JSON object")
    if "keypoints_2d" not in obj:
        raise InputError(f"{source}: missing required key 'keypoints_2d'")
    if "image_size" not in obj and options.image_size is None:
        raise InputError(f"{source}: missing required key 'image_size' (or give --image-size WxH)")
    file_order = obj.get("joint_order")
    order = options.joint_order or file_order or "h36m"
    if order not in JOINT_ORDERS:
        raise InputError(f"{source}: unknown joint order {order!r}; choose one of {', '.join(KEYPOINT_ORDERS)}")
    joints = JOINT_ORDERS[order][0]
    kp = _to_array(obj["keypoints_2d"], "keypoints_2d", source, joints, order)
    try:
        w, h = options.image_size or tuple(int(v) for v in obj["image_size"])
    except (TypeError, ValueError):
        raise InputError(f"{source}: 'image_size' must be [width, height]") from None
    cam = options_camera((w, h), options)
    from_file = cam is None and obj.get("camera") is not None
    if cam is None:
        cam = obj.get("camera")
        if cam is None:
            cam = default_intrinsics(w, h)
        else:
            cam = np.asarray(cam, dtype=np.float32)
            if cam.shape != (9,):
                raise InputError(f"{source}: 'camera' must be 9 floats [fx, fy, cx, cy, k1, k2, k3, p1, p2]")
    conf = obj.get("confidence")
    if conf is not None:
        conf = np.asarray(conf, dtype=np.float32)
        if conf.shape != kp.shape[:2]:
            raise InputError(f"{source}: 'confidence' has shape {list(conf.shape)}, expected {list(kp.shape[:2])}")
    clips = ClipSet.single_sequence(kp, cam, (w, h), conf, fps=obj.get("fps"), name=obj.get("name", "seq000"))
    if obj.get("person") is not None:
        clips = dataclasses.replace(clips, person=np.array([str(obj["person"])]))
    if obj.get("source_frames") is not None:
        try:
            frames = np.asarray(obj["source_frames"], dtype=np.int64)
        except (TypeError, ValueError, OverflowError):
            raise InputError(f"{source}: 'source_frames' must be integers, one per frame") from None
        if frames.shape != (len(kp),) or (len(frames) and (frames.min() < 0 or frames.max() > np.iinfo(np.int32).max)):
            raise InputError(f"{source}: 'source_frames' must be {len(kp)} frame numbers in [0, 2^31)")
        clips = dataclasses.replace(clips, source_frame=frames.astype(np.int32))
    return clips, file_order, from_file


def _parse(payload, source, options: ReadOptions) -> tuple[ClipSet, str | None, bool]:
    objects = payload if isinstance(payload, list) else [payload]
    if not objects:
        raise InputError(f"{source}: holds no sequence")
    parts = [_sequence(obj, source, options) for obj in objects]
    orders = {order for _, order, _ in parts if order is not None}
    if len(orders) > 1:
        raise InputError(f"{source}: sequences use different joint orders {sorted(orders)}")
    file_order = orders.pop() if orders else None
    if options.joint_order and file_order and options.joint_order != file_order:
        raise InputError(f"{source}: file says joint_order {file_order!r} but --joint-order is {options.joint_order!r}")
    sets = [c for c, _, _ in parts]
    if len(sets) == 1:
        clips = sets[0]
    else:  # concatenate() validates (17 joints): join the arrays of any joint count here
        clips = ClipSet(
            keypoints_2d=np.concatenate([c.keypoints_2d for c in sets]),
            seq_index=np.repeat(np.arange(len(sets)), [c.num_frames for c in sets]).astype(np.int32),
            camera=np.concatenate([c.camera for c in sets]),
            image_size=np.concatenate([c.image_size for c in sets]),
            confidence=(
                np.concatenate([c.confidence_or_ones() for c in sets])
                if any(c.confidence is not None for c in sets)
                else None
            ),
            fps=np.concatenate([c.fps for c in sets]) if all(c.fps is not None for c in sets) else None,
            seq_name=np.array([str(c.seq_name[0]) for c in sets]),
            source_frame=(np.concatenate([c.source_frame for c in sets])
                          if all(c.source_frame is not None for c in sets) else None),
            person=np.array([str(c.person[0]) for c in sets]) if all(c.person is not None for c in sets) else None,
        )  # fmt: skip
    return clips, file_order, parts[0][2]


def read_json_keypoints(path: str | os.PathLike, options: ReadOptions | None = None) -> tuple[ClipSet, str | None]:
    """A posynda JSON keypoint file -> (ClipSet in the file's joint order, that order or None)."""
    path, options = Path(path), options or ReadOptions()
    clips, order, _ = _parse(read_json(path), path, options)
    if (options.joint_order or order or "h36m") == "h36m":
        clips = validate(clips, source=str(path))
    return clips, order


def read(probe: Probe, options: ReadOptions):
    """A posynda JSON keypoint file -> ``(ClipSet, DetectionReport)`` in H36M order."""
    require(probe, "json", WHAT)
    clips, order, from_file = _parse(probe.payload, probe.path, options)
    return finish(clips, options.joint_order or order or "h36m", options, probe.path, "posynda-json", from_file)


def _rounded(value: float, digits: int) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


def write_json_keypoints(path: str | os.PathLike, clips: ClipSet) -> Path:
    """Write ``clips`` (H36M order, pixels) atomically as a posynda keypoint JSON (the schema above): one
    object per sequence with ``keypoints_2d`` (0.01 px, ``null`` = missing), ``confidence``, ``image_size``,
    ``camera``, ``fps`` (when known), ``name``, ``person`` and ``source_frames`` (when known) and ``joint_order``
    "h36m"; :func:`read` reads it back."""
    path = Path(path)
    clips = validate(clips, source=str(path))
    names, conf = clips.sequence_names(), clips.confidence_or_ones()
    sequences = []
    for s, frames in clips.iter_sequences():
        kp = clips.keypoints_2d[frames]
        obj = {
            "name": names[s],
            "joint_order": "h36m",
            "image_size": [int(v) for v in clips.image_size[s]],
            "camera": [float(v) for v in clips.camera[s]],
            "keypoints_2d": [
                [None if not np.isfinite(p).all() else [round(float(p[0]), 2), round(float(p[1]), 2)] for p in frame]
                for frame in kp
            ],
            "confidence": [[round(float(c), 4) for c in frame] for frame in conf[frames]],
        }
        if clips.fps is not None and math.isfinite(float(clips.fps[s])):
            obj["fps"] = _rounded(clips.fps[s], 6)
        if clips.person is not None:
            obj["person"] = str(clips.person[s])
        if clips.source_frame is not None:
            obj["source_frames"] = [int(v) for v in clips.source_frame[frames]]
        sequences.append(obj)
    payload = sequences[0] if len(sequences) == 1 else sequences
    atomic_write_text(path, json.dumps(payload, separators=(",", ":")) + "\n")
    return path
