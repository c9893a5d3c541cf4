"""Lifted poses as the writers see them: per sequence, in one coordinate frame for the whole file.

The frame is the floor-based world frame of :mod:`~posynda.posefiles.floor` (mm, z up, floor at
z = 0) when a floor is found under every camera of the file, else the camera frame (mm, x right,
y down, z forward) with the reason. Sequences that share a camera (equal intrinsics and image size:
the people of one video, the takes of one fixed camera) share one floor fit and one world frame,
whose origin lies below the root of the first frame of the first of them; a file never mixes
frames.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from posynda.camera import rotation_between
from posynda.data.clips import ClipSet
from posynda.errors import InputError
from posynda.posefiles.floor import Floor, WorldFrame, estimate_floor
from posynda.runtime.lifter import LiftResult
from posynda.skeleton import ROOT

Frame = Literal["world", "camera"]
DEFAULT_FPS = 50.0  # Human3.6M's frame rate, for writers that need one (BVH) when the input has none

AXES: dict[str, dict[str, str]] = {
    "world": {
        "x": "the camera's right (image x) projected on the floor",
        "y": "forward along the floor, away from the camera (z cross x)",
        "z": "up, normal to the floor; the floor is z = 0",
        "origin": "on the floor below the root (pelvis) of the first frame of the sequences seen by that camera",
    },
    "calibration": {
        "x": "the calibration's world x (turned so that its up axis is z)",
        "y": "the calibration's world y (turned so that its up axis is z)",
        "z": "up, the calibration's up axis",
        "origin": "the calibration's world origin",
    },
    "camera": {
        "x": "right (image x)",
        "y": "down (image y)",
        "z": "forward (the optical axis)",
        "origin": "the camera centre",
    },
}


# posynda's frame -> the Y-up axes of BVH and OpenSim (rows: their X, Y, Z in posynda's axes)
WORLD_TO_Y_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
CAMERA_TO_Y_UP = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])


def y_up(points_mm: np.ndarray, frame: Frame) -> np.ndarray:
    """Positions ``[..., 3]`` mm in posynda's world (z up) or camera frame -> Y-up axes (X the same, Y up, Z
    towards the camera; the floor is Y = 0 in the world frame), mm."""
    turn = WORLD_TO_Y_UP if frame == "world" else CAMERA_TO_Y_UP
    return np.asarray(points_mm, np.float64) @ turn.T


def sequence_paths(path: Path, sequences: list[SequencePoses]) -> list[Path]:
    """The file of each sequence, for formats that hold one: ``path`` for the first, ``<stem>_<k>_<name><suffix>``
    beside it for the k-th."""
    out = [path]
    for k, seq in enumerate(sequences[1:], start=1):
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", seq.name).strip("-.") or "sequence"
        out.append(path.with_name(f"{path.stem}_{k}_{safe}{path.suffix}"))
    return out


@dataclass(frozen=True)
class SequencePoses:
    """One sequence in the output frame.

    Attributes:
        name: the sequence's name (``ClipSet.sequence_names``).
        fps: frame rate, or None when the input does not say.
        intrinsics: ``[9]`` the camera, ``[fx, fy, cx, cy, k1, k2, k3, p1, p2]`` px.
        image_size: ``(width, height)`` px.
        absolute: ``[n, 17, 3]`` float64 joint positions in the output frame, mm, or None (no root).
        root_relative: ``[n, 17, 3]`` float64 positions minus the root's, in the output frame's axes, mm.
        floor: the floor of this sequence's camera (world frame only).
        world: camera -> world transform (world frame only).
        source_frames: ``[n]`` int64 each frame's number in the source (video frame, detector file frame), or
            None (the index within the sequence).
        person: the person the sequence follows (the detector's or the file's id), or None.
        size: how a calibration's floor sized the person -- their scale (a stream's: its last pose's) and why it is
            the lifter's size (None: the floor gave it) -- or None when no floor sized anyone (the lifter's size).
    """

    name: str
    fps: float | None
    intrinsics: np.ndarray
    image_size: tuple[int, int]
    absolute: np.ndarray | None
    root_relative: np.ndarray
    floor: Floor | None = None
    world: WorldFrame | None = None
    source_frames: np.ndarray | None = None
    person: str | None = None
    size: tuple[float, str | None] | None = None

    @property
    def frame_numbers(self) -> np.ndarray:
        """``[n]`` int64 the source's frame numbers (0..n-1 when the input has none)."""
        if self.source_frames is None:
            return np.arange(self.num_frames, dtype=np.int64)
        return np.asarray(self.source_frames, np.int64)

    @property
    def num_frames(self) -> int:
        return int(self.root_relative.shape[0])

    @property
    def positions(self) -> np.ndarray:
        """``[n, 17, 3]`` the absolute positions, or the root-relative ones without a root."""
        return self.root_relative if self.absolute is None else self.absolute

    def fps_or_default(self) -> float:
        return DEFAULT_FPS if self.fps is None else self.fps


