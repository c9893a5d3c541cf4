"""Fusing posynda's lifted poses with the detector's own 3D: two estimators with different errors.

BlazePose's landmark network gives its own 3D of each person (``pose_world_landmarks``, carried as
:attr:`posynda.data.clips.ClipSet.detector_3d`), learnt on real images; posynda lifts the same person's 2D
with a diffusion lifter learnt on motion capture. Their errors differ (BlazePose's limbs and its jitter,
posynda's camera and keypoint-definition gaps), so their weighted mean is better than either: with equal
weights, on Pose2Sim's Demo_MultiPerson 143.0 / 95.4 (posynda) and 122.5 / 77.6 (BlazePose) -> 119.1 / 76.5 mm
MPJPE / P-MPJPE, and on real motion capture filmed as mannequin footage (exact 3D) 149.9 / 93.8 and
149.5 / 87.5 -> 140.9 / 82.2 (docs/realvideo.md, where the weight was chosen).

Per sequence, the detector's poses are first turned onto posynda's (one Kabsch rotation over the track,
:func:`posynda.runtime.orientation.kabsch_rotation`), so the fused poses keep posynda's orientation (a
calibration's gravity, or ``orient``'s); then per frame and joint ``x = (1 - w) x_posynda + w x_detector``
where the detector has the joint, ``x_posynda`` elsewhere. These functions change root-relative poses only;
:meth:`posynda.runtime.Lifter.lift` then fits each frame's root to the fused pose (docs/realvideo.md, "The root
fitted to the pose it carries").
"""

from __future__ import annotations

import numpy as np

from posynda.data.clips import ClipSet
from posynda.errors import InputError
from posynda.runtime.orientation import MIN_TILT_DEG, kabsch_rotation, require_detector_3d, tilt_degrees

DEFAULT_WEIGHT = 0.5  # of the detector's 3D where the input carries it (`lift --video`); chosen in realvideo.md


def check_weight(weight: float) -> float:
    """``weight`` as a float in [0, 1], else InputError."""
    value = float(weight)
    if not 0.0 <= value <= 1.0:  # NaN fails too
        raise InputError(f"detector_weight must lie in [0, 1], got {weight}", parameter="detector_weight")
    return value


def fused(root_relative_mm: np.ndarray, clips: ClipSet, weight: float) -> np.ndarray:
    """``[N, 17, 3]`` root-relative mm: each sequence's lifted poses and ``clips.detector_3d`` (turned onto
    them) averaged with ``weight`` on the detector's (module docstring); the lifted poses alone at weight 0."""
    weight = check_weight(weight)
    out = np.array(root_relative_mm, copy=True)
    if weight == 0.0:
        return out
    require_detector_3d(clips, f"detector_weight {weight:g}")
    for _, frames in clips.iter_sequences():
        lifted = root_relative_mm[frames].astype(np.float64)
        detector = clips.detector_3d[frames].astype(np.float64)
        rotation = kabsch_rotation(detector, lifted)
        if rotation is None:
            continue
        turned = detector @ rotation
        out[frames] = np.where(np.isfinite(turned), (1.0 - weight) * lifted + weight * turned, lifted)
    return out


def one_frame(pose: np.ndarray, detector: np.ndarray, rotation: np.ndarray | None, orient: bool,
              weight: float) -> np.ndarray:  # fmt: skip
    """One frame ``pose [17, 3]`` (root-relative mm) as the whole-sequence path treats it -- turned to the
    detector's orientation (``orient``, where the turn tilts the vertical by ``MIN_TILT_DEG`` or more) and averaged
    with ``detector [17, 3]`` turned onto it (``weight``) -- with the ``rotation`` (``p R ~ d``) found on other
    frames (a live stream's past: :mod:`posynda.runtime.person_lift`). The pose unchanged without a rotation or a
    complete detector pose."""
    if rotation is None or not np.isfinite(detector).all():
        return pose
    turned = orient and tilt_degrees(rotation) >= MIN_TILT_DEG
    ours = pose @ rotation if turned else pose
    theirs = detector if turned else detector @ rotation.T  # p R ~ d  <=>  d R^T ~ p
    return ((1.0 - weight) * ours + weight * theirs).astype(pose.dtype)
