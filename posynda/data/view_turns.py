"""Global view augmentation of labelled poses: random camera pitch and roll about the root (the
human-centred global transform of Liu et al. 2025, arXiv 2504.12699; PoseAug's view change), used by
pretraining (``TrainRecipe.view_prob``) and by adaptation's source clips (``AdaptSettings.view_*``).

GPA (paper Eq. 3) moves a source pose in front of a target camera but keeps its orientation in
the *source* camera frame: a studio rig at chest height never shows a person seen from above,
from the floor or with a rolled camera, which a hand-held or wall-mounted target camera does.
Here every clip's root-relative pose turns about the root by one rotation ``R = Rz(roll) Rx(pitch)``
(camera-frame axes: x right, y down, z forward), pitch and roll uniform in ``[-max, max]``, which
is what the same pose looks like from a camera tilted by that pitch and roll; GPA then places it.
"""

from __future__ import annotations

import numpy as np

from posynda.skeleton import ROOT


def view_choices(rng: np.random.Generator, n: int) -> np.ndarray:
    """The random part of the augmentation for ``n`` clips: ``[n, 2]`` (pitch, roll) fractions in [-1, 1)."""
    return rng.uniform(-1, 1, (n, 2))


def turn_rotations(turns: np.ndarray, pitch_degrees: float, roll_degrees: float) -> np.ndarray:
    """``[n, 3, 3]`` rotations ``Rz(roll) Rx(pitch)`` for ``turns [n, 2]`` fractions of the largest angles."""
    pitch, roll = np.deg2rad(turns[:, 0] * pitch_degrees), np.deg2rad(turns[:, 1] * roll_degrees)
    n = len(turns)
    cp, sp, cr, sr = np.cos(pitch), np.sin(pitch), np.cos(roll), np.sin(roll)
    rx = np.zeros((n, 3, 3))
    rx[:, 0, 0], rx[:, 1, 1], rx[:, 1, 2], rx[:, 2, 1], rx[:, 2, 2] = 1, cp, -sp, sp, cp
    rz = np.zeros((n, 3, 3))
    rz[:, 0, 0], rz[:, 0, 1], rz[:, 1, 0], rz[:, 1, 1], rz[:, 2, 2] = cr, -sr, sr, cr, 1
    return rz @ rx


def apply_view_turns(joints_3d: np.ndarray, turns: np.ndarray, pitch_degrees: float, roll_degrees: float) -> np.ndarray:
    """``joints_3d [B, T, J, 3]`` turned about each frame's root by the view rotation of ``turns [B, 2]``
    (:func:`turn_rotations`); the root stays where it is."""
    out = np.array(joints_3d, dtype=np.float64, copy=True)
    if pitch_degrees <= 0 and roll_degrees <= 0:
        return out.astype(joints_3d.dtype)
    rot = turn_rotations(turns, pitch_degrees, roll_degrees)
    root = out[:, :, ROOT : ROOT + 1]
    out = np.einsum("bij,btkj->btki", rot, out - root) + root
    return out.astype(joints_3d.dtype)
