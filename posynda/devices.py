"""Which torch device a command runs on (``--device auto|cpu|cuda``) and at what precision
(``--precision fp32|bf16|fp16``), and the settings that make CUDA fast.

Mixed precision keeps fp32 master weights: the forward runs under ``torch.autocast`` in bf16 (or fp16,
whose small range needs a gradient scaler), losses and optimiser steps stay fp32. Training on CUDA
runs fp32 matmuls and convolutions on TF32 tensor cores (:func:`configure_device`); the runtime does
not (its poses match the other backends' for a seed), and its bf16 path is autocast.
"""

from __future__ import annotations

import contextlib
import os
from typing import Literal, get_args

import torch

from posynda.errors import InputError

DEVICE_ENV = "POSYNDA_DEVICE"  # what --device auto means when set ("cpu" or "cuda")
Device = Literal["auto", "cpu", "cuda"]
DEVICES: tuple[str, ...] = get_args(Device)
Precision = Literal["fp32", "bf16", "fp16"]
PRECISIONS: tuple[str, ...] = get_args(Precision)
AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_device(device: Device = "auto") -> str:
    """``"cuda"`` or ``"cpu"``: auto takes CUDA when PyTorch sees a GPU (or what ``$POSYNDA_DEVICE`` names:
    "cpu" keeps every auto on the CPU, as the test suite does); an explicit cuda without one is an error."""
    if device not in DEVICES:
        raise InputError(f"device must be one of {DEVICES}, got {device!r}", parameter="device")
    if device == "auto":
        device = os.environ.get(DEVICE_ENV) or "auto"
        if device not in DEVICES:
            raise InputError(f"${DEVICE_ENV} must be one of {DEVICES}, got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("device cuda: PyTorch sees no CUDA device here", parameter="device")
    return "cuda" if device == "cuda" or (device == "auto" and torch.cuda.is_available()) else "cpu"


def check_precision(precision: str, device: str) -> Precision:
    """``precision`` if ``device`` ("cpu" / "cuda[:n]") can train at it: fp16 needs CUDA (its gradient
    scaler and kernels); bf16 runs on both (on CPUs without bf16 units it is slow, not wrong)."""
    if precision not in PRECISIONS:
        raise InputError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}", parameter="precision")
    if precision == "fp16" and not device.startswith("cuda"):
        raise InputError("precision fp16 needs a CUDA device (on the CPU use bf16 or fp32)", parameter="precision")
    return precision  # type: ignore[return-value]


def autocast(device: str, precision: Precision):
    """The forward's autocast context on ``device`` at ``precision`` (a no-op context for fp32)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=torch.device(device).type, dtype=AUTOCAST_DTYPES[precision])


def configure_device(device: str) -> None:
    """Fast defaults on CUDA: TF32 for fp32 matmuls and cuDNN convolutions (the bf16/fp16 paths use tensor
    cores anyway). Nothing changes on the CPU."""
    if torch.device(device).type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.set_float32_matmul_precision("high")
