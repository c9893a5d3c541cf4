"""Lifting through a level virtual camera: when the direction of gravity in the camera is known (a
calibration), the 2D is turned into what a camera at the same place, looking the same way but level
(no pitch, no roll), would see; the lifter -- trained on level cameras -- lifts that, and the poses are
turned back.

A rotation of a camera about its centre moves every image ray by that rotation, so the turn is exact:
for a keypoint's undistorted ray ``x = (u, v, 1)`` (:func:`posynda.camera.undistort_image_plane`), the
level camera sees ``Q x`` (Hartley & Zisserman eq. 8.8, the homography ``K Q K^-1`` of a pure rotation),
projected with the same focal lengths and principal point and no distortion. A pose ``X_v`` lifted in the
level camera is ``Q^T X_v`` in the real one (root positions included: the root solve of the level 2D is
the real root turned).

``Q`` is the smallest rotation that takes the camera-frame "up" (against gravity) to the level camera's up
``(0, -1, 0)`` (camera y points down): it keeps the heading. A camera pitched more than ``MAX_PITCH_DEG`` is refused:
the level camera at its place would see much of its picture behind it, and such an "up" is far more often the wrong
axis of a calibration's world (a y-up rig read as z-up: its cameras that look along z seem to look straight
down; those that look across it only seem rolled, which this cannot tell). Measured on
Pose2Sim's Demo_MultiPerson (cameras 18-34 deg down, docs/realvideo.md): MPJPE 176.7 -> 154.8 mm with the shipped
model.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from posynda.camera import rotation_between, undistort_image_plane
from posynda.data.clips import ClipSet
from posynda.errors import InputError

LEVEL_UP = np.array([0.0, -1.0, 0.0])  # a level camera's up, in its own frame (y down)
# A camera pitched further than this sees much of its picture behind the level camera at its place (a 60-degree
# field of view then reaches the vertical): a wrong up axis more likely than a camera looking straight down.
MAX_PITCH_DEG = 60.0


def pitch_degrees(up) -> float:
    """How far the optical axis of a camera whose up (against gravity, camera frame) is ``up [3]`` points below
    the horizontal, degrees (negative: above it)."""
    a = np.asarray(up, np.float64).reshape(3)
    return float(np.degrees(np.arcsin(np.clip(-a[2] / np.linalg.norm(a), -1.0, 1.0))))


def level_rotation(up) -> np.ndarray:
    """``Q [3, 3]``: the smallest rotation with ``Q @ up = (0, -1, 0)`` (``up``: 3 numbers, camera frame, any
    length > 0; the camera within :data:`MAX_PITCH_DEG` of level)."""
    a = np.asarray(up, np.float64).reshape(3)
    norm = np.linalg.norm(a)
    if not np.isfinite(norm) or norm < 1e-9:
        raise InputError(f"camera_up must be a finite nonzero direction, got {a.tolist()}", parameter="camera_up")
    pitch = pitch_degrees(a)
    if abs(pitch) > MAX_PITCH_DEG + 1e-9:  # the limit itself passes (orient 'upright' may give it)
        raise InputError(f"camera_up {a.tolist()} makes the camera look {abs(pitch):.0f} degrees "
                         f"{'down' if pitch > 0 else 'up'}: lifting through a level camera needs at most "
                         f"{MAX_PITCH_DEG:g} (is the up direction right?)", parameter="camera_up")  # fmt: skip
    return rotation_between(a, LEVEL_UP)  # upside down: half a turn about the camera's x axis


def sequence_rotations(clips: ClipSet, camera_up) -> np.ndarray:
    """``[S, 3, 3]`` the level rotation of every sequence from ``camera_up``: ``[3]`` for all, or ``[S, 3]``."""
    up = np.asarray(camera_up, np.float64)
    if up.shape == (3,):
        up = np.tile(up, (clips.num_sequences, 1))
    if up.shape != (clips.num_sequences, 3):
        raise InputError(f"camera_up must be [3] or [{clips.num_sequences}, 3], got {list(up.shape)}",
                         parameter="camera_up")  # fmt: skip
    return np.stack([level_rotation(u) for u in up])


def levelled_pixels(points: np.ndarray, camera, rotation: np.ndarray) -> np.ndarray:
    """Pixels ``points [..., 2]`` of a camera with intrinsics ``camera [9]`` -> those the level camera ``rotation
    [3, 3]`` sees: undistorted, turned (the homography ``K Q K^-1``), projected with the same focal lengths and
    principal point and no distortion (float64; NaN where a point is missing or the level camera sees its ray
    behind it)."""
    points = np.asarray(points, np.float64)
    intrinsics = np.asarray(camera, np.float64)
    seen = np.isfinite(points).all(-1)
    rays = np.asarray(undistort_image_plane(np.where(seen[..., None], points, 0.0), intrinsics))
    turned = np.concatenate([rays, np.ones(rays.shape[:-1] + (1,))], axis=-1) @ np.asarray(rotation).T
    ahead = turned[..., 2] > 1e-6
    xy = turned[..., :2] / np.where(ahead, turned[..., 2], 1.0)[..., None]
    return np.where((seen & ahead)[..., None], xy * intrinsics[:2] + intrinsics[2:4], np.nan)


def level_intrinsics(camera) -> np.ndarray:
    """The level camera's 9 intrinsics: ``camera``'s focal lengths and principal point, no distortion (float32)."""
    out = np.array(camera, np.float32).reshape(9)
    out[4:] = 0.0
    return out


def levelled_clips(clips: ClipSet, rotations: np.ndarray) -> ClipSet:
    """``clips`` as the level cameras ``rotations [S, 3, 3]`` see them: keypoints turned, distortion removed
    (a keypoint whose ray the level camera sees behind it is missing; :func:`levelled_pixels`)."""
    keypoints = np.array(clips.keypoints_2d, np.float64)
    camera = np.array(clips.camera, np.float32)
    for s, frames in clips.iter_sequences():
        keypoints[frames] = levelled_pixels(keypoints[frames], camera[s], rotations[s])
        camera[s] = level_intrinsics(camera[s])
    return dataclasses.replace(clips, keypoints_2d=keypoints.astype(np.float32), camera=camera)


def turned_back(poses_mm: np.ndarray | None, clips: ClipSet, rotations: np.ndarray) -> np.ndarray | None:
    """Poses ``[N, J, 3]`` lifted in the level cameras -> the real cameras' frames (``Q^T X`` per sequence)."""
    if poses_mm is None:
        return None
    out = np.array(poses_mm, copy=True)
    for s, frames in clips.iter_sequences():
        out[frames] = poses_mm[frames] @ rotations[s].astype(poses_mm.dtype)  # row vectors: (Q^T x)^T = x^T Q
    return out
