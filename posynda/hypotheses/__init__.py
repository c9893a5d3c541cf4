"""Multi-hypothesis aggregation by 2D reprojection: project H pose hypotheses, score them, select.

For each frame and hypothesis, :func:`reproject_select` solves the root translation from the 2D
keypoints (masked linear least squares, :func:`posynda.camera.solve_root_translation`) unless it
is given, projects with the Human3.6M distortion model, measures the per-joint 2D error and keeps
the best hypothesis per joint (D3DP's JPMA), per frame (PoSynDA paper Eq. 4), or their mean.

CUDA tensors go to the fused Triton kernel (:mod:`posynda.kernels`, one launch, no host
synchronisation) when triton is installed; everything else goes to the PyTorch reference
(:mod:`posynda.hypotheses.reference`). Triton is imported only on its own path.
"""

from __future__ import annotations

import torch

from posynda.hypotheses.modes import (
    AGGREGATIONS,
    SELECTION_BACKENDS,
    SELECTIONS,
    Aggregation,
    Selection,
    SelectionBackend,
)
from posynda.hypotheses.reference import reproject_select_reference
from posynda.kernels import triton_support as kernels


def resolve_backend(backend: SelectionBackend, hypotheses: torch.Tensor) -> str:
    """The backend ``reproject_select`` uses for ``hypotheses``: "torch" or "triton".

    "auto" picks Triton for CUDA tensors when triton is installed and the reference otherwise;
    "triton" on CPU tensors works only under ``TRITON_INTERPRET=1`` (a ValueError says why otherwise).
    """
    if backend not in SELECTION_BACKENDS:
        raise ValueError(f"backend must be one of {SELECTION_BACKENDS}, got {backend!r}")
    if backend == "auto":
        return "triton" if hypotheses.is_cuda and kernels.triton_available() else "torch"
    if backend == "triton":
        if not kernels.triton_available():
            raise ValueError("backend='triton' needs the triton package (pip install 'posynda[gpu]')")
        if not hypotheses.is_cuda and not kernels.interpreter_requested():
            raise kernels.triton_needs_cuda(hypotheses.device)
    return backend


def reproject_select(
    hypotheses: torch.Tensor,
    keypoints_2d: torch.Tensor,
    intrinsics: torch.Tensor,
    mode: Aggregation = "joint",
    mask: torch.Tensor | None = None,
    translation: torch.Tensor | None = None,
    backend: SelectionBackend = "auto",
):
    """Project, score and select pose hypotheses.

    Args:
        hypotheses: ``[N, H, J, 3]`` root-relative 3D (fp32 or fp16), any length unit.
        keypoints_2d: ``[N, J, 2]`` pixels (NaN = missing).
        intrinsics: ``[N, 9]`` or ``[9]`` pixel intrinsics ``[fx, fy, cx, cy, k1, k2, k3, p1, p2]``.
        mode: "joint" (argmin over H per joint), "frame" (argmin over H of the masked mean error,
            paper Eq. 4) or "mean" (no selection; ``selected`` is the mean over H).
        mask: ``[N, J]`` bool/float joint weights (0 = missing or low confidence).
        translation: ``[N, H, 3]`` root translations in the hypotheses' unit; solved when None.
        backend: see :func:`resolve_backend`.

    Returns:
        ``(selected [N, J, 3] input dtype, index int64 [N, J] | [N] | None, error fp32 [N, H, J]
        pixels, translation fp32 [N, H, 3] hypotheses' unit)``. A masked or missing joint's error
        is its hypothesis' mean error over the valid joints; ties select the first hypothesis.
    """
    if resolve_backend(backend, hypotheses) == "triton":
        return kernels.reproject_select_triton(hypotheses, keypoints_2d, intrinsics, mode, mask, translation)
    return reproject_select_reference(hypotheses, keypoints_2d, intrinsics, mode, mask, translation)


__all__ = [
    "AGGREGATIONS",
    "Aggregation",
    "SELECTIONS",
    "SELECTION_BACKENDS",
    "Selection",
    "SelectionBackend",
    "reproject_select",
    "reproject_select_reference",
    "resolve_backend",
]
