"""BVH motion files: parsing and vectorised forward kinematics.

A BVH file is a joint hierarchy (``ROOT``/``JOINT`` with an ``OFFSET`` and ``CHANNELS``, leaves
with an ``End Site``) followed by ``MOTION``: a frame count, a frame time and one line of channel
values per frame. posynda reads it with numpy instead of a BVH package: the packages on PyPI
(``bvh``, ``bvhio``) parse fine but evaluate the kinematics frame by frame in Python, 100x slower
than the batched matrix products here, and they add nothing else posynda needs.

Kinematics (the convention of the BVH format and of Blender's and MotionBuilder's importers):
each joint's local transform is a translation -- its ``OFFSET``, with any position channel
replacing the offset on that axis -- followed by the rotation channels applied in the order they are
listed (``Zrotation Xrotation Yrotation`` gives ``R = Rz @ Rx @ Ry``), angles in degrees; a joint's
global transform is its parent's times its own. End sites are points at their ``OFFSET`` in their
joint's frame. Positions are in the file's unit, in the file's world axes (usually y up).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posynda.errors import InputError
from posynda.reading import read_text

_AXES = {"X": 0, "Y": 1, "Z": 2}
# Bounds of a hierarchy (a human skeleton has about 20-70 joints, chains about 10 deep; hands and faces
# add a few hundred): deeper nesting or more joints is refused, not recursed into or allocated for.
MAX_DEPTH = 256
MAX_JOINTS = 4096


@dataclass
class BVHJoint:
    """One joint of the hierarchy.

    Attributes:
        name: the joint's name as written (``ROOT``/``JOINT`` line).
        parent: index of the parent joint, -1 for the root.
        offset: ``[3]`` rest offset from the parent, file units.
        channels: channel names (``Xposition`` ... ``Zrotation``), in file order.
        channel_start: column of the joint's first channel in a motion line.
        end_site: ``[3]`` offset of the joint's End Site, or None.
    """

    name: str
    parent: int
    offset: np.ndarray
    channels: list[str] = field(default_factory=list)
    channel_start: int = 0
    end_site: np.ndarray | None = None


@dataclass
class BVHMotion:
    """A parsed BVH file.

    Attributes:
        joints: the hierarchy, parents before children (file order).
        motion: ``[F, C]`` float64 channel values per frame.
        frame_time: seconds per frame (> 0).
        source: the file's path or name (for messages).
    """

    joints: list[BVHJoint]
    motion: np.ndarray
    frame_time: float
    source: str = "bvh"

    @property
    def num_frames(self) -> int:
        return int(self.motion.shape[0])

    @property
    def fps(self) -> float:
        return 1.0 / self.frame_time

    @property
    def names(self) -> list[str]:
        return [j.name for j in self.joints]

    def kinematics(self) -> "Kinematics":
        """Forward kinematics of every frame (file units and axes)."""
        f, n = self.num_frames, len(self.joints)
        rot = np.empty((f, n, 3, 3))
        pos = np.empty((f, n, 3))
        ends = np.full((f, n, 3), np.nan)
        for j, joint in enumerate(self.joints):
            local_t = np.broadcast_to(joint.offset, (f, 3)).copy()
            local_r = np.broadcast_to(np.eye(3), (f, 3, 3)).copy()
            for c, channel in enumerate(joint.channels):
                values = self.motion[:, joint.channel_start + c]
                axis = _AXES[channel[0].upper()]
                if channel[1:].lower() == "position":
                    local_t[:, axis] = values
                else:
                    local_r = local_r @ _axis_rotation(axis, np.deg2rad(values))
            if joint.parent < 0:
                rot[:, j], pos[:, j] = local_r, local_t
            else:
                p = joint.parent
                rot[:, j] = rot[:, p] @ local_r
                pos[:, j] = np.einsum("fij,fj->fi", rot[:, p], local_t) + pos[:, p]
            if joint.end_site is not None:
                ends[:, j] = np.einsum("fij,j->fi", rot[:, j], joint.end_site) + pos[:, j]
        return Kinematics(pos, rot, ends)


@dataclass
class Kinematics:
    """Global joint transforms of F frames of a J-joint hierarchy, in the file's unit and axes.

    Attributes:
        positions: ``[F, J, 3]`` joint origins.
        rotations: ``[F, J, 3, 3]`` joint frames (columns: the joint's local axes in world axes).
        end_sites: ``[F, J, 3]`` End Site points, NaN for joints without one.
    """

    positions: np.ndarray
    rotations: np.ndarray
    end_sites: np.ndarray


def _axis_rotation(axis: int, angle: np.ndarray) -> np.ndarray:
    """``[F, 3, 3]`` rotations by ``angle [F]`` radians about the x, y or z axis (right-handed)."""
    c, s = np.cos(angle), np.sin(angle)
    out = np.zeros(angle.shape + (3, 3))
    i, k = [(1, 2), (2, 0), (0, 1)][axis]
    out[:, axis, axis] = 1.0
    out[:, i, i], out[:, i, k], out[:, k, i], out[:, k, k] = c, -s, s, c
    return out


class _Tokens:
    """Whitespace tokens of the hierarchy with a cursor and one-line errors that name the file."""

    def __init__(self, text: str, source: str):
        self.items = text.split()
        self.i = 0
        self.source = source

    def next(self, what: str) -> str:
        if self.i >= len(self.items):
            raise InputError(f"{self.source}: truncated BVH file: expected {what}, found the end of the file")
        self.i += 1
        return self.items[self.i - 1]

    def expect(self, word: str) -> None:
        got = self.next(repr(word))
        if got.upper() != word.upper():
            raise InputError(f"{self.source}: not a valid BVH hierarchy: expected {word!r}, found {got!r}")

    def numbers(self, count: int, what: str) -> np.ndarray:
        values = [self.next(what) for _ in range(count)]
        try:
            return np.asarray([float(v) for v in values])
        except ValueError:
            raise InputError(
                f"{self.source}: not a valid BVH hierarchy: {what} must be numbers, found {values}"
            ) from None


def _parse_joint(tokens: _Tokens, name: str, parent: int, joints: list[BVHJoint], column: int, depth: int = 0) -> int:
    """Parse ``{ OFFSET ... CHANNELS ... (JOINT ...)* (End Site {...})? }``; return the next column."""
    if depth >= MAX_DEPTH:
        raise InputError(f"{tokens.source}: the BVH hierarchy nests joints more than {MAX_DEPTH} deep (at {name!r})")
    if len(joints) >= MAX_JOINTS:
        raise InputError(f"{tokens.source}: the BVH hierarchy has more than {MAX_JOINTS} joints")
    tokens.expect("{")
    tokens.expect("OFFSET")
    joint = BVHJoint(name=name, parent=parent, offset=tokens.numbers(3, f"the OFFSET of {name!r}"))
    index = len(joints)
    joints.append(joint)
    while True:
        word = tokens.next(f"the end of joint {name!r}")
        upper = word.upper()
        if upper == "CHANNELS":
            count_text = tokens.next(f"the channel count of {name!r}")
            if not count_text.isdigit():
                raise InputError(f"{tokens.source}: joint {name!r} has a bad channel count {count_text!r}")
            joint.channels = [tokens.next(f"the channels of {name!r}") for _ in range(int(count_text))]
            bad = [
                c for c in joint.channels if c[:1].upper() not in _AXES or c[1:].lower() not in ("position", "rotation")
            ]
            if bad:
                raise InputError(f"{tokens.source}: joint {name!r} has unknown channel(s) {bad}")
            joint.channel_start = column
            column += len(joint.channels)
        elif upper == "JOINT":
            column = _parse_joint(tokens, tokens.next("a joint name"), index, joints, column, depth + 1)
        elif upper == "END":
            tokens.expect("Site")
            tokens.expect("{")
            tokens.expect("OFFSET")
            joint.end_site = tokens.numbers(3, f"the End Site OFFSET of {name!r}")
            tokens.expect("}")
        elif word == "}":
            return column
        else:
            raise InputError(f"{tokens.source}: not a valid BVH hierarchy: unexpected {word!r} in joint {name!r}")


def parse_bvh(text: str, source: str = "bvh") -> BVHMotion:
    """Parse the text of a BVH file; a one-line :class:`InputError` naming ``source`` when it is malformed,
    truncated (fewer values than frames x channels) or has a non-positive frame time."""
    head, sep, motion_text = text.partition("MOTION")
    if not sep:
        raise InputError(f"{source}: not a BVH file or truncated: no MOTION section")
    tokens = _Tokens(head, source)
    tokens.expect("HIERARCHY")
    tokens.expect("ROOT")
    joints: list[BVHJoint] = []
    columns = _parse_joint(tokens, tokens.next("the root joint's name"), -1, joints, 0)
    if tokens.i != len(tokens.items):
        raise InputError(f"{source}: not a valid BVH hierarchy: {tokens.items[tokens.i]!r} after the root joint")
    lines = motion_text.strip().split("\n", 2)
    if len(lines) < 2:
        raise InputError(f"{source}: truncated BVH file: the MOTION header needs 'Frames:' and 'Frame Time:'")
    frames_line, time_line = lines[0].split(), lines[1].split()
    if len(frames_line) != 2 or frames_line[0] != "Frames:" or not frames_line[1].isdigit():
        raise InputError(f"{source}: bad BVH motion header {lines[0].strip()!r} (expected 'Frames: N')")
    if len(time_line) != 3 or time_line[:2] != ["Frame", "Time:"]:
        raise InputError(f"{source}: bad BVH motion header {lines[1].strip()!r} (expected 'Frame Time: SECONDS')")
    try:
        frame_time = float(time_line[2])
    except ValueError:
        raise InputError(f"{source}: bad BVH frame time {time_line[2]!r}") from None
    if not np.isfinite(frame_time) or frame_time <= 0:
        raise InputError(f"{source}: the BVH frame time is {time_line[2]}; it must be a positive number of seconds")
    frames = int(frames_line[1])
    if frames < 1:
        raise InputError(f"{source}: the BVH file has no frames (Frames: 0)")
    try:
        values = np.array((lines[2] if len(lines) > 2 else "").split(), dtype=np.float64)
    except ValueError:
        raise InputError(f"{source}: the BVH motion data holds a value that is not a number") from None
    expected = frames * columns
    if values.size < expected:
        raise InputError(
            f"{source}: truncated BVH file: {frames} frames of {columns} channels need {expected} values, "
            f"found {values.size}"
        )
    if values.size > expected:
        raise InputError(f"{source}: the BVH file has {values.size - expected} values more than {frames} frames hold")
    if not np.isfinite(values).all():
        raise InputError(f"{source}: the BVH motion data holds NaN or infinite values")
    return BVHMotion(joints, values.reshape(frames, columns), frame_time, source)


def read_bvh(path: str | os.PathLike) -> BVHMotion:
    """Read and parse a BVH file (:func:`parse_bvh`)."""
    path = Path(path)
    return parse_bvh(read_text(path, "BVH file"), str(path))
