"""The pose-file table: the output file's extension picks the format, checked before any work, then written.

One table, :data:`OUTPUT_FORMATS`, drives both the check (:func:`output_format`, run before any lifting so
that a bad output path costs nothing) and the writing (:func:`write_poses`). A new format is one writer
module (``write_<fmt>(path, poses: LiftedPoses) -> [paths]``, atomic) and one row here.

>>> fmt = output_format("poses.json")            # InputError for an unknown extension
>>> written = write_poses("poses.json", result, clips)
>>> written.summary()
'poses.json (world coordinates, floor at z = 0, mm)'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from posynda.data.clips import ClipSet
from posynda.errors import InputError
from posynda.posefiles.bvh_writer import write_bvh
from posynda.posefiles.csv_writer import write_csv
from posynda.posefiles.floor import WorldFrame
from posynda.posefiles.json_writer import write_json
from posynda.posefiles.npz_writer import write_npz
from posynda.posefiles.poses import LiftedPoses, lifted_poses
from posynda.posefiles.trc_writer import write_trc
from posynda.runtime.lifter import LiftResult


@dataclass(frozen=True)
class OutputFormat:
    """One output file type.

    Attributes:
        suffix: the extension, lower case (``".json"``).
        what: what the file holds, for messages.
        write: ``(path, poses) -> paths written`` (the requested path first).
        world: written in the floor-based world frame when a floor is found (else always the camera frame).
        units: the file's length unit.
        up: the world frame's up axis as the file names it ("z"; "y" for BVH).
    """

    suffix: str
    what: str
    write: Callable[[Path, LiftedPoses], list[Path]]
    world: bool = True
    units: str = "mm"
    up: str = "z"

    def describe(self, poses: LiftedPoses) -> str:
        """The coordinates of a written file, as ``posynda lift`` prints them."""
        if not self.world:
            return f"camera coordinates, {self.units}: the clip file's joints_3d"
        if poses.frame == "world" and poses.world_from == "calibration":
            return f"the calibration's world coordinates, {self.up} up, {self.units}"
        if poses.frame == "world":
            return f"world coordinates, floor at {self.up} = 0, {self.units}"
        turned = f" turned {self.up} up" if self.up != "z" else ""
        why = f"no floor found: {poses.reason}" if poses.reason else "the camera frame was asked for"
        return f"camera coordinates{turned}, {self.units}: {why}"


OUTPUT_FORMATS: dict[str, OutputFormat] = {
    f.suffix: f
    for f in (
        OutputFormat(".npz", "clip file with joints_3d", write_npz, world=False),
        OutputFormat(".json", "poses per frame and joint", write_json),
        OutputFormat(".csv", "one row per frame", write_csv),
        OutputFormat(".bvh", "skeleton motion", write_bvh, units="cm", up="y"),
        OutputFormat(".trc", "OpenSim marker trajectories", write_trc, up="y"),
    )
}


def output_format(path: str | os.PathLike) -> OutputFormat:
    """The format of an output ``path`` from its extension (case-insensitive); InputError naming the extension
    and the known ones otherwise."""
    suffix = Path(path).suffix.lower()
    fmt = OUTPUT_FORMATS.get(suffix)
    if fmt is None:
        known = ", ".join(f"{f.suffix} ({f.what})" for f in OUTPUT_FORMATS.values())
        got = f"extension {suffix!r}" if suffix else "no extension"
        raise InputError(f"{path}: unknown output format ({got}); known: {known}")
    return fmt


@dataclass(frozen=True)
class Written:
    """What :func:`write_poses` wrote: the files (the requested one first) and their coordinates."""

    paths: tuple[Path, ...]
    frame: str
    description: str

    def summary(self, listed: int = 3) -> str:
        """``poses.bvh (+ 2 more: poses_1_b.bvh, poses.bvh.json) (world coordinates, ...)``."""
        first, rest = self.paths[0], self.paths[1:]
        more = ""
        if rest:
            names = ", ".join(p.name for p in rest[:listed]) + (", ..." if len(rest) > listed else "")
            more = f" (+ {len(rest)} more beside it: {names})"
        return f"{first}{more} ({self.description})"


def write_poses(path: str | os.PathLike, result: LiftResult, clips: ClipSet, frame: str = "world",
                world_frames: list[WorldFrame] | None = None) -> Written:  # fmt: skip
    """Write the lift ``result`` of ``clips`` to ``path`` in the format of its extension: in the world frame
    (``frame="world"``, the default) when the format has one and a floor is found -- or ``world_frames`` (one
    per sequence, a calibration's) give it -- else, and with ``frame="camera"``, in the camera frame; the
    summary says which and why."""
    if frame not in ("world", "camera"):
        raise InputError(f"frame must be 'world' or 'camera', got {frame!r}", parameter="frame")
    path = Path(path)
    fmt = output_format(path)
    poses = lifted_poses(result, clips, world=fmt.world and frame == "world", world_frames=world_frames)
    paths = fmt.write(path, poses)
    return Written(tuple(paths), poses.frame, fmt.describe(poses))


__all__ = ["OUTPUT_FORMATS", "OutputFormat", "Written", "output_format", "write_poses"]
