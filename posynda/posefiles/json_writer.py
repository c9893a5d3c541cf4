"""``.json`` poses: per sequence, per frame, per joint, in mm, with the skeleton and the frame stated.

Schema (``"format": "posynda-poses-v1"``; strict JSON: a missing value is ``null``, never NaN)::

    {
      "format": "posynda-poses-v1",
      "units": "mm",
      "frame": "world" | "camera",          # world: floor at z = 0, z up; camera: x right, y down, z forward
      "axes": {"x": str, "y": str, "z": str, "origin": str},   # what each axis and the origin are
      "floor_found": bool,
      "no_floor_reason": str | null,        # why the file is in camera coordinates (null in world)
      "skeleton": {"name": "h36m-17", "joints": [17 names], "parents": [17 ints, -1 for the root]},
      "lift": {"backend": str, "hypotheses": int, "steps": int, "aggregate": str, "flip": bool, "seed": int},
      "sequences": [
        {
          "name": str,
          "person": str | null,             # the person's id (video detector / detector file), null: none
          "fps": float | null,              # null: the input did not say
          "num_frames": int,
          "camera": {"intrinsics": [fx, fy, cx, cy, k1, k2, k3, p1, p2], "image_size": [w, h]},
          "floor": null | {"normal_camera": [3], "camera_height_mm": float, "pitch_deg": float,
                           "roll_deg": float, "tilt_deg": float, "contacts": int,
                           "inlier_fraction": float, "rms_mm": float, "spread_mm": float},
          "camera_to_world": null | {"rotation": [[3] x 3], "origin_mm": [3]},
                                            # world = rotation @ (camera - origin_mm)
          "size": null | {"from": "floor" | "lifter", "scale": float, "why": str | null},
                                            # how a calibration's floor sized the person (lift --size floor;
                                            # a stream's: its last pose's scale); null: the lifter's size
          "frames": [
            {"frame": int,                  # index in the sequence, from 0
             "source_frame": int,           # the frame's number in the source (video frame, file frame id)
             "absolute": [[x, y, z] | null, ... 17] | null,     # null: no root position
             "root_relative": [[x, y, z] | null, ... 17]},     # minus the root, the same axes
            ...
          ]
        },
        ...
      ]
    }

Positions are rounded to 0.001 mm; a joint with a non-finite coordinate is ``null``. ``floor`` and
``camera_to_world`` are set in the world frame (see :mod:`~posynda.posefiles.floor`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from posynda.fileio import atomic_open
from posynda.posefiles.poses import LiftedPoses, SequencePoses
from posynda.skeleton import H36M_JOINT_NAMES, H36M_PARENTS

FORMAT = "posynda-poses-v1"
DECIMALS = 3  # mm


def joints(points: np.ndarray) -> list:
    """``[..., 17, 3]`` mm -> nested lists rounded to :data:`DECIMALS`, ``None`` for a joint that is not finite."""
    points = np.round(np.asarray(points, np.float64), DECIMALS)
    finite = np.isfinite(points).all(axis=-1)
    if finite.all():
        return points.tolist()
    out = np.empty(points.shape[:-1], dtype=object)
    for index in np.ndindex(*points.shape[:-1]):
        out[index] = points[index].tolist() if finite[index] else None
    return out.tolist()


def skeleton() -> dict:
    return {"name": "h36m-17", "joints": list(H36M_JOINT_NAMES), "parents": list(H36M_PARENTS)}


def lift_summary(poses: LiftedPoses) -> dict:
    s = poses.result.settings
    return {
        "backend": poses.result.backend,
        "hypotheses": s.hypotheses,
        "steps": s.steps,
        "aggregate": s.aggregate,
        "flip": s.flip,
        "seed": s.seed,
    }


def _size(scale: float, why: str | None) -> dict:
    return {"from": "floor" if why is None else "lifter", "scale": round(float(scale), 6), "why": why}


def _sequence(seq: SequencePoses) -> dict:
    absolute = None if seq.absolute is None else joints(seq.absolute)
    relative = joints(seq.root_relative)
    return {
        "name": seq.name,
        "person": seq.person,
        "fps": seq.fps,
        "num_frames": seq.num_frames,
        "camera": {"intrinsics": [float(v) for v in seq.intrinsics], "image_size": list(seq.image_size)},
        "floor": None if seq.floor is None else seq.floor.to_dict(),
        "camera_to_world": None if seq.world is None else seq.world.to_dict(),
        "size": None if seq.size is None else _size(*seq.size),
        "frames": [
            {
                "frame": i,
                "source_frame": int(source),
                "absolute": None if absolute is None else absolute[i],
                "root_relative": relative[i],
            }  # fmt: skip
            for i, source in enumerate(seq.frame_numbers)
        ],
    }


def document(poses: LiftedPoses) -> dict:
    """The JSON document of the module docstring."""
    return {
        "format": FORMAT,
        "units": "mm",
        "frame": poses.frame,
        "axes": poses.axes,
        "floor_found": poses.frame == "world",
        "no_floor_reason": poses.reason,
        "skeleton": skeleton(),
        "lift": lift_summary(poses),
        "sequences": [_sequence(seq) for seq in poses.sequences],
    }


def write_json(path: Path, poses: LiftedPoses) -> list[Path]:
    """Write ``poses`` to ``path`` atomically; returns ``[path]``."""
    doc = document(poses)
    with atomic_open(path, "w") as handle:
        json.dump(doc, handle, allow_nan=False, separators=(",", ":"))
        handle.write("\n")
    return [Path(path)]
