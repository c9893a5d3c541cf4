"""Per-frame features the baselines share: root-centred, scale-normalised 2D and root-relative 3D."""

from __future__ import annotations

import numpy as np
import torch

from posynda.data.clips import ClipSet
from posynda.data.prepare import normalized_keypoints, root_relative_metres
from posynda.models.normalization import root_normalize


def frame_features(clips: ClipSet) -> tuple[np.ndarray, np.ndarray]:
    """``(shape [N, 34], globals [N, 3])`` float32 per frame: the gap-filled screen-normalised 2D,
    root-centred and divided by its RMS root distance, and ``(u'_root, v'_root, log scale)``."""
    shape, frame_globals = root_normalize(torch.from_numpy(normalized_keypoints(clips)))
    return shape.reshape(len(shape), -1).numpy(), frame_globals.numpy()


def frame_targets(clips: ClipSet) -> np.ndarray:
    """``[N, 17, 3]`` float32 root-relative metres (the ground truth of a labelled clip set)."""
    return root_relative_metres(clips.joints_3d)
