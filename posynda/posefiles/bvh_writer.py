"""``.bvh`` motion of the lifted skeleton, for Blender, MotionBuilder and other BVH importers.

**Axes and units.** BVH is y up; the file's axes are posynda's output frame turned y up, in
**centimetres**: from the world frame (z up, floor at z = 0) ``X = x, Y = z, Z = -y``, so the floor is
``Y = 0`` and the origin lies on it below the first frame's root; from the camera frame (the
fallback when no floor was found) ``X = x, Y = -y, Z = -z``, so the camera centre is the origin and
it looks along -Z. Both are rotations (right-handed), and a person facing the camera faces +Z, the
way BVH characters face. A BVH file has no place for comments, so the frame is stated beside it, in
``<file>.json`` (below), and in the line ``posynda lift`` prints.

**Hierarchy.** Every H36M-17 joint is a BVH joint of the same name (``pelvis`` the root), plus four
joints with a zero offset that each carry one bone out of a joint with several children, the way
CMU's BVH files carry ``LHipJoint``: ``r_hipbone`` / ``l_hipbone`` (pelvis -> hip) and ``r_collar`` /
``l_collar`` (thorax -> shoulder). Offsets are the rest pose, a T-pose facing +Z (legs and spine
along -Y / +Y, the hip and shoulder bones and the arms along -X on the right and +X on the left);
each bone's length is the **median of its length over the sequence** and stays constant.
Leaves have an End Site of fixed length so that importers make a bone for them: a foot 10 cm along
+Z, a head top 10 cm along +Y, a hand 8 cm along the arm (not lifted quantities).

**Channels.** The root has ``Xposition Yposition Zposition`` (the lifted root, so the skeleton stays
where it was lifted) and rotations ``Yrotation Zrotation Xrotation`` (heading outermost); joints
whose bone runs along Y (legs, spine, neck) rotate ``Zrotation Yrotation Xrotation`` and those along
X (hip bones, collars, arms) ``Zrotation Xrotation Yrotation``: the twist about the bone is the middle
angle, which the solve keeps small, so the gimbal lock of a middle angle of 90 degrees stays away.
Angles are degrees, unwrapped over frames; the convention is posynda's reader's
(:mod:`posynda.data.bvh`): channels apply in the order listed.

**Rotations.** Solved per frame so that forward kinematics puts every bone along its lifted
direction (exactly, up to the file's 4 decimals): ``pelvis`` and ``thorax`` get a full rotation
from two directions (TRIAD: the spine / neck bone exactly, the hip / shoulder line -- left minus
right -- for the turn about it), every other joint with a child the minimal rotation (swing) that
takes its bone from where its parent's rotation puts it to the lifted direction, and leaves
(ankles, head, wrists) no rotation of their own. **Lost twist:** 17 points say nothing about the
rotation of a limb about its own axis, so the thigh, shin, upper arm, forearm, spine and neck bones
turn about their axes only as much as their parents do (no axial twist of their own); feet, hands
and the head follow the bone they end, so they never turn on their own (a foot points where the
pelvis and the leg's swing put it, not where the real foot did).

**Frame rate.** ``Frame Time`` is ``1 / fps`` of the sequence, or ``1 / 50`` s (Human3.6M's rate,
:data:`~posynda.posefiles.poses.DEFAULT_FPS`) when the input does not give one.

**Several sequences.** One BVH file holds one skeleton, so each sequence gets a file: the first the
requested path, the k-th (from 1) ``<stem>_<k>_<name>.bvh`` beside it, the name made file-safe. The
sidecar ``<path>.json`` (``posynda-bvh-v1``) lists them with their sequence, person, first source frame
(BVH frame k is source frame ``first_source_frame + k``), fps, frames and bone lengths, and states the
frame, axes, units and the floor. Everything is written atomically; a
failure leaves none of the files.

A frame with a non-finite joint repeats the nearest finite frame before it (or after it).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posynda.errors import InputError
from posynda.fileio import atomic_open
from posynda.posefiles.json_writer import lift_summary, skeleton
from posynda.posefiles.poses import DEFAULT_FPS, LiftedPoses, sequence_paths, y_up

SIDECAR_FORMAT = "posynda-bvh-v1"
CM_PER_MM = 0.1
DECIMALS = 4
FOOT_CM, HEAD_TOP_CM, HAND_CM = 10.0, 10.0, 8.0

BVH_AXES = {
    "world": {
        "X": "world x: the camera's right projected on the floor",
        "Y": "up (world z); the floor is Y = 0",
        "Z": "minus world y: along the floor towards the camera",
        "origin": "on the floor below the root (pelvis) of the first frame of the sequences seen by that camera",
    },
    "camera": {
        "X": "camera x (right)",
        "Y": "minus camera y (up in the image)",
        "Z": "minus camera z (from the scene towards the camera)",
        "origin": "the camera centre",
    },
}

_X, _Y, _Z, _0 = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0), (0.0, 0.0, 0.0)
_MX, _MY = (-1.0, 0.0, 0.0), (0.0, -1.0, 0.0)
ROOT_ORDER, ALONG_Y, ALONG_X = "YZX", "ZYX", "ZXY"


@dataclass(frozen=True)
class Node:
    """One BVH joint.

    Attributes:
        name: its name in the file.
        parent: index of the parent node in :data:`NODES` (-1: the root).
        joint: the H36M joint at its position.
        rest: unit direction of its OFFSET from the parent in the rest pose (zero: same place).
        order: rotation channel order, e.g. "ZXY" (R = Rz @ Rx @ Ry).
        end: End Site offset in cm (leaves only).
    """

    name: str
    parent: int
    joint: int
    rest: tuple[float, float, float]
    order: str
    end: tuple[float, float, float] | None = None


NODES: tuple[Node, ...] = (
    Node("pelvis", -1, 0, _0, ROOT_ORDER),
    Node("r_hipbone", 0, 0, _0, ALONG_X),
    Node("r_hip", 1, 1, _MX, ALONG_Y),
    Node("r_knee", 2, 2, _MY, ALONG_Y),
    Node("r_ankle", 3, 3, _MY, ALONG_Y, (0.0, 0.0, FOOT_CM)),
    Node("l_hipbone", 0, 0, _0, ALONG_X),
    Node("l_hip", 5, 4, _X, ALONG_Y),
    Node("l_knee", 6, 5, _MY, ALONG_Y),
    Node("l_ankle", 7, 6, _MY, ALONG_Y, (0.0, 0.0, FOOT_CM)),
    Node("spine", 0, 7, _Y, ALONG_Y),
    Node("thorax", 9, 8, _Y, ALONG_Y),
    Node("neck", 10, 9, _Y, ALONG_Y),
    Node("head", 11, 10, _Y, ALONG_Y, (0.0, HEAD_TOP_CM, 0.0)),
    Node("l_collar", 10, 8, _0, ALONG_X),
    Node("l_shoulder", 13, 11, _X, ALONG_X),
    Node("l_elbow", 14, 12, _X, ALONG_X),
    Node("l_wrist", 15, 13, _X, ALONG_X, (HAND_CM, 0.0, 0.0)),
    Node("r_collar", 10, 8, _0, ALONG_X),
    Node("r_shoulder", 17, 14, _MX, ALONG_X),
    Node("r_elbow", 18, 15, _MX, ALONG_X),
    Node("r_wrist", 19, 16, _MX, ALONG_X, (-HAND_CM, 0.0, 0.0)),
)
# Nodes with a full rotation: node -> ((primary bone: H36M from, to; rest +Y), (secondary: from, to; rest +X)).
FRAME_RULES: dict[int, tuple[tuple[int, int], tuple[int, int]]] = {
    0: ((0, 7), (1, 4)),  # pelvis: the spine bone, the hip line (r_hip -> l_hip)
    10: ((8, 9), (14, 11)),  # thorax: the neck bone, the shoulder line (r_shoulder -> l_shoulder)
}
CHILDREN: dict[int, list[int]] = {i: [k for k, n in enumerate(NODES) if n.parent == i] for i in range(len(NODES))}
_AXIS = {"X": 0, "Y": 1, "Z": 2}
_EPS = 1e-9


# ------------------------------------------------------------------------------------ rotations
def axis_rotation(axis: int, radians: np.ndarray) -> np.ndarray:
    """``[F, 3, 3]`` right-handed rotations about x, y or z by ``radians [F]``."""
    c, s = np.cos(radians), np.sin(radians)
    out = np.zeros(np.shape(radians) + (3, 3))
    i, k = [(1, 2), (2, 0), (0, 1)][axis]
    out[..., axis, axis] = 1.0
    out[..., i, i], out[..., i, k], out[..., k, i], out[..., k, k] = c, -s, s, c
    return out


def from_euler(degrees: np.ndarray, order: str) -> np.ndarray:
    """``[F, 3, 3]`` = R_a @ R_b @ R_c of the angles ``[F, 3]`` (degrees) about the axes of ``order`` ("ZXY")."""
    out = np.broadcast_to(np.eye(3), degrees.shape[:-1] + (3, 3)).copy()
    for c, axis in enumerate(order):
        out = out @ axis_rotation(_AXIS[axis], np.deg2rad(degrees[..., c]))
    return out


def to_euler(rotations: np.ndarray, order: str) -> np.ndarray:
    """Angles ``[F, 3]`` (degrees, in ``order``) with ``from_euler(angles, order) == rotations [F, 3, 3]``.

    The middle angle lies in [-90, 90]; at +-90 (gimbal lock) the last angle is set to 0.
    """
    i, j, k = (_AXIS[a] for a in order)
    s = 1.0 if (i, j, k) in ((0, 1, 2), (1, 2, 0), (2, 0, 1)) else -1.0
    r = rotations
    middle = np.arcsin(np.clip(s * r[..., i, k], -1.0, 1.0))
    first = np.arctan2(-s * r[..., j, k], r[..., k, k])
    last = np.arctan2(-s * r[..., i, j], r[..., i, i])
    locked = np.cos(middle) < 1e-7
    first = np.where(locked, np.arctan2(s * r[..., k, j], r[..., j, j]), first)
    last = np.where(locked, 0.0, last)
    return np.degrees(np.stack([first, middle, last], axis=-1))


def _unit(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(v / |v|, |v| > eps)``; rows of length ~0 stay as they are."""
    length = np.linalg.norm(v, axis=-1, keepdims=True)
    ok = length[..., 0] > _EPS
    return v / np.where(length > _EPS, length, 1.0), ok


