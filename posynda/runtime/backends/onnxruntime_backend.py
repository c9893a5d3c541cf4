"""Exported ``.onnx`` graphs (denoiser or whole sampler) run by ONNX Runtime, on the CPU EP or the CUDA EP.

ONNX Runtime silently falls back to the CPU EP when the CUDA EP cannot load, so the provider is
read back from the session and a fallback is warned about. ``onnxruntime`` is imported lazily.
"""

from __future__ import annotations

import os
import warnings

import torch

from posynda.devices import Device
from posynda.errors import InputError
from posynda.extras import require
from posynda.ort import ort_session
from posynda.runtime.backends.base import Backend
from posynda.runtime.metadata import (
    DENOISER_INPUTS,
    DENOISER_OUTPUT,
    SAMPLER_INPUTS,
    SAMPLER_OUTPUT,
    model_geometry,
    sampler_settings,
)


def requested_providers(device: Device) -> list[str]:
    """The CUDA EP (then the CPU EP) for ``cuda``, or for ``auto`` when this build has it; else the CPU EP."""
    require("onnxruntime", purpose="an .onnx model")
    import onnxruntime as ort

    if device == "cuda" or (device == "auto" and "CUDAExecutionProvider" in ort.get_available_providers()):
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


class OnnxRuntimeBackend(Backend):
    """An exported ``.onnx`` (denoiser or whole sampler) run by ONNX Runtime."""

    name = "onnxruntime"

    def __init__(self, path: str | os.PathLike, device: Device = "auto", threads: int | None = None):
        requested = requested_providers(device)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the CUDA-EP fallback warning: reported below instead
                self.session = ort_session(str(path), threads=threads, providers=requested)
        except Exception as exc:  # onnxruntime raises its own types for unreadable / invalid graphs
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"{path}: not a loadable ONNX model ({first})") from None
        metadata = dict(self.session.get_modelmeta().custom_metadata_map)
        super().__init__(*model_geometry(path, metadata), metadata=metadata)
        self.graph = metadata.get("graph", "denoiser")
        self.provider = self.session.get_providers()[0]
        self.device = self.provider
        self.requested_provider = requested[0]
        if self.provider != self.requested_provider:
            warnings.warn(
                f"ONNX Runtime could not use {self.requested_provider} and runs on {self.provider}",
                RuntimeWarning,
                stacklevel=2,
            )
        if self.graph == "sampler":
            self.steps, self.hypotheses, self.flip = sampler_settings(metadata, path)

    def _run(self, keypoints_2d, noisy_3d, t):
        arrays = (keypoints_2d.float(), noisy_3d.float(), t.to(torch.int64))
        feeds = {name: x.detach().cpu().numpy() for name, x in zip(DENOISER_INPUTS, arrays)}
        return torch.from_numpy(self.session.run([DENOISER_OUTPUT], feeds)[0])

    def sample(self, keypoints_2d: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        if self.graph != "sampler":
            return super().sample(keypoints_2d, noise)
        feeds = {name: x.detach().cpu().float().numpy() for name, x in zip(SAMPLER_INPUTS, (keypoints_2d, noise))}
        return torch.from_numpy(self.session.run([SAMPLER_OUTPUT], feeds)[0])
