"""Target-specific source augmentation: PoseDA's global position alignment (GPA), paper Eq. 3.

A labelled source clip is paired with an unlabelled target clip of the same length. Per frame,
the source pose is moved to where a person of the target's 2D size and position would stand in
front of the *target* camera, then projected with that camera:

* 2D scale ``s = (w2d + h2d) / 2`` from the target keypoints' bounding box (pixels);
* depth ``z = (fx dx + fy dy) / (2 s)`` from the source pose's x/y extent ``dx, dy`` (mm);
* root ``x = z (u0 - cx) / fx``, ``y = z (v0 - cy) / fy`` back-projected from the target 2D root.

Unlike the reference code (which pairs random frames, so the root jumps every frame), pairing is
per clip and the placement is smoothed over time, so the augmented clip moves like a person.
A target frame without a usable 2D box (fewer than two finite keypoints, or a box under
``MIN_BOX_PX``) gives no depth: it takes the clip's mean placement instead. The 3D pose itself is
unchanged up to the translation.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from posynda import camera
from posynda.skeleton import ROOT

MIN_BOX_PX = 1.0  # a target 2D box smaller than this (mean of width and height, pixels) sets no depth


def _nan_extent(x: torch.Tensor) -> torch.Tensor:
    """max - min over joints ignoring NaN: ``[..., J] -> [...]``."""
    hi = torch.where(torch.isnan(x), torch.full_like(x, -torch.inf), x).amax(-1)
    lo = torch.where(torch.isnan(x), torch.full_like(x, torch.inf), x).amin(-1)
    return hi - lo


def _fill_gaps(x: torch.Tensor) -> torch.Tensor:
    """Replace non-finite entries of ``[B, T, C]`` by the clip mean of the finite ones."""
    finite = torch.isfinite(x)
    mean = torch.where(finite, x, 0).sum(1, keepdim=True) / finite.sum(1, keepdim=True).clamp_min(1)
    return torch.where(finite, x, mean.expand_as(x))


def _smooth_time(x: torch.Tensor, window: int) -> torch.Tensor:
    """Centred moving average over the time axis of ``[B, T, C]`` (edge-replicated), ``[B, T, C]`` out.

    An even window reaches one frame further into the future than into the past.
    """
    if window <= 1 or x.shape[1] < 2:
        return x
    window = min(window, x.shape[1] if x.shape[1] % 2 else x.shape[1] - 1)
    y = F.pad(x.transpose(1, 2), ((window - 1) // 2, window // 2), mode="replicate")
    return F.avg_pool1d(y, window, stride=1).transpose(1, 2)


def global_position_alignment(
    source_3d: torch.Tensor,
    target_2d: torch.Tensor,
    target_intrinsics: torch.Tensor,
    smooth_frames: int = 5,
    depth_frames: int = 27,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Place source poses in the target camera distribution (GPA, paper Eq. 3).

    Args:
        source_3d: ``[B, T, J, 3]`` source poses (mm; absolute or root-relative, only the shape
            relative to the root is used).
        target_2d: ``[B, T, J, 2]`` paired target keypoints in pixels (NaN = missing).
        target_intrinsics: ``[B, 9]`` pixel intrinsics of the target clips.
        smooth_frames: window of the temporal smoothing of the 2D root (1 = none).
        depth_frames: window of the temporal smoothing of the depth (1 = none).

    Returns:
        ``(augmented_3d [B, T, J, 3] camera-frame absolute mm, augmented_2d [B, T, J, 2] pixels)``.
    """
    relative = source_3d - source_3d[..., ROOT : ROOT + 1, :]
    fx, fy = target_intrinsics[:, None, 0], target_intrinsics[:, None, 1]  # [B, 1]
    cx, cy = target_intrinsics[:, None, 2], target_intrinsics[:, None, 3]
    scale = (_nan_extent(target_2d[..., 0]) + _nan_extent(target_2d[..., 1])) / 2  # [B, T] px, Eq. 3's s
    dx, dy = _nan_extent(relative[..., 0]), _nan_extent(relative[..., 1])  # [B, T] mm
    boxed = torch.isfinite(scale) & (scale >= MIN_BOX_PX)  # no box (all NaN: -inf), or a point: no depth
    if not bool(boxed.any(dim=1).all()):
        raise ValueError(f"GPA: target clip(s) {torch.nonzero(~boxed.any(dim=1)).flatten().tolist()} have no 2D box")
    # Eq. 3: z = (fx dx + fy dy) / (2 s)
    z = torch.where(boxed, (fx * dx + fy * dy) / (2 * scale.where(boxed, torch.ones_like(scale))), torch.nan)
    root_uv = target_2d[..., ROOT, :]
    z, root_uv = _fill_gaps(z[..., None])[..., 0], _fill_gaps(root_uv)
    # Depth from a bounding box is noisy (arms swing, the box breathes): smooth it over the clip;
    # the 2D root is accurate and only lightly smoothed.
    z = _smooth_time(z[..., None], depth_frames)[..., 0]
    root_uv = _smooth_time(root_uv, smooth_frames)
    x = z * (root_uv[..., 0] - cx) / fx  # Eq. 3: the root back-projected from the target 2D root
    y = z * (root_uv[..., 1] - cy) / fy
    place = torch.stack([x, y, z], dim=-1)  # [B, T, 3]
    augmented = relative + place[..., None, :]
    return augmented, camera.project(augmented, target_intrinsics[:, None, :])
