"""What the Triton path needs before triton is imported: mode codes, availability, the CPU-tensor error, the launcher.

``kernels/`` holds posynda's GPU kernels: a leaf (torch and triton only, no other posynda import),
installed as the namespace package ``posynda.kernels`` (no ``__init__.py``: docs/ARCHITECTURE.md).

``reproject_select_triton`` (:mod:`posynda.kernels.triton_reproject`) fuses, per frame and pose
hypothesis, the root-translation solve, the Human3.6M-model projection, the per-joint 2D error and
the selection (per joint, per frame, or the mean) into one launch. The library's
:func:`posynda.hypotheses.reproject_select` dispatches to it for CUDA tensors and to the PyTorch
reference elsewhere. triton itself is imported only when the kernel is first used.
"""

from __future__ import annotations

import functools
import importlib.util
import os

# Selection modes of the kernel and their codes (the kernel's MODE constexpr): "joint" keeps the
# best hypothesis per joint, "frame" per frame, "mean" averages them.
MODE_CODES = {"joint": 0, "frame": 1, "mean": 2}


@functools.lru_cache(maxsize=1)
def triton_available() -> bool:
    """Whether triton is installed (checked without importing it)."""
    return importlib.util.find_spec("triton") is not None


def interpreter_requested() -> bool:
    """Whether ``TRITON_INTERPRET`` asks Triton to run kernels on the CPU (correctness tests only)."""
    return os.environ.get("TRITON_INTERPRET", "").strip().lower() in ("1", "true", "on", "yes")


def triton_needs_cuda(device) -> ValueError:
    """The error for Triton on ``device`` tensors without the interpreter (raised by dispatch and kernel)."""
    return ValueError(
        "backend='triton' needs CUDA tensors: Triton kernels run on NVIDIA GPUs "
        f"(got {device} tensors); use backend='torch' on CPU, or set TRITON_INTERPRET=1 "
        "before triton is imported to run the kernel in Triton's interpreter (slow, for correctness tests)"
    )


def reproject_select_triton(*args, **kwargs):
    """:func:`posynda.kernels.triton_reproject.reproject_select_triton`, importing triton on first use."""
    from posynda.kernels.triton_reproject import reproject_select_triton as launch  # noqa: PLC0415 (imports triton)

    return launch(*args, **kwargs)


__all__ = ["MODE_CODES", "interpreter_requested", "reproject_select_triton", "triton_available", "triton_needs_cuda"]
