"""Which torch device a command runs on: ``--device auto|cpu|cuda``."""

from __future__ import annotations

from typing import Literal, get_args

import torch

from posynda.errors import InputError

Device = Literal["auto", "cpu", "cuda"]
DEVICES: tuple[str, ...] = get_args(Device)


def resolve_device(device: Device = "auto") -> str:
    """``"cuda"`` or ``"cpu"``: auto takes CUDA when PyTorch sees a GPU; an explicit cuda without one is an error."""
    if device not in DEVICES:
        raise InputError(f"--device must be one of {DEVICES}, got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: PyTorch sees no CUDA device here")
    return "cuda" if device == "cuda" or (device == "auto" and torch.cuda.is_available()) else "cpu"
