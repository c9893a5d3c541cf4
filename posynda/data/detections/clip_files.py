"""posynda clip files (``.npz``, ``posynda-clips-v1``, :mod:`posynda.data.clips`) as keypoint input.

Read by :func:`~posynda.data.clips.load_clips` (never unpickled); any ``joints_3d`` is dropped. The
keypoints are in H36M order unless ``joint_order`` says otherwise (e.g. "coco": 17 COCO joints
stored in a clip file). ``image_size`` replaces every sequence's image size, ``intrinsics`` / ``fov``
every camera; the file's confidences are used as they are unless ``min_confidence`` is given.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from posynda.data.clips import load_clips
from posynda.data.detections.native_files import finish
from posynda.data.detections.probe import Probe
from posynda.data.detections.read_options import ReadOptions, options_camera

WHAT = "a posynda clip file (.npz, posynda-clips-v1)"


def looks_like(probe: Probe) -> bool:
    # an npz whose members cannot be listed (truncated) goes here too, for load_clips' message
    return probe.kind == "npz" and (probe.members is None or {"format", "keypoints_2d"} & set(probe.members))


def read(probe: Probe, options: ReadOptions):
    """A clip file -> ``(ClipSet, DetectionReport)``, its 3D dropped."""
    clips = load_clips(probe.path)
    if options.image_size is not None:
        sizes = np.tile(np.asarray(options.image_size, np.int32), (clips.num_sequences, 1))
        clips = dataclasses.replace(clips, image_size=sizes)
    if options.sets_camera:
        cams = [options_camera(tuple(int(v) for v in size), options) for size in clips.image_size]
        clips = dataclasses.replace(clips, camera=np.stack(cams).astype(np.float32))
    return finish(clips, options.joint_order or "h36m", options, probe.path, "clips", from_file=True)