@dataclass(frozen=True)
class LiftedPoses:
    """Every sequence of a lift in one frame.

    Attributes:
        frame: "world" (floor at z = 0) or "camera".
        reason: why no floor was found (camera frame only; None when no world frame was asked for).
        sequences: per sequence, in input order.
        result: the lift (backend, settings).
        clips: the input clip set.
        world_from: where the world frame comes from: "floor" (fitted to the lifted feet) or "calibration"
            (the cameras' calibration, its up axis turned to z).
    """

    frame: Frame
    reason: str | None
    sequences: list[SequencePoses]
    result: LiftResult
    clips: ClipSet
    world_from: str = "floor"

    @property
    def axes(self) -> dict[str, str]:
        return AXES["calibration" if self.frame == "world" and self.world_from == "calibration" else self.frame]

    @property
    def has_absolute(self) -> bool:
        return self.result.absolute_mm is not None


def _fps(clips: ClipSet, s: int) -> float | None:
    if clips.fps is None:
        return None
    value = float(clips.fps[s])
    return value if math.isfinite(value) and value > 0 else None


def camera_groups(clips: ClipSet) -> list[list[int]]:
    """Sequence ids grouped by camera (equal intrinsics and image size), groups in order of first use."""
    groups: dict[bytes, list[int]] = {}
    for s in range(clips.num_sequences):
        key = np.asarray(clips.camera[s], np.float32).tobytes() + np.asarray(clips.image_size[s], np.int64).tobytes()
        groups.setdefault(key, []).append(s)
    return list(groups.values())


def lifted_poses(result: LiftResult, clips: ClipSet, world: bool = True,
                 world_frames: list[WorldFrame] | None = None) -> LiftedPoses:  # fmt: skip
    """Split ``result`` (of ``clips``) per sequence, in the world frame when ``world`` and a floor is found
    under every camera, else in the camera frame (``reason`` says why). ``world_frames``: the world frame of
    every sequence, known (a calibration's, :func:`calibration_world`): used instead of a floor."""
    bounds = clips.sequence_bounds()
    names = clips.sequence_names()
    absolute = None if result.absolute_mm is None else np.asarray(result.absolute_mm, np.float64)
    relative = np.asarray(result.root_relative_mm, np.float64)
    frames: dict[int, tuple[Floor | None, WorldFrame]] = {}
    reason, world_from = None, "floor"
    if world and world_frames is not None:
        if len(world_frames) != clips.num_sequences:
            raise InputError(f"world_frames: {len(world_frames)} frames for {clips.num_sequences} sequences",
                             parameter="world_frames")  # fmt: skip
        frames, world_from = {s: (None, frame) for s, frame in enumerate(world_frames)}, "calibration"
    elif world:
        groups = camera_groups(clips)
        for group in groups:
            rows = np.concatenate([np.arange(*bounds[s]) for s in group])
            estimate = estimate_floor(None if absolute is None else absolute[rows], clips.seq_index[rows])
            if estimate.floor is None:
                who = names[group[0]] + (f" and {len(group) - 1} more sequences" if len(group) > 1 else "")
                reason = estimate.reason if len(groups) == 1 or absolute is None else f"{who}: {estimate.reason}"
                frames = {}
                break
            world_frame = WorldFrame.on_floor(estimate.floor, absolute[rows[0], ROOT])
            frames.update({s: (estimate.floor, world_frame) for s in group})
    sequences = []
    for s, (start, stop) in enumerate(bounds):
        rel = relative[start:stop]
        rel = rel - rel[:, ROOT : ROOT + 1]
        abs_s = None if absolute is None else absolute[start:stop]
        floor, frame = frames.get(s, (None, None))
        if frame is not None:
            abs_s, rel = frame.to_world(abs_s), frame.rotate(rel)
        sequences.append(
            SequencePoses(
                name=names[s],
                fps=_fps(clips, s),
                intrinsics=np.asarray(clips.camera[s], np.float64),
                image_size=(int(clips.image_size[s, 0]), int(clips.image_size[s, 1])),
                absolute=abs_s,
                root_relative=rel,
                floor=floor,
                world=frame,
                source_frames=None if clips.source_frame is None else clips.source_frames(s),
                person=clips.person_of(s),
                size=None if result.sizes is None else (float(result.sizes.scales[s]), result.sizes.kept.get(s)),
            )
        )
    return LiftedPoses("world" if frames else "camera", reason, sequences, result, clips, world_from)


def calibration_world(rotation: np.ndarray, translation_mm: np.ndarray, up: np.ndarray) -> WorldFrame:
    """The world frame of a calibrated camera (``x_cam = rotation @ x_world + translation``), turned so that the
    calibration's ``up`` axis (a unit axis vector) is z: ``world = A @ rotation^T @ (camera - translation)``."""
    turn = rotation_between(up, (0.0, 0.0, 1.0))  # -z up: half a turn about x
    return WorldFrame(turn @ np.asarray(rotation, np.float64).T, np.asarray(translation_mm, np.float64))
