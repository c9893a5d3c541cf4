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

from collections import deque
from dataclasses import dataclass

import numpy as np

from posynda.data.clips import ClipSet

CLEARANCE_MM = 80.0  # the ankle joint above the floor when the foot is down (lateral malleolus, ~4 % of stature)
SCALE_RANGE = (0.6, 1.4)  # the lifted size times this spans children to tall adults (1.0 to 2.4 m for a 1.7 m skeleton)
MIN_FRAMES = 10  # frames with both ankles lifted below the camera
LIVE_MIN_FRAMES = 1  # live, from the first such frame: the lifter's size is no better a guess (docs/realvideo.md)
L_ANKLE, R_ANKLE = 6, 3  # H36M


@dataclass(frozen=True)
class FloorScales:
    """Per sequence, the factor its poses were scaled by (``scales [S]``, 1 where kept) and why a sequence kept
    the lifter's size (``kept``: sequence index -> reason)."""

    scales: np.ndarray
    kept: dict[int, str]


def frame_scales(absolute_mm: np.ndarray, camera_up, camera_height_mm: float) -> np.ndarray:
    """``s_t [n]`` (module docstring) of camera-frame poses ``absolute_mm [n, 17, 3]``: the scale that rests the
    lower ankle on the floor in each frame; NaN where an ankle is missing or not below the camera."""
    up = np.asarray(camera_up, np.float64)
    up = up / np.linalg.norm(up)
    heights = np.asarray(absolute_mm, np.float64)[:, [L_ANKLE, R_ANKLE]] @ up  # [n, 2] u . X, mm
    lower = np.min(heights, axis=1)
    below = np.isfinite(lower) & (lower < -1e-6)
    return np.where(below, (CLEARANCE_MM - camera_height_mm) / np.where(below, lower, -1.0), np.nan)


def median_scale(samples: np.ndarray, camera_height_mm: float,
                 min_frames: int = MIN_FRAMES) -> tuple[float | None, str | None]:  # fmt: skip
    """The scale of a person from their frames' ``s_t`` (:func:`frame_scales`): the median of at least
    ``min_frames`` of them, or None and why the person keeps the lifter's size."""
    if camera_height_mm <= CLEARANCE_MM:
        return None, f"the camera is {camera_height_mm:.0f} mm above the calibration's floor: not above a person"
    samples = np.asarray(samples, np.float64)
    samples = samples[np.isfinite(samples)]
    if len(samples) < min_frames:
        return None, f"{len(samples)} frames with the ankles below the camera (at least {min_frames} needed)"
    scale = float(np.median(samples))
    if not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
        return None, (f"resting the feet on the floor would scale it by {scale:.2f}, outside {SCALE_RANGE[0]}-"
                      f"{SCALE_RANGE[1]}: is the calibration's origin on the floor?")  # fmt: skip
    return scale, None


def floor_scales(absolute_mm: np.ndarray, clips: ClipSet, camera_up, camera_height_mm: float) -> FloorScales:
    """The scale of each sequence (module docstring) from its absolute camera-frame poses ``[N, 17, 3]`` mm, the
    camera-frame up ``camera_up [3]`` (against gravity) and the camera's height above the floor (mm)."""
    scales, kept = np.ones(clips.num_sequences), {}
    for s, frames in clips.iter_sequences():
        scale, reason = median_scale(frame_scales(absolute_mm[frames], camera_up, camera_height_mm), camera_height_mm)
        if scale is None:
            kept[s] = reason
        else:
            scales[s] = scale
    return FloorScales(scales, kept)


class RunningFloorScale:
    """The floor's scale of one person as their poses come (a live lift): each pose's scale is the median of
    ``s_t`` over the frames so far, the last ``window`` of them (memory bounded); 1 (the lifter's size) until
    ``min_frames`` frames have a foot below the camera, or while the median is outside :data:`SCALE_RANGE`
    (``reason`` says why)."""

    def __init__(self, camera_up, camera_height_mm: float, window: int, min_frames: int = LIVE_MIN_FRAMES):
        self.up, self.height = np.asarray(camera_up, np.float64), float(camera_height_mm)
        self.min_frames = int(min_frames)
        self.samples: deque[float] = deque(maxlen=max(int(window), self.min_frames))
        self.scale, self.reason = 1.0, None  # the last pose's, and why it kept the lifter's size

    def __call__(self, absolute_mm: np.ndarray) -> float:
        """The scale for the pose ``absolute_mm [17, 3]`` (camera frame, mm) of the next frame."""
        sample = frame_scales(np.asarray(absolute_mm)[None], self.up, self.height)[0]
        if np.isfinite(sample):
            self.samples.append(float(sample))
        samples = np.fromiter(self.samples, np.float64, len(self.samples))
        scale, self.reason = median_scale(samples, self.height, self.min_frames)
        self.scale = 1.0 if scale is None else scale
        return self.scale


def scaled(poses_mm: np.ndarray | None, clips: ClipSet, scales: np.ndarray) -> np.ndarray | None:
    """``poses_mm [N, 17, 3]`` (camera frame, root-relative or absolute) of each sequence times its scale."""
    if poses_mm is None:
        return None
    factor = scales[clips.seq_index].astype(poses_mm.dtype)
    return poses_mm * factor[:, None, None]
