"""Joint orders: the Human3.6M 17-joint skeleton every model uses, and converters into it.

Other skeletons are converted at load time, never inside models (docs/CONVENTIONS.md). A
conversion is a table of ``(source joints, weights)`` per H36M joint, so joints that a source
skeleton lacks (COCO has no pelvis) are synthesised as weighted means of the ones it has. A
synthesised joint is missing (NaN, confidence 0) whenever one of its sources is missing.
"""

from __future__ import annotations

import functools
from typing import Sequence

import numpy as np

from posynda.errors import InputError

NUM_JOINTS = 17

H36M_JOINT_NAMES: tuple[str, ...] = (
    "pelvis",
    "r_hip",
    "r_knee",
    "r_ankle",
    "l_hip",
    "l_knee",
    "l_ankle",
    "spine",
    "thorax",
    "neck",
    "head",
    "l_shoulder",
    "l_elbow",
    "l_wrist",
    "r_shoulder",
    "r_elbow",
    "r_wrist",
)
H36M_PARENTS: tuple[int, ...] = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)
H36M_LEFT: tuple[int, ...] = (4, 5, 6, 11, 12, 13)
H36M_RIGHT: tuple[int, ...] = (1, 2, 3, 14, 15, 16)
ROOT = 0

# Left/right swap used by flip augmentation: FLIP_PERMUTATION[i] is the joint that lands on i.
FLIP_PERMUTATION: tuple[int, ...] = tuple(
    H36M_RIGHT[H36M_LEFT.index(i)] if i in H36M_LEFT else H36M_LEFT[H36M_RIGHT.index(i)] if i in H36M_RIGHT else i
    for i in range(NUM_JOINTS)
)

# MPI-INF-3DHP 17-joint order (the "_ori"/annot3 npz layout); pelvis is joint 14 there.
MPI_INF_3DHP_JOINT_NAMES: tuple[str, ...] = (
    "head_top",
    "neck",
    "r_shoulder",
    "r_elbow",
    "r_wrist",
    "l_shoulder",
    "l_elbow",
    "l_wrist",
    "r_hip",
    "r_knee",
    "r_ankle",
    "l_hip",
    "l_knee",
    "l_ankle",
    "pelvis",
    "spine",
    "head",
)
# h36m[i] = 3dhp[MPI_INF_3DHP_TO_H36M[i]]: thorax <- neck, neck/nose <- head, head <- head_top.
MPI_INF_3DHP_TO_H36M: tuple[int, ...] = (14, 8, 9, 10, 11, 12, 13, 15, 1, 16, 0, 5, 6, 7, 2, 3, 4)

COCO_JOINT_NAMES: tuple[str, ...] = (
    "nose",
    "l_eye",
    "r_eye",
    "l_ear",
    "r_ear",
    "l_shoulder",
    "r_shoulder",
    "l_elbow",
    "r_elbow",
    "l_wrist",
    "r_wrist",
    "l_hip",
    "r_hip",
    "l_knee",
    "r_knee",
    "l_ankle",
    "r_ankle",
)

# Per H36M joint: (source joint indices, weights). The COCO rule is the usual one (as in MMPose's
# coco->h36m conversion): pelvis = mid-hips, thorax = mid-shoulders, spine = mid(pelvis, thorax),
# head = mid-eyes, neck/nose = nose.
_COCO_RULES: tuple[tuple[tuple[int, ...], tuple[float, ...]], ...] = (
    ((11, 12), (0.5, 0.5)),  # pelvis = mid-hips
    ((12,), (1.0,)),  # r_hip
    ((14,), (1.0,)),  # r_knee
    ((16,), (1.0,)),  # r_ankle
    ((11,), (1.0,)),  # l_hip
    ((13,), (1.0,)),  # l_knee
    ((15,), (1.0,)),  # l_ankle
    ((11, 12, 5, 6), (0.25, 0.25, 0.25, 0.25)),  # spine = mid(pelvis, thorax)
    ((5, 6), (0.5, 0.5)),  # thorax = mid-shoulders
    ((0,), (1.0,)),  # neck/nose = nose
    ((1, 2), (0.5, 0.5)),  # head = mid-eyes
    ((5,), (1.0,)),  # l_shoulder
    ((7,), (1.0,)),  # l_elbow
    ((9,), (1.0,)),  # l_wrist
    ((6,), (1.0,)),  # r_shoulder
    ((8,), (1.0,)),  # r_elbow
    ((10,), (1.0,)),  # r_wrist
)

Rules = tuple[tuple[tuple[int, ...], tuple[float, ...]], ...]


