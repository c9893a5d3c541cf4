"""Keypoint files for ``posynda lift``: every format :func:`posynda.data.detections.read_detections` reads.

The readers live in the data layer (:mod:`posynda.data.detections`: clip files, posynda's JSON,
COCO / AlphaPose / MMPose / OpenPose results, VideoPose3D's npz); this module keeps the runtime's
original names. posynda's JSON schema is in :mod:`posynda.data.detections.posynda_json`; without a
camera the default pinhole (:func:`default_intrinsics`: ``f = max(w, h)``, centred) is used.
"""

from __future__ import annotations

import dataclasses
import os

from posynda.data.clips import ClipSet
from posynda.data.detections import (
    KEYPOINT_ORDERS,
    DetectionFormat,
    KeypointOrder,
    ReadOptions,
    default_intrinsics,
    read_detections,
    read_json_keypoints,
)


def read_keypoints(
    path: str | os.PathLike,
    joint_order: KeypointOrder | None = None,
    format: DetectionFormat = "auto",
    options: ReadOptions | None = None,
) -> ClipSet:
    """Keypoints to lift, in H36M order, without 3D (any ``joints_3d`` the file holds is dropped).

    Args:
        path: a keypoint file or folder of any format of :data:`posynda.data.detections.FORMATS`.
        joint_order: the keypoints' joint order; None = the file's own (JSON ``joint_order``, the
            format's skeleton) or "h36m". Overrides ``options.joint_order``.
        format: the format, or "auto" (from the content).
        options: image size, camera, minimum confidence, tracking (:class:`ReadOptions`).

    Raises:
        InputError: unreadable file, unknown format, wrong joint count / shapes, conflicting joint orders.
    """
    options = options or ReadOptions()
    if joint_order is not None:
        options = dataclasses.replace(options, joint_order=joint_order)
    return read_detections(path, format, options)[0]


__all__ = ["KEYPOINT_ORDERS", "KeypointOrder", "default_intrinsics", "read_json_keypoints", "read_keypoints"]
