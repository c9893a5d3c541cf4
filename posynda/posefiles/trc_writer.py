"""``.trc`` poses: OpenSim's marker-trajectory file (Motion Analysis TRC), one file per sequence, mm, Y up.

The 17 joints are markers named as posynda's skeleton names them (``pelvis``, ``r_hip``, ...), in the
Y-up axes of :func:`~posynda.posefiles.poses.y_up` (world frame: floor at Y = 0; camera frame: x right,
y up, z towards the viewer). Tab-separated, as OpenSim's ``TRCFileAdapter`` and Pose2Sim read it::

    PathFileType  4  (X/Y/Z)  poses.trc
    DataRate  CameraRate  NumFrames  NumMarkers  Units  OrigDataRate  OrigDataStartFrame  OrigNumFrames
    50.00  50.00  40  17  mm  50.00  1  40
    Frame#  Time  pelvis  r_hip  ...
            X1  Y1  Z1  X2  Y2  Z2  ...
    1  0.000000  12.345  ...

Frame numbers are the source's frame numbers plus one (TRC counts from 1; a sequence that starts at video
frame 17 starts at Frame# 18) and times are theirs at the sequence's frame rate (50 fps when the input has none);
a missing position is an empty cell. The first sequence goes to the requested path, the k-th beside it
(:func:`~posynda.posefiles.poses.sequence_paths`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from posynda.fileio import atomic_open
from posynda.posefiles.poses import LiftedPoses, SequencePoses, sequence_paths, y_up
from posynda.skeleton import H36M_JOINT_NAMES


def trc_text(name: str, seq: SequencePoses, frame: str) -> str:
    """The TRC file of one sequence (``name``: the file name its first line states)."""
    fps = seq.fps_or_default()
    points = y_up(seq.positions, frame)  # [n, 17, 3] mm
    n, joints = points.shape[:2]
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{fps:.2f}\t{fps:.2f}\t{n}\t{joints}\tmm\t{fps:.2f}\t{seq.frame_numbers[0] + 1 if n else 1}\t{n}",
        "Frame#\tTime\t" + "\t\t\t".join(H36M_JOINT_NAMES) + "\t\t",
        "\t\t" + "\t".join(f"X{j + 1}\tY{j + 1}\tZ{j + 1}" for j in range(joints)),
    ]
    for source, pose in zip(seq.frame_numbers, points):
        cells = ("" if not np.isfinite(v) else f"{v:.3f}" for v in pose.reshape(-1))
        lines.append(f"{source + 1}\t{source / fps:.6f}\t" + "\t".join(cells))
    return "\n".join(lines) + "\n"


def write_trc(path: Path, poses: LiftedPoses) -> list[Path]:
    """One TRC per sequence, atomically; returns the paths (``path`` first)."""
    paths = sequence_paths(Path(path), poses.sequences)
    for file, seq in zip(paths, poses.sequences):
        with atomic_open(file, "w") as handle:
            handle.write(trc_text(file.name, seq, poses.frame))
    return paths
