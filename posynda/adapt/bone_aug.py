"""Local pose augmentation of source poses: random bone-angle changes (after PoseDA, Chai et al.
ICCV 2023, and the bone-angle augmentor of Liu et al. 2025, arXiv 2504.12699).

GPA (paper Eq. 3) re-places a source pose in a target camera but keeps the pose itself; when the
target does other things than the source (gestures, fighting and dance after locomotion), the
source never shows the poses the target needs. Here every limb bone of a clip (upper arm, forearm,
thigh, shin) and the head turn by a random rotation about their parent joint -- one rotation per
bone and clip, so the motion stays smooth -- which keeps every bone length and makes new
configurations of the same skeleton; the result then goes through GPA like any source pose.
"""

from __future__ import annotations

import numpy as np

# (pivot joint, the joints carried along, the largest turn as a fraction of ``max_degrees``):
# upper arms and forearms 1, thighs and shins 0.5, the head 0.3
BONE_SUBTREES: tuple[tuple[int, tuple[int, ...], float], ...] = (
    (11, (12, 13), 1.0),
    (12, (13,), 1.0),
    (14, (15, 16), 1.0),
    (15, (16,), 1.0),
    (1, (2, 3), 0.5),
    (2, (3,), 0.5),
    (4, (5, 6), 0.5),
    (5, (6,), 0.5),
    (8, (9, 10), 0.3),
)


def axis_angle_rotations(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """``[n, 3, 3]`` rotations about ``axis [n, 3]`` (any length > 0) by ``angle [n]`` radians (Rodrigues)."""
    axis = axis / np.linalg.norm(axis, axis=1, keepdims=True)
    n = len(axis)
    k = np.zeros((n, 3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -axis[:, 2], axis[:, 1], -axis[:, 0]
    k -= k.transpose(0, 2, 1)
    s, c = np.sin(angle)[:, None, None], np.cos(angle)[:, None, None]
    return np.eye(3) + s * k + (1 - c) * (k @ k)


def bone_choices(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The random part of the augmentation for ``n`` clips: ``(axes [n, 9, 3], turns [n, 9])``, a Gaussian axis
    and a uniform fraction in [0, 1) of the largest turn per clip and bone of :data:`BONE_SUBTREES`."""
    bones = len(BONE_SUBTREES)
    return rng.normal(size=(n, bones, 3)), rng.uniform(0, 1, (n, bones))


def apply_bone_angles(joints_3d: np.ndarray, axes: np.ndarray, turns: np.ndarray, max_degrees: float) -> np.ndarray:
    """``joints_3d [B, T, 17, 3]`` with bone ``k`` of :data:`BONE_SUBTREES` of clip ``b`` turned about its parent
    joint and ``axes[b, k]`` by ``turns[b, k]`` x ``max_degrees`` x the bone's fraction; lengths kept exactly."""
    out = np.array(joints_3d, dtype=np.float64, copy=True)
    if max_degrees <= 0:
        return out.astype(joints_3d.dtype)
    for k, (pivot, carried, scale) in enumerate(BONE_SUBTREES):
        rot = axis_angle_rotations(axes[:, k], turns[:, k] * np.deg2rad(max_degrees * scale))  # [B, 3, 3]
        centre = out[:, :, pivot : pivot + 1]  # [B, T, 1, 3]
        moved = out[:, :, list(carried)] - centre
        out[:, :, list(carried)] = np.einsum("bij,btkj->btki", rot, moved) + centre
    return out.astype(joints_3d.dtype)
