"""Each root's distance from the camera, as the running median of its sequence's: one view sees where a person is
in the picture (the ray through their root) far better than how far along that ray they stand. The depth follows
the lifted size and the fit of the whole pose to the 2D, so one bad frame of the detector -- a limb found on
someone who crosses -- throws it by up to a metre, while the person cannot have moved there and back.

Per sequence, every frame's root is moved along its own ray (``X -> X + (k - 1) X_root``, ``k = d~ / d``, ``d``
the root's distance from the camera centre) to ``d~``, the median of ``d`` over the ``window`` frames around it
(the odd count nearest to ``window_s * fps``; the frames a sequence has, gaps skipped; the first and last repeated
at the ends). The root-relative pose and the root's 2D are kept; a median keeps a monotone run (walking towards
the camera) as it is and removes an excursion shorter than half the window.

Measured (docs/realvideo.md, root error in mm): real motion capture filmed as footage (Bandai target-val, the
shipped model, 12 takes) 415.7 -> 408.2 / 404.8 / 398.6 with 5 / 15 / 31 frames; Pose2Sim's Demo_MultiPerson,
calibrated (levelled, sized by the floor, fused) 211.7 -> 203.2 / 196.3 / 185.7 / 172.7 with 9 / 15 / 31 / 61 at
60 fps (187.2 as ``posynda lift --calibration`` runs it, the floor's scale found on the smoothed roots).
``ROOT_WINDOW_S`` stays at half a second -- a step towards the camera and back takes about that long -- though
longer windows kept gaining on both.
"""

from __future__ import annotations

import math

import numpy as np

from posynda.data.clips import ClipSet
from posynda.errors import InputError
from posynda.limits import MAX_ROOT_WINDOW_S

ROOT_WINDOW_S = 0.5  # `posynda lift`'s default for a whole sequence (module docstring)
MEDIAN_CHUNK = 1 << 20  # values the running median holds at once (rows x window): 8 MiB of float64
ASSUMED_FPS = 50.0  # a sequence without a frame rate: Human3.6M's, the training's


def check_window(window_s: float) -> float:
    """``window_s`` as a float in [0, ``MAX_ROOT_WINDOW_S``] seconds (0: each frame's own root), else InputError."""
    value = float(window_s)
    if not 0.0 <= value <= MAX_ROOT_WINDOW_S:  # NaN fails too
        raise InputError(f"root_window must lie in [0, {MAX_ROOT_WINDOW_S:g}] seconds, got {window_s}",
                         parameter="root_window")  # fmt: skip
    return value


def window_frames(window_s: float, fps: float) -> int:
    """The odd number of frames nearest to the ``window_s * fps`` that ``window_s`` seconds span (1: none)."""
    return max(1, 2 * int(math.floor((window_s * fps - 1.0) / 2.0 + 0.5)) + 1)


def running_median(values: np.ndarray, window: int) -> np.ndarray:
    """``[n]``: the median of ``values [n]`` over the ``window`` (odd) values centred on each, the ends repeated.
    A window wider than ``2 n + 1`` gives what ``2 n + 1`` gives (every window then holds all ``n`` values and
    copies of the two ends, their counts a fixed number apart: widening it adds one of each); rows are taken
    ``MEDIAN_CHUNK // window`` at a time, so memory stays bounded whatever the window."""
    n = len(values)
    half = min(window // 2, n)
    if half == 0 or n < 2:
        return values.copy()
    window = 2 * half + 1
    padded = np.concatenate([np.full(half, values[0]), values, np.full(half, values[-1])])
    views = np.lib.stride_tricks.sliding_window_view(padded, window)
    rows = max(1, MEDIAN_CHUNK // window)
    return np.concatenate([np.median(views[i : i + rows], axis=-1) for i in range(0, n, rows)])


def median_root_depth(absolute_mm: np.ndarray | None, clips: ClipSet, window_s: float) -> np.ndarray | None:
    """``absolute_mm [N, 17, 3]`` (camera frame, mm) with each sequence's roots at the running median of their
    distance from the camera (module docstring); unchanged at ``window_s`` 0 or without poses."""
    window_s = check_window(window_s)
    if absolute_mm is None or window_s == 0.0:
        return absolute_mm
    out = np.array(absolute_mm, copy=True)
    for s, frames in clips.iter_sequences():
        fps = float(clips.fps[s]) if clips.fps is not None and np.isfinite(clips.fps[s]) else ASSUMED_FPS
        root = out[frames, 0].astype(np.float64)  # [n, 3]
        distance = np.linalg.norm(root, axis=-1)
        seen = np.flatnonzero(np.isfinite(distance) & (distance > 0))
        if len(seen) < 2:
            continue
        factor = running_median(distance[seen], window_frames(window_s, fps)) / distance[seen]
        sequence = out[frames]  # a view: the sequence's frames of `out`
        sequence[seen] += ((factor - 1.0)[:, None] * root[seen])[:, None, :].astype(out.dtype)
    return out
