"""Model files -> denoiser callables ``(keypoints_2d, noisy_3d, t) -> x0`` on one of three backends.

One format table (:data:`FORMATS`) says which file suffix belongs to which backend, which command
writes it and how it is opened; :func:`load_backend` opens a file by it, and the CLI's choices and
messages come from it.

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
from typing import Callable

from posynda.devices import DEVICES, Device
from posynda.errors import InputError
from posynda.runtime.backends.base import Backend
from posynda.runtime.backends.onnxruntime_backend import OnnxRuntimeBackend, ort_session
from posynda.runtime.backends.tensorrt_backend import TensorRTBackend
from posynda.runtime.backends.torch_backend import TorchBackend

RuntimeBackend = str  # a backend name: one of RUNTIME_BACKENDS


def _torch(path, device: Device, threads: int | None) -> Backend:
    return TorchBackend(path, device)


def _onnxruntime(path, device: Device, threads: int | None) -> Backend:
    return OnnxRuntimeBackend(path, device, threads)


def _tensorrt(path, device: Device, threads: int | None) -> Backend:
    if device == "cpu":
        raise InputError("backend tensorrt runs on an NVIDIA GPU only (device cpu given)", parameter="device")
    return TensorRTBackend(path)


@dataclass(frozen=True)
class ModelFormat:
    """One deployable file type: the backend that runs it, its suffixes, what writes it, and how it is opened
    (``open(path, device, threads) -> Backend``)."""

    backend: RuntimeBackend
    suffixes: tuple[str, ...]
    written_by: str
    open: Callable[[Path, Device, int | None], Backend]


# The backends: adding one is a module in this folder and a row here (the CLI's --backend choices follow).
FORMATS: tuple[ModelFormat, ...] = (
    ModelFormat("torch", (".safetensors",), "posynda pretrain / posynda adapt", _torch),
    ModelFormat("onnxruntime", (".onnx",), "posynda export", _onnxruntime),
    ModelFormat("tensorrt", (".engine", ".plan"), "posynda export --trt", _tensorrt),
)
RUNTIME_BACKENDS: tuple[str, ...] = tuple(f.backend for f in FORMATS)


def model_format(backend: RuntimeBackend) -> ModelFormat:
    """The format run by ``backend``."""
    found = next((f for f in FORMATS if f.backend == backend), None)
    if found is None:
        raise InputError(f"backend must be one of {', '.join(RUNTIME_BACKENDS)}, got {backend!r}", parameter="backend")
    return found


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
    fmt = model_format(backend)
    kind = detect_model_type(path)
    if kind != backend:
        needs = f"a {fmt.suffixes[0]} file ({fmt.written_by})"
        raise InputError(f"{path}: backend {backend} needs {needs}, got a {Path(path).suffix} file")


def load_backend(model: str | os.PathLike, *, device: Device = "auto", threads: int | None = None) -> Backend:
    """Open ``model`` on the backend its file type belongs to (the :data:`FORMATS` row of its suffix).

    Args:
        device: "auto", "cpu" or "cuda" (torch and ONNX Runtime; TensorRT needs the GPU).
        threads: ONNX Runtime intra-op threads (default: posynda's, :func:`posynda.threads.chosen_threads`).

    Raises:
        InputError: unknown file type, missing file, an unreadable model, or a TensorRT engine
            that does not match this machine.
    """
    if device not in DEVICES:
        raise InputError(f"device must be one of {', '.join(DEVICES)}, got {device!r}", parameter="device")
    return model_format(detect_model_type(model)).open(Path(model), device, threads)


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
