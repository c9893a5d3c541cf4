"""Kernels for the hot paths of adaptation and inference (DESIGN.md section 8).

``reproject_select`` projects H pose hypotheses per frame (after solving each one's root
translation from the 2D keypoints), scores them against the 2D keypoints and selects per joint
or per frame. This version dispatches to the PyTorch reference on every device.
"""

from __future__ import annotations

import torch
from posynda.kernels.reference import MODES, reproject_select_reference

BACKENDS = ("auto", "torch")


def reproject_select(
    hypotheses: torch.Tensor,
    keypoints_2d: torch.Tensor,
    intrinsics: torch.Tensor,
    mode: str = "joint",
    mask: torch.Tensor | None = None,
    translation: torch.Tensor | None = None,
    backend: str = "auto",
):
    """Project, score and select pose hypotheses.

    Args:
        hypotheses: ``[N, H, J, 3]`` root-relative 3D (fp32 or fp16), any length unit.
        keypoints_2d: ``[N, J, 2]`` pixels (NaN = missing).
        intrinsics: ``[N, 9]`` or ``[9]`` pixel intrinsics (DESIGN section 3).
        mode: "joint" (argmin over H per joint, D3DP's JPMA), "frame" (argmin over H of the
            masked mean error, paper Eq. 4) or "none" (no selection; ``selected`` is the mean).
        mask: ``[N, J]`` bool/float joint weights (0 = missing or low confidence).
        translation: ``[N, H, 3]`` root translations in the hypotheses' unit; solved when None.
        backend: "auto" or "torch".

    Returns:
        ``(selected [N, J, 3], index [N, J] | [N] | None, error [N, H, J] pixels, translation [N, H, 3])``.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    return reproject_select_reference(hypotheses, keypoints_2d, intrinsics, mode, mask, translation)


__all__ = ["MODES", "BACKENDS", "reproject_select", "reproject_select_reference"]
