"""What this machine is: CPU, cores, GPU and library versions (the one environment probe).

Used by the TensorRT sidecar (GPU name, SM,
CUDA version) and every benchmark (the machine a result came from). Probing imports nothing heavy
that is not already loaded, except torch for the GPU.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess
from pathlib import Path

import torch

from posynda.threads import physical_cores

LIBRARIES = ("torch", "numpy", "onnx", "onnxruntime", "onnxruntime-gpu", "tensorrt", "triton", "peft")


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpu_info() -> dict[str, str | None]:
    """``{"gpu_name", "gpu_sm", "cuda_version"}`` of GPU 0: from PyTorch, else ``nvidia-smi``; Nones without one."""
    info: dict[str, str | None] = {"gpu_name": None, "gpu_sm": None, "cuda_version": None}
    try:
        if torch.cuda.is_available():
            major, minor = torch.cuda.get_device_capability(0)
            return {
                "gpu_name": torch.cuda.get_device_name(0),
                "gpu_sm": f"{major}.{minor}",
                "cuda_version": torch.version.cuda,
            }
    except Exception:  # noqa: BLE001 - a broken CUDA install reads as "no GPU" below
        pass
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return info
    try:
        query = subprocess.run(
            [smi, "--query-gpu=name,compute_cap", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.strip()
        header = subprocess.run([smi], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return info
    if query:
        name, _, sm = query.splitlines()[0].rpartition(",")
        info["gpu_name"], info["gpu_sm"] = name.strip(), sm.strip()
    if "CUDA Version:" in header:
        info["cuda_version"] = header.split("CUDA Version:")[1].split()[0]
    return info


def library_version(distribution: str) -> str | None:
    """Installed version of a distribution (read from its metadata, without importing it), or None."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def load_average() -> float | None:
    """1-minute load average (None where the OS has none)."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def machine_info() -> dict:
    """Everything a benchmark result records about where it ran.

    Keys: ``cpu``, ``cpu_count``, ``physical_cores``, ``torch_threads``, ``gpu`` (name or None),
    ``gpu_sm``, ``cuda_version``, ``gpu_memory_gib``, ``platform``, ``python``, ``versions``
    (``LIBRARIES`` that are installed) and ``load_average_1min``.
    """
    gpu = gpu_info()
    memory = None
    if torch.cuda.is_available():
        memory = round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1)
    versions = {name: library_version(name) for name in LIBRARIES}
    return {
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "physical_cores": physical_cores(),
        "torch_threads": torch.get_num_threads(),
        "gpu": gpu["gpu_name"],
        "gpu_sm": gpu["gpu_sm"],
        "cuda_version": gpu["cuda_version"],
        "gpu_memory_gib": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {name: v for name, v in versions.items() if v is not None},
        "load_average_1min": load_average(),
    }
