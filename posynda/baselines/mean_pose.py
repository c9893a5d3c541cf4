"""The mean-pose baseline: every frame gets the source's mean root-relative pose."""

from __future__ import annotations

import numpy as np

from posynda.baselines.features import frame_targets
from posynda.data.clips import ClipSet
from posynda.data.prepare import MM_PER_M


class MeanPose:
    """Predicts the mean root-relative pose of the training frames, whatever the 2D."""

    def __init__(self, train: ClipSet, seed: int = 0):
        self.pose = frame_targets(train).mean(0)  # [17, 3] m

    def predict(self, clips: ClipSet) -> np.ndarray:
        """``[N, 17, 3]`` root-relative mm."""
        return np.broadcast_to(self.pose * MM_PER_M, (clips.num_frames, 17, 3)).astype(np.float32)
