"""DeepMimic motion files (the humanoid clips of ``pybullet_data``) -> Human3.6M-17 joint positions.

A DeepMimic motion is JSON: ``{"Loop": ..., "Frames": [[dt, root xyz (3), root quaternion (4), then per joint of
its humanoid, in this order, a quaternion (4) or a hinge angle (1): chest, neck, right hip, right knee (1), right
ankle, right shoulder, right elbow (1), left hip, left knee (1), left ankle, left shoulder, left elbow (1)], ...]}``
-- 44 numbers a frame; ``dt`` the frame's duration (s; the last frame's may be 0), quaternions ``(w, x, y, z)``,
hinges about their joint's ``z`` axis (radians), positions in metres, world axes y up and the humanoid facing +x.
Each joint's rotation is relative to its parent's frame; the offsets between joints are those of
``humanoid.urdf`` (pybullet_data's DeepMimic humanoid) at the 0.25 scale pybullet loads it with: thigh 422 mm,
shin 410, upper arm 275, forearm 259.

The humanoid has no nose or head-top joint: ``neck`` (H36M's nose) is put 140 mm above and 80 mm in front of its
neck joint, ``head`` (the top of the head) 250 mm above and 20 mm in front, in the neck's frame (its head sphere is
centred 175 mm above the neck joint, radius 103 mm); ``spine`` is the chest joint and ``thorax`` the neck joint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posynda.data.convert.geometry import quaternion_to_matrix
from posynda.errors import InputError
from posynda.reading import read_json
from posynda.skeleton import H36M_JOINT_NAMES

HUMANOID_SCALE = 0.25  # pybullet loads humanoid.urdf with globalScaling 0.25
# joint: (parent, offset from the parent's joint in the parent's frame, humanoid.urdf units)
OFFSETS: dict[str, tuple[str, tuple[float, float, float]]] = {
    "chest": ("root", (0.0, 0.944604, 0.0)),
    "neck": ("chest", (0.0, 0.895576, 0.0)),
    "right_hip": ("root", (0.0, 0.0, 0.339548)),
    "right_knee": ("right_hip", (0.0, -1.686184, 0.0)),
    "right_ankle": ("right_knee", (0.0, -1.639480, 0.0)),
    "right_shoulder": ("chest", (-0.0962, 0.974, 0.73244)),
    "right_elbow": ("right_shoulder", (0.0, -1.099152, 0.0)),
    "right_wrist": ("right_elbow", (0.0, -1.035788, 0.0)),
    "left_hip": ("root", (0.0, 0.0, -0.339548)),
    "left_knee": ("left_hip", (0.0, -1.686184, 0.0)),
    "left_ankle": ("left_knee", (0.0, -1.639480, 0.0)),
    "left_shoulder": ("chest", (-0.0962, 0.974, -0.73244)),
    "left_elbow": ("left_shoulder", (0.0, -1.099152, 0.0)),
    "left_wrist": ("left_elbow", (0.0, -1.035788, 0.0)),
}
# the numbers of each frame after dt, root position and root quaternion: (joint, 4 = quaternion, 1 = hinge)
CHANNELS: tuple[tuple[str, int], ...] = (
    ("chest", 4), ("neck", 4), ("right_hip", 4), ("right_knee", 1), ("right_ankle", 4), ("right_shoulder", 4),
    ("right_elbow", 1), ("left_hip", 4), ("left_knee", 1), ("left_ankle", 4), ("left_shoulder", 4), ("left_elbow", 1),
)  # fmt: skip
FRAME_WIDTH = 8 + sum(n for _, n in CHANNELS)  # 44
NOSE_M = (0.08, 0.14, 0.0)  # H36M's "neck" (the nose), in the neck joint's frame (x forward, y up)
HEAD_TOP_M = (0.02, 0.25, 0.0)
# H36M joint -> the humanoid's joint (or a point of the neck's frame)
H36M_FROM_HUMANOID = {
    "pelvis": "root", "r_hip": "right_hip", "r_knee": "right_knee", "r_ankle": "right_ankle", "l_hip": "left_hip",
    "l_knee": "left_knee", "l_ankle": "left_ankle", "spine": "chest", "thorax": "neck", "neck": NOSE_M,
    "head": HEAD_TOP_M, "l_shoulder": "left_shoulder", "l_elbow": "left_elbow", "l_wrist": "left_wrist",
    "r_shoulder": "right_shoulder", "r_elbow": "right_elbow", "r_wrist": "right_wrist",
}  # fmt: skip
MAX_FRAMES = 1_000_000  # 4.6 h at 60 fps: a motion file is refused beyond it


@dataclass(frozen=True)
class DeepMimicMotion:
    """One motion file read.

    Attributes:
        name: the file's stem.
        positions_m: ``[F, 17, 3]`` H36M-17 world positions, metres, y up.
        times_s: ``[F]`` each frame's time from the first, seconds (the durations before it summed).
        fps: frames per second (1 / the median of the frame durations > 0).
    """

    name: str
    positions_m: np.ndarray
    times_s: np.ndarray
    fps: float


def _frames(path: Path) -> np.ndarray:
    """``[F, 44]`` float64 frames of the motion file ``path``, checked."""
    data = read_json(path, "DeepMimic motion file")
    frames = data.get("Frames") if isinstance(data, dict) else None
    if not isinstance(frames, list) or not frames:
        raise InputError(f"{path}: not a DeepMimic motion file (no 'Frames' list of frames)")
    if len(frames) > MAX_FRAMES:
        raise InputError(f"{path}: {len(frames)} frames, more than the {MAX_FRAMES} a motion file may hold")
    widths = {len(f) if isinstance(f, list) else -1 for f in frames}
    if widths != {FRAME_WIDTH}:
        raise InputError(f"{path}: every frame must hold {FRAME_WIDTH} numbers (the DeepMimic humanoid), "
                         f"found {sorted(widths)}")  # fmt: skip
    try:
        out = np.asarray(frames, np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{path}: a frame holds something other than numbers") from None
    if not np.isfinite(out).all():
        raise InputError(f"{path}: a frame holds NaN or infinity")
    if (out[:, 0] < 0).any() or (out[:-1, 0] == 0).any() or not (out[:, 0] > 0).any():
        raise InputError(f"{path}: frame durations (each frame's first number) must be > 0 (the last frame's >= 0)")
    return out


def _rotations(quaternions: np.ndarray, path: Path) -> np.ndarray:
    """``[F, 3, 3]`` rotations of one joint's quaternions ``[F, 4]`` (w, x, y, z); InputError for a zero one."""
    if (np.linalg.norm(quaternions, axis=-1) < 1e-6).any():
        raise InputError(f"{path}: a rotation is a quaternion of length 0")
    return quaternion_to_matrix(quaternions)