def body_rules(names: Sequence[str]) -> Rules:
    """The COCO rule above for any detector skeleton whose joint ``names`` include COCO's (``nose``,
    ``l_eye``, ``r_eye``, ``l_shoulder`` ... ``r_ankle``; its other joints are not used):
    ``body_rules(COCO_JOINT_NAMES)`` is the "coco" rule."""
    j = list(names).index
    one = lambda name: ((j(name),), (1.0,))  # noqa: E731
    mid = lambda a, b: ((j(a), j(b)), (0.5, 0.5))  # noqa: E731
    spine = ((j("l_hip"), j("r_hip"), j("l_shoulder"), j("r_shoulder")), (0.25, 0.25, 0.25, 0.25))
    return (
        mid("l_hip", "r_hip"),  # pelvis = mid-hips
        one("r_hip"),
        one("r_knee"),
        one("r_ankle"),
        one("l_hip"),
        one("l_knee"),
        one("l_ankle"),
        spine,  # spine = mid(pelvis, thorax)
        mid("l_shoulder", "r_shoulder"),  # thorax = mid-shoulders
        one("nose"),  # neck/nose = nose
        mid("l_eye", "r_eye"),  # head = mid-eyes
        one("l_shoulder"),
        one("l_elbow"),
        one("l_wrist"),
        one("r_shoulder"),
        one("r_elbow"),
        one("r_wrist"),
    )


# OpenPose BODY_25 (``pose_keypoints_2d`` of its default model). Its own neck and mid-hip joints are
# not used, so that the pelvis and thorax of every detector follow one rule (mid-hips, mid-shoulders).
OPENPOSE_BODY25_JOINT_NAMES: tuple[str, ...] = (
    "nose",
    "neck",
    "r_shoulder",
    "r_elbow",
    "r_wrist",
    "l_shoulder",
    "l_elbow",
    "l_wrist",
    "mid_hip",
    "r_hip",
    "r_knee",
    "r_ankle",
    "l_hip",
    "l_knee",
    "l_ankle",
    "r_eye",
    "l_eye",
    "r_ear",
    "l_ear",
    "l_big_toe",
    "l_small_toe",
    "l_heel",
    "r_big_toe",
    "r_small_toe",
    "r_heel",
)
# OpenPose's 18-joint COCO model: BODY_25's first 19 joints without mid-hip.
OPENPOSE_COCO18_JOINT_NAMES: tuple[str, ...] = tuple(n for n in OPENPOSE_BODY25_JOINT_NAMES[:19] if n != "mid_hip")

# BlazePose's 33 landmarks (MediaPipe Pose, ``posynda.data.detections.blazepose``), by the same rule;
# its face, hand and foot landmarks are not used.
BLAZEPOSE33_JOINT_NAMES: tuple[str, ...] = (
    "nose",
    "l_eye_inner",
    "l_eye",
    "l_eye_outer",
    "r_eye_inner",
    "r_eye",
    "r_eye_outer",
    "l_ear",
    "r_ear",
    "mouth_left",
    "mouth_right",
    "l_shoulder",
    "r_shoulder",
    "l_elbow",
    "r_elbow",
    "l_wrist",
    "r_wrist",
    "l_pinky",
    "r_pinky",
    "l_index",
    "r_index",
    "l_thumb",
    "r_thumb",
    "l_hip",
    "r_hip",
    "l_knee",
    "r_knee",
    "l_ankle",
    "r_ankle",
    "l_heel",
    "r_heel",
    "l_foot_index",
    "r_foot_index",
)

# SPIN's 24-joint set (``part``/``S`` arrays of SPIN-style npz files, e.g. 3DPW): 0 r_ankle,
# 1 r_knee, 2 r_hip, 3 l_hip, 4 l_knee, 5 l_ankle, 6 r_wrist, 7 r_elbow, 8 r_shoulder, 9 l_shoulder,
# 10 l_elbow, 11 l_wrist, 12 neck (LSP), 13 head top (LSP), 14 pelvis (MPII), 15 thorax (MPII),
# 16 spine (H36M), 17 jaw (H36M), 18 head (H36M), 19 nose, 20-23 eyes and ears.
SPIN24_TO_H36M: tuple[int, ...] = (14, 2, 1, 0, 3, 4, 5, 16, 15, 17, 18, 9, 10, 11, 8, 7, 6)

# name -> (number of source joints, per-H36M-joint (source joints, weights))
JOINT_ORDERS: dict[str, tuple[int, Rules]] = {
    "h36m": (17, tuple(((i,), (1.0,)) for i in range(NUM_JOINTS))),
    "3dhp": (17, tuple(((m,), (1.0,)) for m in MPI_INF_3DHP_TO_H36M)),
    "coco": (17, _COCO_RULES),
    "spin24": (24, tuple(((m,), (1.0,)) for m in SPIN24_TO_H36M)),
    # Detector skeletons whose first 17 joints are COCO-17, converted by the COCO rule (their other
    # joints -- Halpe's head, neck, hip and feet, the whole-body face and hands -- are not used):
    # AlphaPose / RTMPose Halpe-26, COCO-WholeBody (133, MMPose's "wholebody"), Halpe-136.
    "halpe26": (26, _COCO_RULES),
    "coco_wholebody": (133, _COCO_RULES),
    "halpe136": (136, _COCO_RULES),
    # OpenPose BODY_25 and COCO-18 by the same rule.
    "body25": (25, body_rules(OPENPOSE_BODY25_JOINT_NAMES)),
    "coco18": (18, body_rules(OPENPOSE_COCO18_JOINT_NAMES)),
    "blazepose33": (33, body_rules(BLAZEPOSE33_JOINT_NAMES)),
}


