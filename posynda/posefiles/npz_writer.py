"""``.npz`` poses: the input clip file with ``joints_3d`` filled (absolute camera-frame mm; the clip-file
contract of docs/CONVENTIONS.md, so it stays in camera coordinates and feeds ``posynda eval`` / ``adapt``)."""

from __future__ import annotations

from pathlib import Path

from posynda.data import save_clips
from posynda.posefiles.poses import LiftedPoses


def write_npz(path: Path, poses: LiftedPoses) -> list[Path]:
    """``LiftResult.to_clips`` saved with :func:`posynda.data.save_clips` (validated, atomic); returns ``[path]``."""
    return [save_clips(path, poses.result.to_clips(poses.clips))]
