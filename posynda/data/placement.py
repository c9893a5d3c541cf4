"""Random placement of labelled clips in the camera's view: the pretraining augmentation that makes
a lifter indifferent to where the person stands in the frame.

Studio footage keeps the person near the image centre; phone footage (portrait, or a person near
an edge) does not. Moving a clip sideways and up/down at its own depth changes its 2D -- the
person is seen along another ray, with that ray's perspective -- but not its root-relative 3D, so
the training label stays the same: the model learns to read the pose whatever the ray. A clip is
moved as a whole (every frame by one 3D offset), so its motion is kept.
"""

from __future__ import annotations

import numpy as np

from posynda import camera
from posynda.skeleton import ROOT


def random_placement(
    joints_mm: np.ndarray, intrinsics: np.ndarray, rng: np.random.Generator, prob: float, extent: float
) -> tuple[np.ndarray, np.ndarray]:
    """Re-place clips on random rays and re-project them into the canonical camera.

    Args:
        joints_mm: ``[B, T, J, 3]`` camera-frame poses (mm).
        intrinsics: ``[B, 9]`` pixel intrinsics of each clip's camera (its lens distortion is kept).
        rng: draws which clips move (each with probability ``prob``) and where to.
        extent: the mean root of a moved clip goes to a ray uniform in ``[-extent, extent]^2``
            canonical screen units (``camera.canonical_screen``; 1 = half the width of a 53 degree view).

    Returns:
        ``(keypoints [B, T, J, 2]`` float32 in canonical screen units (the unmoved clips projected as
        they are), ``moved [B]`` bool)``.
    """
    b = len(joints_mm)
    moved = rng.random(b) < prob
    rays = rng.uniform(-extent, extent, size=(b, 2))
    joints = joints_mm.astype(np.float64, copy=True)
    root = joints[:, :, ROOT].mean(axis=1)  # [B, 3] the clip's mean root
    target = np.concatenate([rays * root[:, 2:3] / camera.CANONICAL_FOCAL, root[:, 2:3]], axis=1)
    joints[moved] += (target - root)[moved][:, None, None, :]
    canon = camera.canonical_intrinsics(intrinsics.astype(np.float64))[:, None, :]  # [B, 1, 9]
    return camera.project(joints, canon).astype(np.float32), moved
