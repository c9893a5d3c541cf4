"""The interface every runtime backend implements: a denoiser callable that reports what it runs on."""

from __future__ import annotations

import abc

import torch

from posynda.diffusion import SchedulerConfig
from posynda.errors import InputError
from posynda.runtime.metadata import model_causal


class Backend(abc.ABC):
    """A denoiser ``(keypoints_2d [B,T,J,2], noisy_3d [B,T,J,3], t [B]) -> x0 [B,T,J,3]`` behind a runtime.

    Subclasses set the attributes and implement :meth:`_run`; :meth:`__call__` splits a batch into
    calls of at most ``max_batch`` clips.

    Attributes:
        name: "torch", "onnxruntime" or "tensorrt".
        device: what it actually runs on ("cpu", "cuda:0", "CPUExecutionProvider", ...).
        frames, joints: window T and J.
        diffusion: the scheduler configuration of the model.
        metadata: the runtime metadata (:func:`posynda.runtime.metadata.runtime_metadata`).
        causal: the model is causal (metadata ``causal``): every frame is lifted by the window ending at it.
        graph: "denoiser", or "sampler" for a whole-sampler ONNX graph (then ``sample`` works and
            ``steps``, ``hypotheses``, ``flip`` hold what is baked into it).
        max_batch: largest batch one call may take (a TensorRT profile), None = unlimited.
        tensor_device: where inputs are placed before the call.
    """

    name = "?"
    device = "cpu"
    graph = "denoiser"
    max_batch: int | None = None
    tensor_device: str | torch.device = "cpu"

    def __init__(self, frames: int, joints: int, diffusion: SchedulerConfig, metadata: dict | None = None):
        self.frames, self.joints, self.diffusion = frames, joints, diffusion
        self.metadata = dict(metadata or {})
        self.causal = model_causal(self.metadata)

    def describe(self) -> str:
        """The backend and device actually used, e.g. "onnxruntime (CPUExecutionProvider)"."""
        return f"{self.name} ({self.device})"

    def __call__(self, keypoints_2d: torch.Tensor, noisy_3d: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if self.graph != "denoiser":
            raise InputError(f"this {self.graph} graph has no denoiser entry point; lift with it directly")
        n = keypoints_2d.shape[0]
        step = self.max_batch or n
        if n <= step:
            return self._run(keypoints_2d, noisy_3d, t)
        parts = [
            self._run(keypoints_2d[i : i + step], noisy_3d[i : i + step], t[i : i + step]) for i in range(0, n, step)
        ]
        return torch.cat(parts)

    @abc.abstractmethod
    def _run(self, keypoints_2d, noisy_3d, t) -> torch.Tensor:
        """One denoiser call on at most ``max_batch`` clips (``[B,T,J,2]``, ``[B,T,J,3]``, ``[B]`` -> ``[B,T,J,3]``)."""

    def sample(self, keypoints_2d: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """A whole-sampler graph: ``(keypoints_2d [B,T,J,2], noise [K+1,B,H,T,J,3]) -> poses [B,T,J,3]``."""
        raise InputError(f"{self.describe()} is a denoiser, not a whole-sampler graph")
