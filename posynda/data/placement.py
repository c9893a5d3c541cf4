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


def place_on_rays(joints_mm: np.ndarray, intrinsics: np.ndarray, moved: np.ndarray, rays: np.ndarray) -> np.ndarray:
    """Move the clips ``moved [B]`` so that their mean root lies on the ray ``rays [B, 2]`` (canonical screen
    units, ``camera.canonical_screen``) at its own depth, and project every clip into the canonical camera.

    Args:
        joints_mm: ``[B, T, J, 3]`` camera-frame poses (mm).
        intrinsics: ``[B, 9]`` pixel intrinsics of each clip's camera (its lens distortion is kept).
        moved: ``[B]`` bool, the clips to move (the others are projected as they are).
        rays: ``[B, 2]`` where each moved clip goes.

    Returns:
        ``[B, T, J, 2]`` float32 keypoints in canonical screen units.
    """
    joints = joints_mm.astype(np.float64, copy=True)
    root = joints[:, :, ROOT].mean(axis=1)  # [B, 3] the clip's mean root
    target = np.concatenate([rays * root[:, 2:3] / camera.CANONICAL_FOCAL, root[:, 2:3]], axis=1)
    joints[moved] += (target - root)[moved][:, None, None, :]
    canon = camera.canonical_intrinsics(intrinsics.astype(np.float64))[:, None, :]  # [B, 1, 9]
    return camera.project(joints, canon).astype(np.float32)


def placement_choices(
    rng: np.random.Generator, count: int, prob: float, extent: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(moved [count] bool, rays [count, 2])``: each clip moves with probability ``prob``, to a ray uniform
    in ``[-extent, extent]^2`` canonical screen units (1 = half the width of a 53 degree view)."""
    moved = rng.random(count) < prob
    return moved, rng.uniform(-extent, extent, size=(count, 2))
