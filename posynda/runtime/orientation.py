"""Turning lifted poses by the detector's own 3D: the global orientation a level-camera lifter gets wrong.

posynda's lifters learnt level cameras; a real camera that looks down 20-30 deg makes them lift people who lean
back. BlazePose's landmark network also gives its own 3D of each person (``pose_world_landmarks``; carried by
the video path as :attr:`posynda.data.clips.ClipSet.detector_3d`), learnt on real footage: its limbs are worse
than posynda's, its global orientation often better. Two ways to use it, per sequence (one static camera):

* ``"detector"``: lift as usual, then turn each sequence's root-relative poses about the root by the one
  rotation that best takes them onto the detector's 3D over all its frames and joints (Kabsch 1976: ``R =
  U diag(1, 1, det(U V^T)) V^T`` from the SVD ``U S V^T`` of the cross-covariance ``P^T D``). Only the
  orientation moves: the shape and the bone lengths are posynda's (``Lifter.lift`` then fits the root to the
  turned pose). Where that rotation tilts the vertical by less than ``MIN_TILT_DEG``, the two agree within the
  detector's own error and the sequence keeps posynda's orientation (on level mannequin footage most sequences
  are there; the tilted real cameras are not).
* ``"upright"``: take the median direction of the detector's spine (pelvis -> thorax) over the sequence as
  the camera-frame up and lift through a level virtual camera (:mod:`posynda.runtime.level_camera`), as a
  calibration's gravity would. It assumes that people stand upright on average.

Measured in docs/realvideo.md (Pose2Sim's Demo_MultiPerson, and real motion capture filmed as mannequin
footage): ``"detector"`` helps on both, ``"upright"`` only where people stand upright.
"""

from __future__ import annotations

import numpy as np

from posynda.data.clips import ClipSet
from posynda.errors import InputError

ORIENTATIONS = ("none", "detector", "upright")
PELVIS, THORAX = 0, 8  # H36M joints of the spine direction
MIN_FRAMES = 5  # fewer frames with the detector's 3D: the sequence keeps posynda's orientation
MIN_TILT_DEG = 5.0  # a smaller tilt of the vertical keeps posynda's orientation (chosen on validation: realvideo.md)
LEVEL_UP = np.array([0.0, -1.0, 0.0])  # the camera frame's up (y points down)
# A detector's spine more than this far from the picture's up is not a person standing upright (lying, doubled
# over, upside down): levelling by it would turn the camera past its own people, so that sequence stays as filmed.
MAX_UPRIGHT_TILT_DEG = 60.0


def check_orient(orient: str) -> str:
    """``orient`` when it names a way (``ORIENTATIONS``), else InputError."""
    if orient not in ORIENTATIONS:
        raise InputError(f"orient must be one of {', '.join(ORIENTATIONS)}, got {orient!r}", parameter="orient")
    return orient


def require_detector_3d(clips: ClipSet, what: str) -> None:
    """Raise when ``clips`` carries none of the detector's own 3D that ``what`` (e.g. "orient 'detector'") needs."""
    if clips.detector_3d is None or not np.isfinite(clips.detector_3d).any():
        raise InputError(
            f"{what} needs the detector's own 3D (BlazePose's world landmarks), which only a video read by "
            "posynda's detector carries (posynda lift --video)",
            parameter=what.split()[0],
        )


def covariance(poses: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, int]:
    """The cross-covariance ``P^T D [3, 3]`` of the rows (``[..., 3]``, row vectors) where both ``poses`` and
    ``reference`` are finite, and how many rows that is (sums of these give the rotation of several frames)."""
    p, d = poses.reshape(-1, 3).astype(np.float64), reference.reshape(-1, 3).astype(np.float64)
    both = np.isfinite(p).all(-1) & np.isfinite(d).all(-1)
    return p[both].T @ d[both], int(both.sum())


