"""``.csv`` poses: one row per (sequence, frame), three columns per joint, mm.

Layout: a few ``#`` comment lines that state the format, the coordinate frame (``# frame: world`` or
``# frame: camera``), its axes and origin, why no floor was found (camera frame), which positions the
columns hold (``absolute``, or ``root-relative`` when the lift has no root positions), the
skeleton's parents and each sequence's frame rate; then a header row and the data::

    # posynda-poses-v1: lifted 3D poses, one row per (sequence, frame), mm
    # frame: world
    # axes: x = ...; y = ...; z = ...; origin: ...
    # positions: absolute
    # skeleton: h36m-17; parents: r_hip<pelvis, r_knee<r_hip, ...
    # sequence S9/Walking: 40 frames, 50 fps
    sequence,person,frame,source_frame,pelvis_x,pelvis_y,pelvis_z,r_hip_x,...,r_wrist_z
    clip/person0,0,0,17,12.345,...

``frame`` counts the sequence's rows from 0; ``source_frame`` is the frame's number in the input (the video
frame, the detector file's frame), ``person`` the person's id (empty when the input has none).

Positions have 3 decimals (0.001 mm); a missing value is an empty cell. Read it with
``csv.reader(line for line in file if not line.startswith("#"))`` or
``pandas.read_csv(path, comment="#")``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from posynda.fileio import atomic_open
from posynda.posefiles.json_writer import FORMAT
from posynda.posefiles.poses import LiftedPoses
from posynda.skeleton import H36M_JOINT_NAMES, H36M_PARENTS

COLUMNS: tuple[str, ...] = ("sequence", "person", "frame", "source_frame") + tuple(
    f"{joint}_{axis}" for joint in H36M_JOINT_NAMES for axis in "xyz"
)


def comments(poses: LiftedPoses) -> list[str]:
    """The ``#`` lines above the header (without the ``#``)."""
    axes = poses.axes
    lines = [
        f"{FORMAT}: lifted 3D poses, one row per (sequence, frame), mm",
        f"frame: {poses.frame}",
        f"axes: x = {axes['x']}; y = {axes['y']}; z = {axes['z']}; origin: {axes['origin']}",
    ]
    if poses.reason:
        lines.append(f"no floor found: {poses.reason}")
    lines.append(f"positions: {'absolute' if poses.has_absolute else 'root-relative (no root positions)'}")
    parents = ", ".join(f"{H36M_JOINT_NAMES[j]}<{H36M_JOINT_NAMES[p]}" for j, p in enumerate(H36M_PARENTS) if p >= 0)
    lines.append(f"skeleton: h36m-17; parents: {parents}")
    for seq in poses.sequences:
        fps = "unknown fps" if seq.fps is None else f"{seq.fps:g} fps"
        lines.append(f"sequence {seq.name}: {seq.num_frames} frames, {fps}")
    return lines


def position_cells(pose: np.ndarray) -> list[str]:
    """The cells of a pose ``[J, 3]`` mm: 3 decimals, empty where missing."""
    return ["" if not np.isfinite(v) else f"{v:.3f}" for v in pose.reshape(-1)]


def write_csv(path: Path, poses: LiftedPoses) -> list[Path]:
    """Write ``poses`` to ``path`` atomically; returns ``[path]``."""
    with atomic_open(path, "w") as handle:
        for line in comments(poses):
            handle.write(f"# {line}\n")
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for seq in poses.sequences:
            person = "" if seq.person is None else seq.person
            for i, (source, pose) in enumerate(zip(seq.frame_numbers, seq.positions)):
                writer.writerow([seq.name, person, i, int(source), *position_cells(pose)])
    return [Path(path)]