def read_deepmimic(path: str | os.PathLike) -> DeepMimicMotion:
    """The motion file ``path`` as H36M-17 positions by the humanoid's forward kinematics (module docstring)."""
    path = Path(path)
    frames = _frames(path)
    rotation = {"root": _rotations(frames[:, 4:8], path)}  # joint -> [F, 3, 3] world rotation
    position = {"root": frames[:, 1:4]}  # joint -> [F, 3] m
    local, column = {}, 8
    for joint, width in CHANNELS:
        values = frames[:, column : column + width]
        if width == 4:
            local[joint] = _rotations(values, path)
        else:  # a hinge about z
            c, s = np.cos(values[:, 0]), np.sin(values[:, 0])
            zero, one = np.zeros_like(c), np.ones_like(c)
            local[joint] = np.stack([c, -s, zero, s, c, zero, zero, zero, one], axis=-1).reshape(-1, 3, 3)
        column += width
    for joint, (parent, offset) in OFFSETS.items():  # parents come first
        position[joint] = position[parent] + rotation[parent] @ (np.asarray(offset) * HUMANOID_SCALE)
        rotation[joint] = rotation[parent] @ local[joint] if joint in local else rotation[parent]
    out = np.empty((len(frames), len(H36M_JOINT_NAMES), 3))
    for j, name in enumerate(H36M_JOINT_NAMES):
        source = H36M_FROM_HUMANOID[name]
        if isinstance(source, str):
            out[:, j] = position[source]
        else:
            out[:, j] = position["neck"] + rotation["neck"] @ np.asarray(source)
    durations = frames[:, 0]
    times = np.concatenate([[0.0], np.cumsum(durations[:-1])])
    return DeepMimicMotion(path.stem, out, times, float(1.0 / np.median(durations[durations > 0])))
