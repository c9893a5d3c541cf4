"""Camera geometry the converters need: quaternions, pinhole fits from 2D-3D pairs, reprojection residuals."""

from __future__ import annotations

import numpy as np

from posynda import camera
from posynda.data.convert.arrays import intrinsics_vector
from posynda.errors import InputError


def reprojection_rms(joints_mm: np.ndarray, keypoints: np.ndarray, intrinsics: np.ndarray, mask=None) -> float:
    """RMS distance (px) between ``keypoints [F, J, 2]`` and the projection of ``joints_mm [F, J, 3]``.

    Only finite keypoints of the frames in ``mask [F]`` (default all) count; NaN when none does.
    """
    proj = camera.project(np.asarray(joints_mm, np.float64), np.asarray(intrinsics, np.float64))
    err = np.linalg.norm(proj - np.asarray(keypoints, np.float64), axis=-1)
    if mask is not None:
        err = err[np.asarray(mask, bool)]
    err = err[np.isfinite(err)]
    return float(np.sqrt(np.mean(err**2))) if err.size else float("nan")


def quaternion_to_matrix(q) -> np.ndarray:
    """Unit quaternions ``[..., 4]`` ``(w, x, y, z)`` -> rotation matrices ``[..., 3, 3]`` that rotate vectors by
    them (each normalised first)."""
    q = np.asarray(q, np.float64)
    w, x, y, z = np.moveaxis(q / np.linalg.norm(q, axis=-1, keepdims=True), -1, 0)
    rows = [
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ]
    return np.stack([np.stack(row, axis=-1) for row in rows], axis=-2)


def fit_pinhole(joints_mm: np.ndarray, keypoints: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares pinhole intrinsics from 2D-3D correspondences.

    Solves ``u = fx X/Z + cx`` and ``v = fy Y/Z + cy`` (two independent 2-parameter linear
    problems) over every joint of every frame whose 2D and 3D are finite and whose depth is > 0.

    Args:
        joints_mm: ``[F, J, 3]`` camera-frame absolute positions (any unit; only X/Z, Y/Z matter).
        keypoints: ``[F, J, 2]`` pixels.

    Returns:
        ``(intrinsics [9] float64 pixels with zero distortion, RMS 2D residual in pixels)``.

    Raises:
        InputError: fewer than 4 usable correspondences, or a non-positive fitted focal length.
    """
    x = np.asarray(joints_mm, np.float64).reshape(-1, 3)
    uv = np.asarray(keypoints, np.float64).reshape(-1, 2)
    ok = np.isfinite(uv).all(1) & np.isfinite(x).all(1) & (x[:, 2] > 1e-6)
    if ok.sum() < 4:
        raise InputError(f"only {int(ok.sum())} usable 2D-3D correspondences; cannot fit camera intrinsics")
    x, uv = x[ok], uv[ok]
    params, sq_err = [], np.zeros(len(x))
    for axis in (0, 1):
        design = np.stack([x[:, axis] / x[:, 2], np.ones(len(x))], 1)
        sol, *_ = np.linalg.lstsq(design, uv[:, axis], rcond=None)
        params.append(sol)
        sq_err += (uv[:, axis] - design @ sol) ** 2
    (fx, cx), (fy, cy) = params
    if not (fx > 0 and fy > 0):
        raise InputError(f"fitted focal lengths ({fx:.1f}, {fy:.1f}) px are not positive: 2D and 3D do not correspond")
    return intrinsics_vector(fx, fy, cx, cy), float(np.sqrt(np.mean(sq_err)))
