"""Detector-like errors on exact 2D keypoints, for training a lifter that reads real detections.

A lifter trained on joints projected exactly meets, on real footage, keypoints that wander by a few per cent
of the person's height, drift slowly rather than flicker, and vanish for a while (an occluded wrist) to come
back filled by interpolation (:func:`posynda.data.prepare.fill_track`). VideoPose3D's lesson is that a lifter
should be trained on the 2D it will be given (CPN detections, not ground truth); with labelled source motion
only, the next best thing is to give the exact 2D the detector's kind of error:

* **Per-joint scale**: each joint's error is proportional to COCO's per-keypoint annotation spread (the
  sigmas of COCO's keypoint evaluation, OKS: nose 0.026 ... hips 0.107; H36M's mid-points take their two
  sides' over sqrt 2): the hips and knees of a detector are less certain than its face.
* **Size**: in units of the person's 2D height in that frame (the vertical extent of the joints), the
  same fraction for a near and a far person. ``amplitude`` is the per-axis standard deviation of the average
  joint; each clip draws its own level uniformly in ``[0, 2 * amplitude]``, so clean and rough clips both
  occur.
* **Time**: a first-order autoregression per joint and axis, ``e_t = rho e_{t-1} + sqrt(1 - rho^2) w_t``
  (stationary, unit variance), ``rho`` uniform in ``[0.5, rho_max]`` per clip: detector errors measured on
  rendered footage keep a lag-1 correlation of 0.86-0.98 at 50 frames/s.
* **Dropouts**: each limb-end joint (elbows, wrists, knees, ankles) of a clip is lost with probability
  ``gap_prob`` for a run of 2 to ``max_gap`` frames and filled by interpolation, as the lifter does.

0.02 is BlazePose's error level on real footage (the multi-view reprojection of the real-video benchmark, no
labels); pretraining leaves it off by default: docs/realvideo.md measures what it costs and gains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posynda.data.prepare import fill_track

# COCO OKS sigmas (nose .026, eyes .025, ears .035, shoulders .079, elbows .072, wrists .062, hips .107,
# knees .087, ankles .089) on the H36M-17 joints; pelvis / spine / thorax are mid-points of two COCO joints,
# the head BlazePose's mid-eyes
_COCO_MID = 1 / np.sqrt(2)
JOINT_SIGMAS = np.array(
    [0.107 * _COCO_MID, 0.107, 0.087, 0.089, 0.107, 0.087, 0.089,  # pelvis, right leg, left leg
     0.093 * _COCO_MID, 0.079 * _COCO_MID, 0.026, 0.025,  # spine, thorax, nose, head
     0.079, 0.072, 0.062, 0.079, 0.072, 0.062],  # left arm, right arm
)  # fmt: skip
RELATIVE_SIGMAS = JOINT_SIGMAS / JOINT_SIGMAS.mean()
GAP_JOINTS = (2, 3, 5, 6, 12, 13, 15, 16)  # knees, ankles, elbows, wrists


@dataclass(frozen=True)
class KeypointNoise:
    """The error model (module docstring).

    Attributes:
        amplitude: per-axis standard deviation of the average joint's error, fraction of the person's 2D
            height; each clip draws its level in ``[0, 2 * amplitude]``. 0: off.
        rho_max: the largest lag-1 correlation of a clip's error over time.
        gap_prob: probability that each limb-end joint of a clip drops out once.
        max_gap: longest dropout, frames.
    """

    amplitude: float = 0.0
    rho_max: float = 0.97
    gap_prob: float = 0.1
    max_gap: int = 20


def noisy_keypoints(keypoints: np.ndarray, seeds: np.ndarray, noise: KeypointNoise) -> np.ndarray:
    """``keypoints [B, T, J, 2]`` (any 2D units) with detector-like errors; clip ``b`` draws from ``seeds[b]``
    alone (so a rank can draw its own slice). Returns float32 ``[B, T, J, 2]``; the input is not changed."""
    out = np.array(keypoints, dtype=np.float64, copy=True)
    if noise.amplitude <= 0:
        return out.astype(np.float32)
    n_clips, frames, joints, _ = out.shape
    for b in range(n_clips):
        rng = np.random.default_rng(int(seeds[b]))
        level = rng.uniform(0.0, 2.0 * noise.amplitude)
        rho = rng.uniform(0.5, max(noise.rho_max, 0.5))
        white = rng.standard_normal((frames, joints, 2))
        err = np.empty_like(white)
        err[0] = white[0]
        keep = np.sqrt(1.0 - rho * rho)
        for t in range(1, frames):  # AR(1), unit stationary variance
            err[t] = rho * err[t - 1] + keep * white[t]
        height = np.ptp(out[b, :, :, 1], axis=-1)[:, None, None]  # [T, 1, 1] the 2D height
        out[b] += err * level * RELATIVE_SIGMAS[None, :joints, None] * height
        lost = np.zeros((frames, joints), bool)
        drops = rng.random(len(GAP_JOINTS)) < noise.gap_prob
        lengths = rng.integers(2, max(noise.max_gap, 2) + 1, size=len(GAP_JOINTS))
        starts = rng.integers(0, frames, size=len(GAP_JOINTS))
        for j, drop, length, start in zip(GAP_JOINTS, drops, lengths, starts):
            if drop and j < joints:
                lost[start : start + length, j] = True
        if lost.any():
            out[b] = fill_track(out[b], lost)
    return out.astype(np.float32)
