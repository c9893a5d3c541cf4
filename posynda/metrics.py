"""Pose-accuracy metrics (mm): MPJPE (protocol 1), P-MPJPE (protocol 2), 3DHP's PCK and AUC.

All functions take root-relative or absolute poses ``[N, J, 3]`` in millimetres and centre both
on the root joint first. Per-frame functions return ``[N]`` so callers can average per sequence,
over valid frames only.
"""

from __future__ import annotations

import numpy as np

from posynda.skeleton import ROOT

# 3DHP protocol joints for PCK/AUC in H36M order: all but pelvis (0), spine (7) and the 3DHP
# "head" joint (H36M neck/nose, 9) -- head_top, neck, shoulders, elbows, wrists, hips, knees, ankles.
PCK_JOINTS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 8, 10, 11, 12, 13, 14, 15, 16)
PCK_THRESHOLD_MM = 150.0
AUC_THRESHOLDS_MM = np.arange(0.0, 151.0, 5.0)  # 0:5:150, 31 values


def _root_relative(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x - x[..., ROOT : ROOT + 1, :]


def joint_errors(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Per-joint Euclidean errors ``[N, J]`` (mm) after centring both poses on the root."""
    return np.linalg.norm(_root_relative(pred) - _root_relative(gt), axis=-1)


def mpjpe(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Mean per-joint position error per frame ``[N]`` (mm), all J joints (root included, as in 3DHP)."""
    return joint_errors(pred, gt).mean(axis=-1)


def procrustes_align(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Align each predicted pose to its ground truth with the best similarity transform.

    Per frame: centre both, normalise by the Frobenius norm, rotation from the SVD of X^T Y with
    the reflection fixed, scale ``tr(S) |Y| / |X|`` (VideoPose3D ``loss.py::p_mpjpe``).
    """
    x = np.asarray(gt, dtype=np.float64)
    y = np.asarray(pred, dtype=np.float64)
    mu_x, mu_y = x.mean(axis=1, keepdims=True), y.mean(axis=1, keepdims=True)
    x0, y0 = x - mu_x, y - mu_y
    norm_x = np.sqrt((x0**2).sum(axis=(1, 2), keepdims=True))
    norm_y = np.sqrt((y0**2).sum(axis=(1, 2), keepdims=True))
    x0 = x0 / np.maximum(norm_x, 1e-12)
    y0 = y0 / np.maximum(norm_y, 1e-12)
    u, s, vt = np.linalg.svd(np.matmul(x0.transpose(0, 2, 1), y0))
    v = vt.transpose(0, 2, 1)
    r = np.matmul(v, u.transpose(0, 2, 1))
    sign = np.sign(np.linalg.det(r))[:, None]  # fix reflections
    v[:, :, -1] *= sign
    s[:, -1] *= sign[:, 0]
    r = np.matmul(v, u.transpose(0, 2, 1))
    a = s.sum(axis=1)[:, None, None] * norm_x / np.maximum(norm_y, 1e-12)
    t = mu_x - a * np.matmul(mu_y, r)
    return a * np.matmul(y, r) + t


def p_mpjpe(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Procrustes-aligned MPJPE per frame ``[N]`` (mm)."""
    aligned = procrustes_align(pred, gt)
    return np.linalg.norm(aligned - np.asarray(gt, dtype=np.float64), axis=-1).mean(axis=-1)


def pck(pred: np.ndarray, gt: np.ndarray, threshold: float = PCK_THRESHOLD_MM) -> np.ndarray:
    """Percentage of the 14 protocol joints within ``threshold`` mm, per frame ``[N]`` (%)."""
    err = joint_errors(pred, gt)[:, list(PCK_JOINTS)]
    return 100.0 * (err <= threshold).mean(axis=-1)


def auc(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Mean PCK over thresholds 0, 5, ..., 150 mm, per frame ``[N]`` (%)."""
    err = joint_errors(pred, gt)[:, list(PCK_JOINTS)]
    return 100.0 * (err[..., None] <= AUC_THRESHOLDS_MM).mean(axis=(-2, -1))


METRICS = {"mpjpe": mpjpe, "p_mpjpe": p_mpjpe, "pck": pck, "auc": auc}


def summarize(pred: np.ndarray, gt: np.ndarray, frame_mask: np.ndarray | None = None) -> dict[str, float]:
    """Every metric averaged over the frames in ``frame_mask`` (all when None); plus ``frames``."""
    mask = np.ones(len(pred), bool) if frame_mask is None else np.asarray(frame_mask, bool)
    out = {name: float(fn(pred[mask], gt[mask]).mean()) if mask.any() else float("nan") for name, fn in METRICS.items()}
    out["frames"] = int(mask.sum())
    return out
