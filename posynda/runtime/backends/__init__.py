"""Model files -> denoiser callables ``(keypoints_2d, noisy_3d, t) -> x0`` on one of three backends.

One format table (:data:`FORMATS`) says which file suffix belongs to which backend and which
command writes it; :func:`load_backend` opens a file by it, and the CLI's messages quote it.

| file            | backend        | runs on                                                           |
|-----------------|----------------|-------------------------------------------------------------------|
| ``.safetensors``| ``torch``      | CPU or CUDA (``device``)                                          |
| ``.onnx``       | ``onnxruntime``| CPU EP, or CUDA EP when available (``device="cuda"``/``"auto"``)  |
| ``.engine``     | ``tensorrt``   | the NVIDIA GPU the engine was built for (sidecar checked)         |

Every backend reports what it really runs on (:meth:`Backend.describe`). Backends take and return
CPU or device torch tensors; whole-sampler ONNX graphs (``posynda export --sampler``) are exposed
through :meth:`Backend.sample`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from posynda.devices import DEVICES, Device
from posynda.errors import InputError
from posynda.runtime.backends.base import Backend
from posynda.runtime.backends.onnxruntime_backend import OnnxRuntimeBackend, ort_session
from posynda.runtime.backends.tensorrt_backend import TensorRTBackend
from posynda.runtime.backends.torch_backend import TorchBackend

RuntimeBackend = Literal["torch", "onnxruntime", "tensorrt"]
RUNTIME_BACKENDS: tuple[str, ...] = get_args(RuntimeBackend)


@dataclass(frozen=True)
class ModelFormat:
    """One deployable file type: its suffixes, the backend that runs it and what writes it."""

    backend: RuntimeBackend
    suffixes: tuple[str, ...]
    written_by: str


FORMATS: tuple[ModelFormat, ...] = (
    ModelFormat("torch", (".safetensors",), "posynda pretrain / posynda adapt"),
    ModelFormat("onnxruntime", (".onnx",), "posynda export --onnx"),
    ModelFormat("tensorrt", (".engine", ".plan"), "posynda export --trt"),
)


def model_format(backend: RuntimeBackend) -> ModelFormat:
    """The format run by ``backend``."""
    return next(f for f in FORMATS if f.backend == backend)


def detect_model_type(path: str | os.PathLike) -> RuntimeBackend:
    """The backend a model file belongs to, from its suffix (InputError for anything else or a missing file)."""
    path = Path(path)
    kind = next((f.backend for f in FORMATS if path.suffix.lower() in f.suffixes), None)
    if kind is None:
        known = ", ".join(f"{f.suffixes[0]} ({f.backend})" for f in FORMATS)
        raise InputError(f"{path}: unknown model file type {path.suffix or '(no suffix)'!r}; expected {known}")
    if not path.is_file():
        raise InputError(f"{path}: no such model file")
    return kind


def expect_backend(path: str | os.PathLike, backend: RuntimeBackend) -> None:
    """InputError unless the model file ``path`` runs on ``backend`` (which its file type decides)."""
    kind = detect_model_type(path)
    if kind != backend:
        fmt = model_format(backend)
        needs = f"a {fmt.suffixes[0]} file ({fmt.written_by})"
        raise InputError(f"{path}: backend {backend} needs {needs}, got a {Path(path).suffix} file")


def load_backend(model: str | os.PathLike, *, device: Device = "auto", threads: int | None = None) -> Backend:
    """Open ``model`` on the backend its file type belongs to.

    Args:
        device: "auto", "cpu" or "cuda" (torch and ONNX Runtime; TensorRT needs the GPU).
        threads: ONNX Runtime intra-op threads (default: the physical cores).

    Raises:
        InputError: unknown file type, missing file, an unreadable model, or a TensorRT engine
            that does not match this machine.
    """
    if device not in DEVICES:
        raise InputError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
    kind = detect_model_type(model)
    if kind == "torch":
        return TorchBackend(model, device)
    if kind == "onnxruntime":
        return OnnxRuntimeBackend(model, device, threads)
    if device == "cpu":
        raise InputError("backend tensorrt runs on an NVIDIA GPU only (--device cpu given)")
    return TensorRTBackend(model)


__all__ = [
    "FORMATS",
    "RUNTIME_BACKENDS",
    "Backend",
    "ModelFormat",
    "OnnxRuntimeBackend",
    "RuntimeBackend",
    "TensorRTBackend",
    "TorchBackend",
    "detect_model_type",
    "expect_backend",
    "load_backend",
    "model_format",
    "ort_session",
]
