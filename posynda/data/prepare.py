"""From a ClipSet to model tensors: gap-filled 2D in the canonical camera and root-relative metres.

Missing keypoints (NaN) are allowed in clip files; models cannot take NaN, so each missing joint
is filled by linear interpolation over time within its sequence (held constant before the first
and after the last observation). A joint never observed in a sequence takes its parent's track.
A sequence with no observed keypoint at all is rejected.
"""

from __future__ import annotations

import numpy as np

from posynda import camera
from posynda.data.clips import ClipSet
from posynda.errors import InputError
from posynda.skeleton import H36M_PARENTS, ROOT

MM_PER_M = 1000.0


def fill_missing_keypoints(clips: ClipSet) -> np.ndarray:
    """``[N, 17, 2]`` pixel keypoints with every NaN filled (see module docstring)."""
    kp = clips.keypoints_2d.astype(np.float64, copy=True)
    missing = ~np.isfinite(kp).all(-1)
    if not missing.any():
        return kp.astype(np.float32)
    names = clips.sequence_names()
    for s, frames in clips.iter_sequences():
        if missing[frames].all():
            raise InputError(f"sequence {names[s]!r} has no finite keypoint in 'keypoints_2d'")
        kp[frames] = fill_track(kp[frames], missing[frames])
    return kp.astype(np.float32)


def fill_track(seg: np.ndarray, gap: np.ndarray, before: list | None = None) -> np.ndarray:
    """Fill the missing joints of consecutive frames ``seg [n, 17, 2]`` (float64) -> a filled copy.

    ``gap [n, 17]`` marks the missing joints. Each is interpolated linearly over time between its
    observations (``np.interp``: held before the first and after the last); a joint never observed
    takes its parent's track (the root: the first observed joint's). ``before``: per joint None or
    ``(time, xy)``, its last observation before the segment (time < 0, relative to ``seg[0]``) --
    how a live stream (:class:`posynda.runtime.LiftStream`) continues the fill of earlier frames.
    """
    seg = np.array(seg, dtype=np.float64)
    t = np.arange(len(seg), dtype=np.float64)
    unseen = []
    for j in range(seg.shape[1]):
        seen = ~gap[:, j]
        prior = before[j] if before is not None else None
        if not seen.any() and prior is None:
            unseen.append(j)
        elif not seen.all():
            xp = t[seen] if prior is None else np.concatenate([[prior[0]], t[seen]])
            for c in range(2):
                fp = seg[seen, j, c] if prior is None else np.concatenate([[prior[1][c]], seg[seen, j, c]])
                seg[:, j, c] = np.interp(t, xp, fp)
    if len(unseen) == seg.shape[1]:
        raise ValueError("no joint observed")
    for j in sorted(unseen, key=_depth):  # parents are filled before their children
        parent = H36M_PARENTS[j] if j != ROOT else next(k for k in range(seg.shape[1]) if k not in unseen)
        seg[:, j] = seg[:, parent]
    return seg


def _depth(j: int) -> int:
    d = 0
    while H36M_PARENTS[j] >= 0:
        j, d = H36M_PARENTS[j], d + 1
    return d


def normalized_keypoints(clips: ClipSet, pixels: np.ndarray | None = None) -> np.ndarray:
    """Model input: ``[N, 17, 2]`` float32 gap-filled keypoints in the canonical camera's units
    (:func:`posynda.camera.canonical_screen` with each frame's intrinsics; the image size plays no part).

    ``pixels``: the clip set's keypoints already gap-filled by :func:`fill_missing_keypoints`.
    """
    kp = fill_missing_keypoints(clips) if pixels is None else pixels
    cam = frame_intrinsics(clips).astype(np.float64)
    return camera.canonical_screen(kp.astype(np.float64), cam).astype(np.float32)


def root_relative_metres(joints_3d_mm: np.ndarray) -> np.ndarray:
    """``[..., 17, 3]`` absolute mm -> root-relative metres (the model's 3D unit), root exactly 0."""
    x = np.asarray(joints_3d_mm, dtype=np.float32)
    return ((x - x[..., ROOT : ROOT + 1, :]) / MM_PER_M).astype(np.float32)


def frame_intrinsics(clips: ClipSet) -> np.ndarray:
    """``[N, 9]`` pixel intrinsics of every frame."""
    return clips.camera[clips.seq_index]
