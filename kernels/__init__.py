"""Kernels for the hot paths of adaptation and inference (DESIGN.md section 8).

``reproject_select`` projects H pose hypotheses per frame (after solving each one's root
translation from the 2D keypoints), scores them against the 2D keypoints and selects per joint
or per frame. CUDA tensors go to the fused Triton kernel (:mod:`posynda.kernels.triton_reproject`,
one launch, no host synchronisation) when triton is installed; everything else goes to the
PyTorch reference (:mod:`posynda.kernels.reference`). Triton is imported only on its own path.
"""

from __future__ import annotations

import functools
import importlib.util
import os

import torch

from posynda.kernels.reference import MODES, reproject_select_reference

BACKENDS = ("auto", "torch", "triton")


@functools.lru_cache(maxsize=1)
def triton_available() -> bool:
    """Whether triton is installed (checked without importing it)."""
    return importlib.util.find_spec("triton") is not None


def resolve_backend(backend: str, hypotheses: torch.Tensor) -> str:
    """The backend ``reproject_select`` uses for ``hypotheses``: "torch" or "triton".

    "auto" picks Triton for CUDA tensors when triton is installed and the reference otherwise;
    "triton" on CPU tensors works only under ``TRITON_INTERPRET=1`` (a ValueError says why otherwise).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "auto":
        return "triton" if hypotheses.is_cuda and triton_available() else "torch"
    if backend == "triton":
        if not triton_available():
            raise ValueError("backend='triton' needs the triton package (pip install 'posynda[gpu]')")
        if not hypotheses.is_cuda and not _interpreter_requested():
            raise triton_needs_cuda(hypotheses.device)
    return backend


def triton_needs_cuda(device) -> ValueError:
    """The error for Triton on ``device`` tensors without the interpreter (raised here and by the kernel)."""
    return ValueError(
        "backend='triton' needs CUDA tensors: Triton kernels run on NVIDIA GPUs "
        f"(got {device} tensors); use backend='torch' on CPU, or set TRITON_INTERPRET=1 "
        "before triton is imported to run the kernel in Triton's interpreter (slow, for correctness tests)"
    )


def _interpreter_requested() -> bool:
    return os.environ.get("TRITON_INTERPRET", "").strip().lower() in ("1", "true", "on", "yes")


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

    For each frame and hypothesis: solve the root translation from the 2D keypoints (masked
    linear least squares on the undistorted keypoints, ``camera.solve_root_translation``) unless
    ``translation`` is given, project with the Human3.6M distortion model, measure the per-joint
    2D error, then select.

    Args:
        hypotheses: ``[N, H, J, 3]`` root-relative 3D (fp32 or fp16), any length unit.
        keypoints_2d: ``[N, J, 2]`` pixels (NaN = missing).
        intrinsics: ``[N, 9]`` or ``[9]`` pixel intrinsics ``[fx, fy, cx, cy, k1, k2, k3, p1, p2]``
            (DESIGN section 3).
        mode: "joint" (argmin over H per joint, D3DP's JPMA), "frame" (argmin over H of the
            masked mean error, paper Eq. 4) or "none" (no selection; ``selected`` is the mean).
        mask: ``[N, J]`` bool/float joint weights (0 = missing or low confidence).
        translation: ``[N, H, 3]`` root translations in the hypotheses' unit; solved when None.
        backend: "auto" (Triton for CUDA tensors when triton is installed, else the reference),
            "torch" (the reference) or "triton" (CUDA tensors, or any under ``TRITON_INTERPRET=1``).

    Returns:
        ``(selected [N, J, 3] input dtype, index int64 [N, J] | [N] | None, error fp32 [N, H, J]
        pixels, translation fp32 [N, H, 3] hypotheses' unit)``. A masked or missing joint's error
        is its hypothesis' mean error over the valid joints; ties select the first hypothesis.
    """
    if resolve_backend(backend, hypotheses) == "triton":
        from posynda.kernels.triton_reproject import reproject_select_triton

        return reproject_select_triton(hypotheses, keypoints_2d, intrinsics, mode, mask, translation)
    return reproject_select_reference(hypotheses, keypoints_2d, intrinsics, mode, mask, translation)


__all__ = ["MODES", "BACKENDS", "reproject_select", "reproject_select_reference", "resolve_backend", "triton_available"]