def convert_joints(
    points: np.ndarray, order: str, confidence: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Convert joints from skeleton ``order`` (a key of ``JOINT_ORDERS``: "h36m", "3dhp", "coco",
    "spin24", "halpe26", "coco_wholebody", "halpe136", "body25", "coco18", "blazepose33") to H36M-17.

    Args:
        points: ``[..., Js, C]`` coordinates in ``order`` (Js = ``JOINT_ORDERS[order][0]``: 17; 24 for
            "spin24"; 26, 133, 136 for the Halpe / whole-body sets; 25 for OpenPose BODY_25, 18 for
            OpenPose COCO, 33 for BlazePose; C = 2 or 3, any unit); NaN = missing.
        order: name of the source joint order (a key of ``JOINT_ORDERS``).
        confidence: ``[..., Js]`` scores in [0, 1], or None (1 where the point is finite).

    Returns:
        ``(points [..., 17, C], confidence [..., 17])`` in H36M order. A synthesised joint takes the
        minimum confidence of its sources and is NaN if any source is NaN.
    """
    if order not in JOINT_ORDERS:
        raise InputError(f"unknown joint order {order!r}; expected one of {sorted(JOINT_ORDERS)}")
    num_source, rules = JOINT_ORDERS[order]
    points = np.asarray(points)
    if points.ndim < 2 or points.shape[-2] != num_source:
        raise InputError(f"expected [..., {num_source}, C] joints for order {order!r}, got shape {list(points.shape)}")
    finite = np.isfinite(points).all(axis=-1)
    if confidence is None:
        confidence = finite.astype(np.float32)
    confidence = np.where(finite, np.asarray(confidence, dtype=np.float32), 0.0)
    sources, weights = _rule_table(order)
    picked = points[..., sources, :]  # [..., 17, K, C]: each target's sources, the first repeated as padding
    out = picked[..., 0, :] * weights[:, 0, None].astype(points.dtype)
    for k in range(1, sources.shape[1]):  # padding weighs 0: x + 0 * first = x (NaN only where first is NaN)
        out = out + picked[..., k, :] * weights[:, k, None].astype(points.dtype)
    return out.astype(points.dtype, copy=False), confidence[..., sources].min(axis=-1)


@functools.cache
def _rule_table(order: str) -> tuple[np.ndarray, np.ndarray]:
    """``(sources [17, K] int, weights [17, K] float64)`` of ``JOINT_ORDERS[order]``'s rules, K the most sources
    a rule has; a rule with fewer repeats its first source with weight 0 (the same minimum confidence)."""
    rules = JOINT_ORDERS[order][1]
    width = max(len(s) for s, _ in rules)
    sources = np.array([list(s) + [s[0]] * (width - len(s)) for s, _ in rules], dtype=np.intp)
    weights = np.array([list(w) + [0.0] * (width - len(w)) for _, w in rules], dtype=np.float64)
    return sources, weights


def flip_left_right(x):
    """Mirror poses ``[..., 17, C]``: negate the x coordinate and swap left/right joints.

    Works on numpy arrays and torch tensors (differentiable, export-friendly: a gather and a
    multiply) in any frame whose x = 0 is the mirror plane: root-relative 3D, or 2D in the screen
    normalisation of camera.py.
    """
    sign = [-1.0] + [1.0] * (x.shape[-1] - 1)
    sign = np.asarray(sign, dtype=x.dtype) if isinstance(x, np.ndarray) else x.new_tensor(sign)
    return x[..., list(FLIP_PERMUTATION), :] * sign


def bone_lengths(joints: np.ndarray, parents: Sequence[int] = H36M_PARENTS) -> np.ndarray:
    """Lengths ``[..., 16]`` of the bones (child, parent) of ``joints [..., 17, 3]``, same unit."""
    children = [j for j, p in enumerate(parents) if p >= 0]
    par = [parents[j] for j in children]
    return np.linalg.norm(joints[..., children, :] - joints[..., par, :], axis=-1)


def with_bone_lengths(joints: np.ndarray, lengths: np.ndarray, parents: Sequence[int] = H36M_PARENTS) -> np.ndarray:
    """``joints [..., 17, 3]`` with every bone (in :func:`bone_lengths`' order) resized to ``lengths [..., 16]``
    along its own direction, from the root outwards (the root stays; a bone of zero length stays zero)."""
    out = np.array(joints, dtype=np.float64, copy=True)
    lengths = np.asarray(lengths, np.float64)
    children = [j for j, p in enumerate(parents) if p >= 0]
    for k, child in enumerate(children):  # a parent comes before its children in the H36M order
        parent = parents[child]
        bone = joints[..., child, :] - joints[..., parent, :]
        norm = np.linalg.norm(bone, axis=-1, keepdims=True)
        unit = np.divide(bone, norm, out=np.zeros_like(bone, dtype=np.float64), where=norm > 0)
        out[..., child, :] = out[..., parent, :] + unit * lengths[..., k, None]
    return out
