"""The rows of a live lift as they come (``posynda lift --video SOURCE --stream``): one complete line per pose,
flushed at once.

* ``.jsonl``: a first line that states the format, then one JSON object per pose::

    {"format": "posynda-live-v1", "frame": "camera", "axes": {...}, "skeleton": [...], "fps": 30.0, ...}
    {"source_frame": 17, "person": "0", "detected": true, "latency_ms": 512.3,
     "absolute_mm": [[x, y, z], ...17], "root_relative_mm": [[x, y, z], ...17]}

* ``.csv``: ``#`` lines that state the same, a header row, then ``person,source_frame,detected,latency_ms`` and
  three columns per joint (absolute mm, 3 decimals; empty = missing).
* ``-``: the JSON lines on standard output, for a program that reads them live.

Positions are in the camera frame (x right, y down, z forward), or -- given a calibration's world
(``--stream --calibration``, ``--frame world``) -- in that world turned so that its up axis is z
(:func:`posynda.posefiles.poses.calibration_world`; ``"frame": "world"`` and ``"camera_to_world"`` in the header).

A file is written as ``<out>.part`` while the source runs (follow it with ``tail -f``) and renamed to ``<out>``
when the source ends or the run is stopped with Ctrl-C, so ``<out>`` is always whole; a run that fails leaves
only the ``.part``. Poses arrive in the order they become final: by frame, then person.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

import numpy as np

from posynda.errors import InputError
from posynda.posefiles.csv_writer import position_cells
from posynda.posefiles.floor import WorldFrame
from posynda.posefiles.poses import AXES
from posynda.runtime.live import LivePose
from posynda.skeleton import H36M_JOINT_NAMES, H36M_PARENTS

FORMAT = "posynda-live-v1"
LIVE_SUFFIXES = (".jsonl", ".csv")
STDOUT = "-"
CSV_COLUMNS = ("person", "source_frame", "detected", "latency_ms") + tuple(
    f"{joint}_{axis}" for joint in H36M_JOINT_NAMES for axis in "xyz"
)


def check_live_out(out: str) -> None:
    """InputError unless ``out`` is ``-`` or ends in one of :data:`LIVE_SUFFIXES`, before any work."""
    if out != STDOUT and Path(out).suffix.lower() not in LIVE_SUFFIXES:
        raise InputError(
            f"out: a live stream writes rows as they come: give a .jsonl or .csv file, or - for standard output, "
            f"not {Path(out).name!r}",
            parameter="out",
        )


def header(source: str, fps: float, size: tuple[int, int], backend: str, world: WorldFrame | None = None) -> dict:
    """What the first line (or the ``#`` lines) states; ``world``: the calibration's world the rows are in (None:
    the camera frame)."""
    parents = {H36M_JOINT_NAMES[j]: H36M_JOINT_NAMES[p] for j, p in enumerate(H36M_PARENTS) if p >= 0}
    frame = {"frame": "camera", "axes": AXES["camera"]} if world is None else {
        "frame": "world", "axes": AXES["calibration"], "camera_to_world": world.to_dict()}  # fmt: skip
    return {"format": FORMAT, "source": source, "fps": fps if np.isfinite(fps) else None, "image_size": list(size),
            **frame, "units": "mm", "skeleton": list(H36M_JOINT_NAMES), "parents": parents,
            "backend": backend}  # fmt: skip


def _xyz(pose: np.ndarray) -> list[list[float | None]]:
    return [[round(float(v), 3) if np.isfinite(v) else None for v in joint] for joint in pose]


class LiveRows:
    """``with LiveRows(out, header) as rows: rows.write(pose)``; see the module docstring. ``world``: write the
    camera-frame poses in this world frame (the one ``header`` was given)."""

    def __init__(self, out: str, head: dict, world: WorldFrame | None = None):
        check_live_out(out)
        self.world = world
        self.out, self.csv = out, Path(out).suffix.lower() == ".csv"
        if out == STDOUT:
            self.part, self.handle = None, sys.stdout
        else:
            self.part = Path(f"{out}.part")
            self.part.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.part, "w", newline="")
        self.rows = 0
        if self.csv:
            lines = [f"# {key}: {json.dumps(value)}" for key, value in head.items()]
            self.handle.write("\n".join(lines) + "\n" + ",".join(CSV_COLUMNS) + "\n")
            self._csv = csv.writer(self.handle, lineterminator="\n")
        else:
            self.handle.write(json.dumps(head) + "\n")
        self.handle.flush()

    def write(self, pose: LivePose) -> None:
        absolute, relative = pose.absolute_mm, pose.root_relative_mm
        if self.world is not None:
            absolute, relative = self.world.to_world(absolute), self.world.rotate(relative)
        if self.csv:
            self._csv.writerow([pose.person, pose.frame, int(pose.detected), f"{pose.latency_ms:.1f}",
                                *position_cells(absolute)])  # fmt: skip
        else:
            row = {"source_frame": pose.frame, "person": pose.person, "detected": pose.detected,
                   "latency_ms": round(pose.latency_ms, 1), "absolute_mm": _xyz(absolute),
                   "root_relative_mm": _xyz(relative)}  # fmt: skip
            self.handle.write(json.dumps(row) + "\n")
        self.handle.flush()
        self.rows += 1

    def close(self, complete: bool) -> None:
        """Close; a complete file replaces ``out`` (``.part`` renamed), an incomplete one stays ``.part``."""
        if self.part is None:
            return
        self.handle.close()
        if complete:
            os.replace(self.part, self.out)

    def __enter__(self) -> "LiveRows":
        return self

    def __exit__(self, kind, *rest) -> None:
        self.close(complete=kind is None)
