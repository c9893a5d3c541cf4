"""Keypoint files for ``posynda lift``: clip files (``.npz``) or a simple JSON, H36M or COCO order.

JSON schema (one sequence per object; a top-level list holds several sequences)::

    {
      "keypoints_2d": [[[u, v], ... 17 joints], ... frames],   # pixels; null or [null, null] = missing
      "image_size": [width, height],                           # pixels (required)
      "camera": [fx, fy, cx, cy, k1, k2, k3, p1, p2],          # optional; default: pinhole, see below
      "confidence": [[c, ... 17], ... frames],                 # optional, in [0, 1]
      "fps": 30.0,                                             # optional
      "name": "clip-1",                                        # optional
      "joint_order": "h36m"                                    # optional: "h36m" (default) or "coco"
    }

Without ``camera`` the default pinhole camera is used: focal length ``max(width, height)`` pixels
(about a 53 degree field of view across the longer side, a typical phone/webcam), principal point
at the image centre, no distortion. Only the absolute placement (root depth) depends on it; the
root-relative pose does not. COCO-17 keypoints (``--joint-order coco`` or ``"joint_order"``) are
converted to H36M-17 by :func:`posynda.skeleton.convert_joints` (pelvis = mid-hips, ...).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path
from typing import Literal, get_args

import numpy as np

from posynda.data.clips import ClipSet, concatenate, load_clips, validate
from posynda.errors import InputError
from posynda.skeleton import NUM_JOINTS, convert_joints

# Joint orders a keypoint file may come in (converted to H36M-17 by posynda.skeleton.convert_joints).
KeypointOrder = Literal["h36m", "coco"]
KEYPOINT_ORDERS: tuple[str, ...] = get_args(KeypointOrder)


def default_intrinsics(width: int, height: int) -> np.ndarray:
    """Pinhole camera for footage without calibration: ``f = max(w, h)``, centre of the image."""
    f = float(max(width, height))
    return np.array([f, f, width / 2.0, height / 2.0, 0, 0, 0, 0, 0], np.float32)


def _to_array(value, name: str, source: str) -> np.ndarray:
    try:
        data = [
            [[math.nan, math.nan] if p is None else [math.nan if c is None else c for c in p] for p in frame]
            for frame in value
        ]
        arr = np.asarray(data, dtype=np.float32)
    except (TypeError, ValueError):
        raise InputError(f"{source}: '{name}' must be a list of frames of [u, v] pixel pairs") from None
    if arr.ndim != 3 or arr.shape[-1] != 2:
        raise InputError(f"{source}: '{name}' has shape {list(arr.shape)}, expected [frames, 17, 2]")
    if arr.shape[1] != NUM_JOINTS:
        raise InputError(f"{source}: '{name}' has {arr.shape[1]} joints per frame, expected 17 (h36m or coco order)")
    return arr


def _json_sequence(obj: dict, source: str) -> tuple[ClipSet, str | None]:
    if not isinstance(obj, dict):
        raise InputError(f"{source}: each sequence must be a JSON object")
    for key in ("keypoints_2d", "image_size"):
        if key not in obj:
            raise InputError(f"{source}: missing required key '{key}'")
    kp = _to_array(obj["keypoints_2d"], "keypoints_2d", source)
    try:
        w, h = (int(v) for v in obj["image_size"])
    except (TypeError, ValueError):
        raise InputError(f"{source}: 'image_size' must be [width, height]") from None
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
    return clips, obj.get("joint_order")


def read_json_keypoints(path: str | os.PathLike) -> tuple[ClipSet, str | None]:
    """A JSON keypoint file (schema in the module docstring) -> (ClipSet, its joint order or None)."""
    path = Path(path)
    try:
        payload = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable JSON keypoint file ({exc})") from None
    objects = payload if isinstance(payload, list) else [payload]
    if not objects:
        raise InputError(f"{path}: holds no sequence")
    parts = [_json_sequence(obj, str(path)) for obj in objects]
    orders = {order for _, order in parts if order is not None}
    if len(orders) > 1:
        raise InputError(f"{path}: sequences use different joint orders {sorted(orders)}")
    clips = parts[0][0] if len(parts) == 1 else concatenate([c for c, _ in parts])
    if len(parts) > 1 and any(c.seq_name is not None for c, _ in parts):
        clips = dataclasses.replace(clips, seq_name=np.array([str(c.seq_name[0]) for c, _ in parts]))
    return validate(clips, source=str(path)), (orders.pop() if orders else None)


def read_keypoints(path: str | os.PathLike, joint_order: KeypointOrder | None = None) -> ClipSet:
    """Keypoints to lift, in H36M order: a clip file (``.npz``) or a JSON keypoint file.

    Args:
        path: the file; any ``joints_3d`` it holds is dropped (the lift replaces it).
        joint_order: "h36m" or "coco"; None = the file's own ``joint_order`` (JSON) or "h36m".

    Raises:
        InputError: unreadable file, wrong joint count / shapes, conflicting joint orders.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such keypoint file")
    if path.suffix.lower() == ".json":
        clips, file_order = read_json_keypoints(path)
    else:
        clips, file_order = load_clips(path), None
    if joint_order and file_order and joint_order != file_order:
        raise InputError(f"{path}: file says joint_order {file_order!r} but --joint-order is {joint_order!r}")
    order = joint_order or file_order or "h36m"
    if order not in KEYPOINT_ORDERS:
        raise InputError(f"unknown joint order {order!r}; choose one of {', '.join(KEYPOINT_ORDERS)}")
    clips = clips.without_3d()
    if order != "h36m":
        kp, conf = convert_joints(clips.keypoints_2d, order, clips.confidence)
        clips = dataclasses.replace(clips, keypoints_2d=kp.astype(np.float32), confidence=conf)
    return validate(clips, source=str(path))
