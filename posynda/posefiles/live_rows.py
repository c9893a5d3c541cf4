"""The rows of a live lift as they come (``posynda lift --video SOURCE --stream``): one complete line per pose,
flushed at once.

* ``.jsonl``: a first line that states the format, then one JSON object per pose::

    {"format": "posynda-live-v1", "frame": "camera", "axes": {...}, "skeleton": [...], "fps": 30.0, ...}
    {"source_frame": 17, "person": "0", "detected": true, "latency_ms": 512.3,
     "absolute_mm": [[x, y, z], ...17], "root_relative_mm": [[x, y, z], ...17]}

* ``.csv``: ``#`` lines that state the same, a header row, then ``person,source_frame,detected,latency_ms`` and
  three columns per joint (absolute camera-frame mm, 3 decimals; empty = missing).
* ``-``: the JSON lines on standard output, for a program that reads them live.

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
from posynda.runtime.live import LivePose
from posynda.skeleton import H36M_JOINT_NAMES, H36M_PARENTS

FORMAT = "posynda-live-v1"
LIVE_SUFFIXES = (".jsonl", ".csv")
STDOUT = "-"
AXES = {"x": "right", "y": "down", "z": "forward (the camera's optical axis)", "origin": "the camera centre"}
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


def header(source: str, fps: float, size: tuple[int, int], backend: str) -> dict:
    """What the first line (or the ``#`` lines) states."""
    parents = {H36M_JOINT_NAMES[j]: H36M_JOINT_NAMES[p] for j, p in enumerate(H36M_PARENTS) if p >= 0}
    return {"format": FORMAT, "source": source, "fps": fps if np.isfinite(fps) else None, "image_size": list(size),
            "frame": "camera", "axes": AXES, "units": "mm", "skeleton": list(H36M_JOINT_NAMES), "parents": parents,
            "backend": backend}  # fmt: skip


def _xyz(pose: np.ndarray) -> list[list[float | None]]:
    return [[round(float(v), 3) if np.isfinite(v) else None for v in joint] for joint in pose]


class LiveRows:
    """``with LiveRows(out, header) as rows: rows.write(pose)``; see the module docstring."""

    def __init__(self, out: str, head: dict):
        check_live_out(out)
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
        if self.csv:
            self._csv.writerow([pose.person, pose.frame, int(pose.detected), f"{pose.latency_ms:.1f}",
                                *position_cells(pose.absolute_mm)])  # fmt: skip
        else:
            row = {"source_frame": pose.frame, "person": pose.person, "detected": pose.detected,
                   "latency_ms": round(pose.latency_ms, 1), "absolute_mm": _xyz(pose.absolute_mm),
                   "root_relative_mm": _xyz(pose.root_relative_mm)}  # fmt: skip
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
