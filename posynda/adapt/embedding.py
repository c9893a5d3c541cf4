"""Cross-dataset embedding: a learned per-joint 3D offset added to the denoiser output (paper Eq. 11).

``P(x_2D, eps) = y_3D + B_bias`` with ``B_bias`` of shape ``[J, 3]`` (51 parameters for 17 joints),
zero-initialised so adaptation starts from the base model. It absorbs systematic differences
between the skeleton definitions or annotation conventions of two datasets.
"""

from __future__ import annotations

import torch
from torch import nn


class CrossDatasetEmbedding(nn.Module):
    """``denoiser(keypoints_2d, noisy_3d, t) + offset``; ``offset [J, 3]`` in model units (m)."""

    def __init__(self, denoiser: nn.Module, joints: int = 17):
        super().__init__()
        self.denoiser = denoiser
        self.offset = nn.Parameter(torch.zeros(joints, 3))

    def forward(self, keypoints_2d: torch.Tensor, noisy_3d: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.denoiser(keypoints_2d, noisy_3d, t) + self.offset