def rotation_of(cross: np.ndarray) -> np.ndarray:
    """The proper rotation ``R`` maximising ``trace(R^T C)`` for a cross-covariance ``C = P^T D``."""
    u, _, vt = np.linalg.svd(cross)
    sign = np.sign(np.linalg.det(u @ vt)) or 1.0  # a reflection is not a turn of the camera
    return u @ np.diag([1.0, 1.0, sign]) @ vt


def kabsch_rotation(poses: np.ndarray, reference: np.ndarray) -> np.ndarray | None:
    """``R [3, 3]`` (proper rotation) minimising ``sum |p R - d|^2`` over the rows where both ``poses`` and
    ``reference`` (``[..., 3]``, same shape, row vectors) are finite; None with fewer than 3 such rows."""
    cross, rows = covariance(poses, reference)
    return rotation_of(cross) if rows >= 3 else None


def tilt_degrees(rotation: np.ndarray) -> float:
    """How far ``rotation`` (row vectors, ``p R``) turns the camera frame's vertical, degrees."""
    turned = LEVEL_UP @ rotation  # the row vector (0, -1, 0) turned
    return float(np.degrees(np.arccos(np.clip(turned @ LEVEL_UP, -1.0, 1.0))))


def detector_rotations(root_relative_mm: np.ndarray, clips: ClipSet) -> np.ndarray:
    """``[S, 3, 3]`` per sequence, the Kabsch rotation of the lifted ``root_relative_mm [N, 17, 3]`` onto
    ``clips.detector_3d`` (identity for a sequence with fewer than ``MIN_FRAMES`` frames of it, or one whose
    rotation tilts the vertical by less than ``MIN_TILT_DEG``)."""
    rotations = np.tile(np.eye(3), (clips.num_sequences, 1, 1))
    for s, frames in clips.iter_sequences():
        reference = clips.detector_3d[frames]
        if np.isfinite(reference).all((1, 2)).sum() >= MIN_FRAMES:
            rotation = kabsch_rotation(root_relative_mm[frames], reference)
            if rotation is not None and tilt_degrees(rotation) >= MIN_TILT_DEG:
                rotations[s] = rotation
    return rotations


def turned_about_root(root_relative_mm: np.ndarray, clips: ClipSet, rotations: np.ndarray) -> np.ndarray:
    """The root-relative poses ``[N, 17, 3]`` of each sequence turned by its ``rotations[s]`` (row vectors: ``p
    R``) about the root (``Lifter.lift`` then fits the roots to the turned poses)."""
    rel = np.array(root_relative_mm, copy=True)
    for s, frames in clips.iter_sequences():
        rel[frames] = root_relative_mm[frames] @ rotations[s].astype(rel.dtype)
    return rel


def upright_camera_up(clips: ClipSet) -> np.ndarray:
    """``[S, 3]`` per sequence, the median direction of the detector's spine (pelvis -> thorax, unit, camera
    frame), the camera's up if people stand upright; ``(0, -1, 0)`` (a level camera) for a sequence with fewer
    than ``MIN_FRAMES`` frames of the detector's 3D, or whose spine leans more than ``MAX_UPRIGHT_TILT_DEG`` from
    the picture's up."""
    ups = np.tile(LEVEL_UP, (clips.num_sequences, 1))
    for s, frames in clips.iter_sequences():
        spine = clips.detector_3d[frames, THORAX].astype(np.float64) - clips.detector_3d[frames, PELVIS]
        length = np.linalg.norm(spine, axis=-1)
        seen = np.isfinite(length) & (length > 1e-6)
        if seen.sum() >= MIN_FRAMES:
            up = np.median(spine[seen] / length[seen, None], axis=0)
            norm = np.linalg.norm(up)
            if norm > 1e-6 and up @ LEVEL_UP / norm >= np.cos(np.radians(MAX_UPRIGHT_TILT_DEG)):
                ups[s] = up / norm
    return ups
