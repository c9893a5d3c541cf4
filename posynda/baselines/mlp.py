"""The single-frame MLP baseline (Martinez et al., ICCV 2017, "A simple yet effective baseline").

Input: one frame's root-centred, scale-normalised 2D (34) and its root position and log-scale (3);
output: the 16 non-root joints, root-relative metres. Two residual blocks of two
Linear(1024)-BatchNorm-ReLU-Dropout(0.5) layers, as the paper; Adam, exponential decay, MPJPE
loss, left/right mirror augmentation, ``steps`` batches of ``batch_size`` frames.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from posynda.baselines.features import frame_features, frame_targets
from posynda.data.clips import ClipSet
from posynda.data.prepare import MM_PER_M
from posynda.diffusion import mpjpe_loss
from posynda.skeleton import FLIP_PERMUTATION, ROOT

WIDTH = 1024
DROPOUT = 0.5


class _Residual(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.net = nn.Sequential(
            *[
                m
                for _ in range(2)
                for m in (nn.Linear(width, width), nn.BatchNorm1d(width), nn.ReLU(), nn.Dropout(DROPOUT))
            ]
        )

    def forward(self, x):
        return x + self.net(x)


def _network(inputs: int, outputs: int) -> nn.Module:
    return nn.Sequential(
        nn.Linear(inputs, WIDTH),
        nn.BatchNorm1d(WIDTH),
        nn.ReLU(),
        nn.Dropout(DROPOUT),
        _Residual(WIDTH),
        _Residual(WIDTH),
        nn.Linear(WIDTH, outputs),
    )


def _mirror(shape: np.ndarray, frame_globals: np.ndarray, pose: np.ndarray) -> tuple[np.ndarray, ...]:
    """Left/right mirror of per-frame features and poses (x negated, sides swapped)."""
    s = shape.reshape(-1, 17, 2)[:, FLIP_PERMUTATION].copy()
    s[..., 0] *= -1
    g = frame_globals.copy()
    g[:, 0] *= -1
    p = pose[:, FLIP_PERMUTATION].copy()
    p[..., 0] *= -1
    return s.reshape(len(s), -1), g, p


class FrameMLP:
    """A trained single-frame MLP lifter."""

    def __init__(self, train: ClipSet, seed: int = 0, steps: int = 3000, batch_size: int = 256, lr: float = 1e-3):
        shape, frame_globals = frame_features(train)
        pose = frame_targets(train)
        mirrored = _mirror(shape, frame_globals, pose)
        x = torch.from_numpy(
            np.concatenate([np.concatenate([shape, frame_globals], 1), np.concatenate(mirrored[:2], 1)])
        )
        y = torch.from_numpy(np.concatenate([pose, mirrored[2]]))
        gen = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        self.net = _network(x.shape[1], 17 * 3)
        optimizer = torch.optim.Adam(self.net.parameters(), lr=lr)
        decay = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.05 ** (1 / steps))
        self.net.train()
        for _ in range(steps):
            rows = torch.randint(len(x), (batch_size,), generator=gen)
            loss = mpjpe_loss(self._poses(x[rows]), y[rows])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            decay.step()
        self.net.eval()

    def _poses(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x).reshape(-1, 17, 3)
        return out - out[:, ROOT : ROOT + 1]

    @torch.no_grad()
    def predict(self, clips: ClipSet) -> np.ndarray:
        """``[N, 17, 3]`` root-relative mm."""
        shape, frame_globals = frame_features(clips)
        x = torch.from_numpy(np.concatenate([shape, frame_globals], 1))
        return np.concatenate([self._poses(x[i : i + 8192]).numpy() for i in range(0, len(x), 8192)]) * MM_PER_M
