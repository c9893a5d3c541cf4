"""``.safetensors`` checkpoints run by PyTorch (CPU or CUDA)."""

from __future__ import annotations

import os

import torch

from posynda.checkpoint import load_checkpoint
from posynda.devices import Device, resolve_device
from posynda.runtime.backends.base import Backend
from posynda.runtime.metadata import runtime_metadata


class TorchBackend(Backend):
    """A ``.safetensors`` checkpoint run by PyTorch on ``device``."""

    name = "torch"

    def __init__(self, path: str | os.PathLike, device: Device = "auto"):
        # full fp32 matmuls also on CUDA (no TF32): the same seed gives the same poses as the other backends
        dev = resolve_device(device)
        self.checkpoint = load_checkpoint(path, dev)
        cfg = self.checkpoint.config
        super().__init__(cfg.frames, cfg.joints, self.checkpoint.diffusion, runtime_metadata(self.checkpoint))
        self.model = self.checkpoint.model
        self.tensor_device = dev
        self.device = "cuda:0" if dev == "cuda" else "cpu"

    @torch.no_grad()
    def _run(self, keypoints_2d, noisy_3d, t):
        dev = self.tensor_device
        return self.model(keypoints_2d.to(dev), noisy_3d.to(dev), t.to(dev))
