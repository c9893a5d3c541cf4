"""PyTorch reference of batched multi-hypothesis reprojection and selection (runs on any device).

For each frame n and hypothesis h: solve the root translation from the 2D keypoints and the
intrinsics (masked linear least squares, camera.solve_root_translation), project with the
Human3.6M distortion model, measure the per-joint 2D error, then select the best hypothesis per
joint (D3DP's JPMA) or per frame (PoSynDA paper Eq. 4).
"""

from __future__ import annotations

import torch

from posynda import camera
from posynda.hypotheses.modes import AGGREGATIONS, Aggregation


def reproject_select_reference(
    hypotheses: torch.Tensor,
    keypoints_2d: torch.Tensor,
    intrinsics: torch.Tensor,
    mode: Aggregation = "joint",
    mask: torch.Tensor | None = None,
    translation: torch.Tensor | None = None,
):
    """Reference implementation; see :func:`posynda.hypotheses.reproject_select` for the contract.

    Returns:
        ``(selected [N,J,3], index [N,J] | [N] | None, error [N,H,J], translation [N,H,3])``.
        Errors are in the intrinsics' units (pixels); a masked joint's error is the hypothesis'
        mean error over the unmasked joints, so per-joint selection falls back to the frame's best
        hypothesis where there is no 2D evidence.
    """
    if mode not in AGGREGATIONS:
        raise ValueError(f"mode must be one of {AGGREGATIONS}, got {mode!r}")
    n, h, j, _ = hypotheses.shape
    hyp = hypotheses.float()
    kp = keypoints_2d.float()
    cam = intrinsics.float().expand(n, intrinsics.shape[-1])[:, None, :]  # [N, 1, 9]
    weight = torch.isfinite(kp).all(-1).float()
    if mask is not None:
        weight = weight * mask.float()
    weight_h = weight[:, None, :].expand(n, h, j)
    if translation is None:
        translation = camera.solve_root_translation(hyp, kp[:, None], cam, weight[:, None])
    translation = translation.float()
    projected = camera.project(hyp + translation[:, :, None, :], cam)  # [N, H, J, 2]
    raw = (projected - torch.nan_to_num(kp)[:, None]).norm(dim=-1)  # [N, H, J]
    valid = weight_h > 0
    # a zero weight drops the joint even where its projection overflowed (0 * inf would be NaN)
    weighted = torch.where(weight_h != 0, raw * weight_h, torch.zeros_like(raw))
    frame_err = weighted.sum(-1) / weight_h.sum(-1).clamp_min(1e-12)  # [N, H]
    error = torch.where(valid, raw, frame_err[..., None].expand(n, h, j))
    if mode == "joint":
        index = error.argmin(dim=1)  # [N, J]
        selected = hyp.gather(1, index[:, None, :, None].expand(n, 1, j, 3))[:, 0]
    elif mode == "frame":
        index = frame_err.argmin(dim=1)  # [N]
        selected = hyp[torch.arange(n), index]
    else:
        index, selected = None, hyp.mean(dim=1)
    return selected.to(hypotheses.dtype), index, error, translation
