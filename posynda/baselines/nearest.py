"""The nearest-neighbour baseline: the 3D of the training frame whose normalised 2D is closest.

The lookup key is the root-centred, scale-normalised 2D shape (34 numbers per frame, so position,
size and image aspect do not matter); the distance is Euclidean; ties go to the first frame.
"""

from __future__ import annotations

import numpy as np
import torch

from posynda.baselines.features import frame_features, frame_targets
from posynda.data.clips import ClipSet
from posynda.data.prepare import MM_PER_M

MAX_KEYS = 200_000  # training frames kept as keys (every k-th frame beyond that)
CHUNK = 2048  # query frames per distance matrix


class NearestNeighbour:
    """2D -> 3D lookup in the training frames (one neighbour)."""

    def __init__(self, train: ClipSet, seed: int = 0):
        keys, _ = frame_features(train)
        values = frame_targets(train)
        step = max(1, -(-len(keys) // MAX_KEYS))
        self.keys = torch.from_numpy(keys[::step])
        self.values = values[::step]

    def predict(self, clips: ClipSet) -> np.ndarray:
        """``[N, 17, 3]`` root-relative mm."""
        query = torch.from_numpy(frame_features(clips)[0])
        index = np.concatenate(
            [torch.cdist(query[i : i + CHUNK], self.keys).argmin(1).numpy() for i in range(0, len(query), CHUNK)]
        )
        return (self.values[index] * MM_PER_M).astype(np.float32)
