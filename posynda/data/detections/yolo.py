"""Ultralytics YOLO pose predictions saved as text: a folder of one ``.txt`` file per image or frame.

``yolo pose predict source=clip.mp4 save_txt=True [save_conf=True]`` (and ``yolo pose track ...``) writes
``labels/<name>_<frame>.txt`` per frame (the frame number is the last digit run of the file name), one
line per detected person, every number normalised by the image width (x) or height (y)::

    class cx cy w h  x1 y1 v1 ... x17 y17 v17  [box_confidence] [track_id]

(``x y`` pairs without ``v`` when the model has no keypoint visibility). The keypoints are COCO-17,
converted by the COCO rule; ``v`` is the keypoint's confidence. A frame without anybody has no file or
an empty one. The files carry no image size: ``--image-size WxH`` is required, and the keypoints are
scaled to pixels with it. With a track id on every line (``yolo track``) the people keep those ids.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from posynda.data.detections.assemble import assemble
from posynda.data.detections.people import Person, Video, frames_from, stem
from posynda.data.detections.probe import Probe, require
from posynda.data.detections.read_options import ReadOptions
from posynda.errors import InputError

WHAT = "Ultralytics YOLO pose labels (a folder of <name>_<frame>.txt: class cx cy w h + 17 keypoints, normalised)"
PATTERN = "*.txt"
JOINTS = 17
# values per line -> keypoint values per joint, and the extra values after the keypoints (box conf and/or track id)
LAYOUTS = {5 + 3 * JOINTS: 3, 5 + 3 * JOINTS + 1: 3, 5 + 3 * JOINTS + 2: 3, 5 + 2 * JOINTS: 2, 5 + 2 * JOINTS + 1: 2,
           5 + 2 * JOINTS + 2: 2}  # fmt: skip


def _numbers(line: str) -> list[float] | None:
    try:
        return [float(v) for v in line.split()]
    except ValueError:
        return None


def looks_like(probe: Probe) -> bool:
    """A folder whose first ``.txt`` file's first line is a YOLO pose line (class 0, a layout of LAYOUTS)."""
    if probe.kind != "folder":
        return False
    for path in probe.json_files(PATTERN)[:1]:
        lines = path.read_text(errors="replace").splitlines()[:1]
        values = _numbers(lines[0]) if lines else None
        return values is not None and len(values) in LAYOUTS and values[0] == 0
    return False


def _people(path, width: float, height: float) -> list[tuple[Person, float | None]]:
    """Each line of one label file as ``(Person in pixels, last extra value or None)``."""
    people = []
    for i, line in enumerate(path.read_text(errors="replace").splitlines()):
        values = _numbers(line)
        if not line.strip():
            continue
        if values is None or len(values) not in LAYOUTS:
            raise InputError(
                f"{path}: line {i + 1} is not a YOLO pose line (class, box and 17 keypoints); expected {WHAT}"
            )
        per_joint = LAYOUTS[len(values)]
        kp = np.asarray(values[5 : 5 + per_joint * JOINTS], np.float64).reshape(JOINTS, per_joint)
        xy = kp[:, :2] * [width, height]
        scores = kp[:, 2] if per_joint == 3 else None
        xy[(kp[:, 0] == 0) & (kp[:, 1] == 0)] = np.nan  # Ultralytics writes an unseen keypoint at (0, 0)
        extra = values[5 + per_joint * JOINTS :]
        people.append((Person(xy, scores), extra[-1] if extra else None))
    return people


def _source_name(folder: Path, files: list[Path]) -> str:
    """The video's name when every file is ``<name>_<frame>.txt`` (Ultralytics' folder is always ``labels``),
    else the folder's."""
    names = {re.sub(r"_?\d+$", "", f.stem) for f in files}
    return names.pop() if len(names) == 1 and "" not in names else stem(folder)


def read(probe: Probe, options: ReadOptions):
    """A folder of YOLO pose labels -> ``(ClipSet, DetectionReport)``, H36M-17 pixels."""
    require(probe, "folder", WHAT)
    if options.image_size is None:
        raise InputError(f"{probe.path}: YOLO labels are normalised to the image: give --image-size WxH")
    width, height = options.image_size
    files = probe.json_files(PATTERN)
    if not files:
        raise InputError(f"{probe.path}: a folder without {PATTERN} files; expected {WHAT}")
    per_file = {f.name: _people(f, width, height) for f in files}
    extras = [extra for people in per_file.values() for _, extra in people]
    # a track id is a whole number >= 1 after the keypoints on every line; a box confidence lies in (0, 1]
    tracked = bool(extras) and all(e is not None and e == int(e) and e >= 1 for e in extras) and max(extras) > 1
    named = [(name, Person(p.keypoints, p.scores, str(int(extra)) if tracked else None))
             for name, people in per_file.items() for p, extra in people]  # fmt: skip
    frames, note = frames_from(named, list(per_file))
    video = Video(_source_name(probe.path, files), frames, "coco", image_size=(width, height),
                  notes=[note] if note else [])  # fmt: skip
    return assemble([video], options, probe.path, "yolo", WHAT)
