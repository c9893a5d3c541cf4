"""What a TensorRT engine needs from the machine, and the checked sidecar that records what it was built for.

A plan only runs on the TensorRT version and GPU architecture it was built for. Every engine
``posynda export --trt`` writes gets a sidecar ``<engine>.json`` (format :data:`SIDECAR_FORMAT`:
TensorRT version, GPU name and SM, CUDA version, profile shapes, precision, the ONNX and engine
sha256, the runtime metadata). :func:`check_sidecar` compares it with this machine *before*
anything is deserialised and refuses a mismatch with a one-line message that ends in
:data:`REBUILD_HINT`. The exporter writes sidecars in this format (:mod:`posynda.export.tensorrt_build`);
the engine runner that reads them is :mod:`posynda.runtime.backends.tensorrt_backend`.

``tensorrt`` is imported only to read its version (lazily: it is a heavy optional stack).
"""

from __future__ import annotations

import os
from pathlib import Path

from posynda.environment import gpu_info
from posynda.errors import InputError
from posynda.fileio import sha256_file
from posynda.reading import read_json

SIDECAR_FORMAT = "posynda-trt-sidecar-v1"
REBUILD_HINT = "rebuild with posynda export --trt"
SIDECAR_REQUIRED = ("engine_sha256", "tensorrt_version", "gpu_sm", "precision", "profile")


def sidecar_path(engine_path: str | os.PathLike) -> Path:
    """``denoiser.engine`` -> ``denoiser.engine.json``."""
    engine_path = Path(engine_path)
    return engine_path.with_name(engine_path.name + ".json")


def tensorrt_version() -> str | None:
    """``tensorrt.__version__`` (what a build records), or None when TensorRT is not installed."""
    try:
        import tensorrt
    except ImportError:
        return None
    return str(tensorrt.__version__)


def current_environment() -> dict[str, str | None]:
    """``{"tensorrt_version", "gpu_name", "gpu_sm", "cuda_version"}`` of this machine (None where absent)."""
    return {"tensorrt_version": tensorrt_version(), **gpu_info()}


def unavailable_reason(env: dict | None = None) -> str | None:
    """Why no engine can be built or run here, or None."""
    env = current_environment() if env is None else env
    reasons = []
    if env.get("tensorrt_version") is None:
        reasons.append("TensorRT is not installed (pip install 'posynda[gpu]' on an NVIDIA machine)")
    if env.get("gpu_sm") is None:
        reasons.append("no NVIDIA GPU found (no CUDA device, no nvidia-smi)")
    return "; ".join(reasons) or None


def require_tensorrt(env: dict | None = None) -> dict:
    """The environment, or InputError (parameter ``trt``, the export option) naming what is missing."""
    env = current_environment() if env is None else env
    reason = unavailable_reason(env)
    if reason:
        raise InputError(f"trt: cannot build a TensorRT engine here: {reason}", parameter="trt")
    return env


def major_version(version: str | None) -> int | None:
    """``"10.13.0.35"`` -> 10 (None when unparsable)."""
    try:
        return int(str(version).split(".")[0])
    except ValueError:
        return None


def _read_sidecar(engine_path: Path) -> dict:
    side = sidecar_path(engine_path)
    if not engine_path.is_file():
        raise InputError(f"{engine_path}: no such engine file")
    if not side.is_file():
        raise InputError(f"{engine_path}: no sidecar {side.name} (TensorRT version, GPU, shapes); {REBUILD_HINT}")
    try:
        sidecar = read_json(side, "engine sidecar")
    except InputError as exc:
        raise InputError(f"{exc}; {REBUILD_HINT}") from None
    if not isinstance(sidecar, dict) or sidecar.get("format") != SIDECAR_FORMAT:
        raise InputError(f"{side}: not a posynda engine sidecar (format {SIDECAR_FORMAT!r}); {REBUILD_HINT}")
    missing = [k for k in SIDECAR_REQUIRED if k not in sidecar]
    if missing:
        raise InputError(f"{side}: sidecar lacks {missing}; {REBUILD_HINT}")
    return sidecar


def _describe(env: dict) -> str:
    return (
        f"TensorRT {env.get('tensorrt_version')} on SM {env.get('gpu_sm')} ({env.get('gpu_name')}, "
        f"CUDA {env.get('cuda_version')})"
    )


def check_sidecar(engine_path: str | os.PathLike, env: dict) -> dict:
    """Read ``<engine>.json`` and compare it with the engine file and this machine ``env``.

    Raises:
        InputError: missing/unreadable sidecar, an engine or ONNX file that changed since the
            build, another TensorRT version, GPU architecture (SM) or CUDA major version, or no
            TensorRT / GPU at all. Mismatch messages end in :data:`REBUILD_HINT`.
    """
    engine_path = Path(engine_path)
    sidecar = _read_sidecar(engine_path)
    if sha256_file(engine_path) != sidecar["engine_sha256"]:
        raise InputError(f"{engine_path}: the engine file changed since its sidecar was written; {REBUILD_HINT}")
    onnx = engine_path.parent / sidecar["onnx"] if sidecar.get("onnx") else None
    if onnx is not None and onnx.is_file() and sha256_file(onnx) != sidecar.get("onnx_sha256"):
        raise InputError(f"{engine_path}: stale engine, {onnx.name} was re-exported after the build; {REBUILD_HINT}")
    if env.get("tensorrt_version") is None:
        raise InputError(f"{engine_path}: cannot run a TensorRT engine here: TensorRT is not installed")
    if env.get("gpu_sm") is None:
        raise InputError(f"{engine_path}: cannot run a TensorRT engine here: no NVIDIA GPU found")
    cuda_built, cuda_here = major_version(sidecar.get("cuda_version")), major_version(env.get("cuda_version"))
    if (
        str(sidecar["tensorrt_version"]) != str(env["tensorrt_version"])
        or str(sidecar["gpu_sm"]) != str(env["gpu_sm"])
        or (cuda_built is not None and cuda_here is not None and cuda_built != cuda_here)
    ):
        raise InputError(
            f"{engine_path}: built for {_describe(sidecar)}, this machine has {_describe(env)}; {REBUILD_HINT}"
        )
    return sidecar
