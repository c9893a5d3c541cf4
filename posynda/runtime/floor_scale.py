"""Each person's size from a calibrated floor: one view cannot tell a small person near from a big one far, and the
lifter gives everyone the size it learnt -- so the root's depth is as wrong as that size (docs/realvideo.md: a
person 20-30 % smaller than the lifter's skeletons is placed 600-800 mm too far at 2-4 m). A calibration knows
where the floor is. Scaling a camera-frame pose ``X`` by ``s`` about the camera centre leaves its 2D unchanged,
and moves a joint's height above the floor to ``h(s) = s (u . X) + h_cam`` (``u``: the camera-frame up, ``h_cam``:
the camera's height). In a frame where the lower ankle rests on the floor (at ``CLEARANCE_MM``, the ankle joint
above the sole), ``s_t = (CLEARANCE_MM - h_cam) / (u . X_ankle)``; walking and standing people have a foot down in
most frames, so ``s`` is the median of ``s_t`` over the sequence. The floor is the calibration world's plane through
its origin normal to the up axis (Qualisys' L-frame and Pose2Sim's board on the floor put it there); a scale
outside ``SCALE_RANGE`` (people from 1.0 to 2.4 m) means that is not so here, and the sequence keeps the lifter's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posynda.data.clips import ClipSet

CLEARANCE_MM = 80.0  # the ankle joint above the floor when the foot is down (lateral malleolus, ~4 % of stature)
SCALE_RANGE = (0.6, 1.4)  # the lifted size times this spans children to tall adults (1.0 to 2.4 m for a 1.7 m skeleton)
MIN_FRAMES = 10  # frames with both ankles lifted below the camera
L_ANKLE, R_ANKLE = 6, 3  # H36M


@dataclass(frozen=True)
class FloorScales:
    """Per sequence, the factor its poses were scaled by (``scales [S]``, 1 where kept) and why a sequence kept
    the lifter's size (``kept``: sequence index -> reason)."""

    scales: np.ndarray
    kept: dict[int, str]


def floor_scales(absolute_mm: np.ndarray, clips: ClipSet, camera_up, camera_height_mm: float) -> FloorScales:
    """The scale of each sequence (module docstring) from its absolute camera-frame poses ``[N, 17, 3]`` mm, the
    camera-frame up ``camera_up [3]`` (against gravity) and the camera's height above the floor (mm)."""
    up = np.asarray(camera_up, np.float64)
    up = up / np.linalg.norm(up)
    scales, kept = np.ones(clips.num_sequences), {}
    for s, frames in clips.iter_sequences():
        if camera_height_mm <= CLEARANCE_MM:
            kept[s] = f"the camera is {camera_height_mm:.0f} mm above the calibration's floor: not above a person"
            continue
        heights = absolute_mm[frames][:, [L_ANKLE, R_ANKLE]].astype(np.float64) @ up  # [n, 2] u . X, mm
        lower = np.min(heights, axis=1)
        below = np.isfinite(lower) & (lower < -1e-6)
        if below.sum() < MIN_FRAMES:
            kept[s] = f"{int(below.sum())} frames with the ankles below the camera (at least {MIN_FRAMES} needed)"
            continue
        scale = float(np.median((CLEARANCE_MM - camera_height_mm) / lower[below]))
        if not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
            kept[s] = (f"resting the feet on the floor would scale it by {scale:.2f}, outside {SCALE_RANGE[0]}-"
                       f"{SCALE_RANGE[1]}: is the calibration's origin on the floor?")  # fmt: skip
            continue
        scales[s] = scale
    return FloorScales(scales, kept)


def scaled(poses_mm: np.ndarray | None, clips: ClipSet, scales: np.ndarray) -> np.ndarray | None:
    """``poses_mm [N, 17, 3]`` (camera frame, root-relative or absolute) of each sequence times its scale."""
    if poses_mm is None:
        return None
    factor = scales[clips.seq_index].astype(poses_mm.dtype)
    return poses_mm * factor[:, None, None]