def swing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``[F, 3, 3]`` the smallest rotation taking direction ``a [F, 3]`` to ``b [F, 3]`` (identity where one is 0)."""
    a, ok_a = _unit(a)
    b, ok_b = _unit(b)
    v = np.cross(a, b)
    c = np.einsum("fk,fk->f", a, b)
    k = np.zeros(a.shape[:-1] + (3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -v[:, 2], v[:, 1], -v[:, 0]
    k[:, 1, 0], k[:, 2, 0], k[:, 2, 1] = v[:, 2], -v[:, 1], v[:, 0]
    opposite = c < -1.0 + 1e-9
    eye = np.broadcast_to(np.eye(3), k.shape)
    out = eye + k + k @ k / np.where(opposite, 1.0, 1.0 + c)[:, None, None]
    if opposite.any():  # half a turn about an axis perpendicular to a
        helper = np.eye(3)[np.argmin(np.abs(a[opposite]), axis=1)]
        axis, _ = _unit(np.cross(a[opposite], helper))
        out[opposite] = 2.0 * np.einsum("fi,fj->fij", axis, axis) - np.eye(3)
    out[~(ok_a & ok_b)] = np.eye(3)
    return out


def two_directions(primary: np.ndarray, secondary: np.ndarray) -> np.ndarray:
    """``[F, 3, 3]`` the rotation taking +Y to ``primary`` exactly and +X towards ``secondary`` (TRIAD);
    where ``secondary`` is parallel to ``primary`` (or zero), the swing of +Y to ``primary``."""
    y, ok_y = _unit(primary)
    x, ok_x = _unit(secondary - np.einsum("fk,fk->f", secondary, y)[:, None] * y)
    out = np.stack([x, y, np.cross(x, y)], axis=-1)  # columns: where X, Y, Z go
    fallback = ~(ok_x & ok_y)
    if fallback.any():
        out[fallback] = swing(np.tile(np.array(_Y), (int(fallback.sum()), 1)), primary[fallback])
    return out


# ------------------------------------------------------------------------------------ the motion
@dataclass(frozen=True)
class BVHTake:
    """One sequence as BVH: the hierarchy's offsets and the channel values.

    Attributes:
        offsets: ``[len(NODES), 3]`` rest offsets, cm.
        lengths_cm: bone length per node (its offset's length), cm.
        motion: ``[F, 3 + 3 len(NODES)]`` channel values: root position (cm), then each node's angles (degrees).
        frame_time: seconds per frame.
    """

    offsets: np.ndarray
    lengths_cm: np.ndarray
    motion: np.ndarray
    frame_time: float


def to_bvh_axes(points_mm: np.ndarray, frame: str) -> np.ndarray:
    """Positions ``[..., 3]`` mm in posynda's world or camera frame -> BVH axes, cm."""
    return y_up(points_mm, frame) * CM_PER_MM


def _filled(points: np.ndarray, source: str) -> np.ndarray:
    """``points [F, 17, 3]`` with every frame that has a non-finite value replaced by the nearest finite one
    before it (after it for leading frames)."""
    good = np.isfinite(points).all(axis=(1, 2))
    if good.all():
        return points
    if not good.any():
        raise InputError(f"{source}: no frame with every joint finite; nothing to write as BVH")
    index = np.where(good, np.arange(len(points)), -1)
    index = np.maximum.accumulate(index)
    index[index < 0] = int(np.argmax(good))
    return points[index]


def solve_take(positions_cm: np.ndarray, fps: float, source: str = "bvh") -> BVHTake:
    """The BVH channels that reproduce ``positions_cm [F, 17, 3]`` (BVH axes, H36M order) with constant
    (median) bone lengths (module docstring)."""
    p = _filled(np.asarray(positions_cm, np.float64), source)
    frames = len(p)
    lengths = np.zeros(len(NODES))
    for n, node in enumerate(NODES):
        if node.parent >= 0 and any(node.rest):
            lengths[n] = float(np.median(np.linalg.norm(p[:, node.joint] - p[:, NODES[node.parent].joint], axis=-1)))
    offsets = np.asarray([node.rest for node in NODES]) * lengths[:, None]
    glob = np.empty((len(NODES), frames, 3, 3))
    for n, node in enumerate(NODES):
        parent = np.broadcast_to(np.eye(3), (frames, 3, 3)) if node.parent < 0 else glob[node.parent]
        if n in FRAME_RULES:
            (a, b), (c, d) = FRAME_RULES[n]
            glob[n] = two_directions(p[:, b] - p[:, a], p[:, d] - p[:, c])
        elif CHILDREN[n]:
            (child,) = CHILDREN[n]
            rest = parent @ np.asarray(NODES[child].rest)
            glob[n] = swing(rest, p[:, NODES[child].joint] - p[:, node.joint]) @ parent
        else:
            glob[n] = parent
    columns = [p[:, NODES[0].joint]]
    for n, node in enumerate(NODES):
        local = glob[n] if node.parent < 0 else np.swapaxes(glob[node.parent], 1, 2) @ glob[n]
        angles = to_euler(local, node.order)
        angles[:, [0, 2]] = np.degrees(np.unwrap(np.radians(angles[:, [0, 2]]), axis=0))
        columns.append(angles)
    return BVHTake(offsets, lengths, np.concatenate(columns, axis=1), 1.0 / fps)


def _number(v: float) -> str:
    text = f"{v:.{DECIMALS}f}"
    return "0" if text.lstrip("-").strip("0.") == "" else text.rstrip("0").rstrip(".")


def bvh_text(take: BVHTake) -> str:
    """The BVH file of ``take``."""
    lines = ["HIERARCHY"]

    def emit(n: int, depth: int) -> None:
        node, pad = NODES[n], "  " * depth
        lines.append(f"{pad}{'ROOT' if node.parent < 0 else 'JOINT'} {node.name}")
        lines.append(f"{pad}{{")
        lines.append(f"{pad}  OFFSET {' '.join(_number(v) for v in take.offsets[n])}")
        rotations = " ".join(f"{axis}rotation" for axis in node.order)
        position = "6 Xposition Yposition Zposition" if node.parent < 0 else "3"
        lines.append(f"{pad}  CHANNELS {position} {rotations}")
        for child in CHILDREN[n]:
            emit(child, depth + 1)
        if node.end is not None:
            end = " ".join(_number(v) for v in node.end)
            lines.extend([f"{pad}  End Site", f"{pad}  {{", f"{pad}    OFFSET {end}", f"{pad}  }}"])
        lines.append(f"{pad}}}")

    emit(0, 0)
    lines += ["MOTION", f"Frames: {len(take.motion)}", f"Frame Time: {take.frame_time:.8f}"]
    lines += [" ".join(_number(v) for v in row) for row in take.motion]
    return "\n".join(lines) + "\n"


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def write_bvh(path: Path, poses: LiftedPoses) -> list[Path]:
    """One BVH per sequence plus the sidecar ``<path>.json``, atomically; returns the paths (``path`` first)."""
    path = Path(path)
    paths = sequence_paths(path, poses.sequences)
    takes = [
        solve_take(to_bvh_axes(seq.positions, poses.frame), seq.fps_or_default(), f"{path}: sequence {seq.name}")
        for seq in poses.sequences
    ]
    sidecar = {
        "format": SIDECAR_FORMAT,
        "units": "cm",
        "frame": poses.frame,
        "up": "Y",
        "axes": BVH_AXES[poses.frame],
        "floor_found": poses.frame == "world",
        "no_floor_reason": poses.reason,
        "positions": "absolute" if poses.has_absolute else "root-relative (the root stays at the origin)",
        "default_fps": DEFAULT_FPS,
        "skeleton": skeleton(),
        "lift": lift_summary(poses),
        "files": [
            {
                "file": p.name,
                "sequence": seq.name,
                "person": seq.person,
                "first_source_frame": int(seq.frame_numbers[0]) if seq.num_frames else 0,
                "fps": seq.fps,
                "frame_time_s": take.frame_time,
                "frames": len(take.motion),
                "bone_lengths_cm": {
                    n.name: round(float(take.lengths_cm[i]), DECIMALS) for i, n in enumerate(NODES) if any(n.rest)
                },
                "floor": None if seq.floor is None else seq.floor.to_dict(),
                "camera_to_world": None if seq.world is None else seq.world.to_dict(),
            }
            for p, seq, take in zip(paths, poses.sequences, takes)
        ],
    }
    with contextlib.ExitStack() as stack:
        for p, take in zip(paths, takes):
            stack.enter_context(atomic_open(p, "w")).write(bvh_text(take))
        stack.enter_context(atomic_open(sidecar_path(path), "w")).write(json.dumps(sidecar, indent=1) + "\n")
    return [*paths, sidecar_path(path)]
