"""People per frame, what every detector reader makes of its file: :class:`Person` (one detection, the
detector's joint order, pixels) and :class:`Video` (frame number -> people), and the parsing of what detector
files carry: frame ids and numbers, track ids, ``[x, y, score]`` keypoint triplets, the joint order from the
joint count.

:func:`posynda.data.detections.assemble.assemble` turns videos into one validated clip set (H36M-17 order)
and a :class:`~posynda.data.detections.report.DetectionReport`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from posynda.errors import InputError

# Joints per detection -> joint order, for the formats whose records carry no skeleton name
# (COCO results, AlphaPose, MMPose): COCO-17, Halpe-26, COCO-WholeBody-133, Halpe-136.
ORDER_BY_JOINT_COUNT: dict[int, str] = {17: "coco", 26: "halpe26", 133: "coco_wholebody", 136: "halpe136"}


@dataclass
class Person:
    """One detected person in one frame, in the detector's joint order.

    Attributes:
        keypoints: ``[J, 2]`` float64 pixels; NaN = missing.
        scores: ``[J]`` float64 detector scores (clipped to [0, 1] on assembly), or None (all 1).
        track: the file's track id of the person (as text), or None.
        score: the detection's score (for duplicate track ids in a frame), or None (mean keypoint score).
        world: ``[J, 3]`` the detector's own 3D of the person (BlazePose's world landmarks, metres, hip-centred,
            image axes), or None; not part of the clip set (benchmarks compare against it).
    """

    keypoints: np.ndarray
    scores: np.ndarray | None = None
    track: str | None = None
    score: float | None = None
    world: np.ndarray | None = None


@dataclass
class Video:
    """What one source (a file, a folder, a video of a VideoPose3D npz) holds: ``frames[t]`` are the
    people detected in frame number t (a number absent or an empty list: nobody), keypoints in ``order``.

    Attributes:
        name: the source's name, the prefix of its sequences' names (``<name>/person0``).
        frames: frame number -> its people.
        order: joint order of the keypoints (a key of ``posynda.skeleton.JOINT_ORDERS``).
        image_size: ``(width, height)`` from the file, or None when the format has none.
        notes: what the reader wants the user to know (printed with the report).
        ids_from: who gave the people's ``track`` ids: "file" (the detector file's own), or "detector"
            (posynda's video detector, :mod:`posynda.detectors`: its people are named ``person<id>``).
    """

    name: str
    frames: dict[int, list[Person]]
    order: str
    image_size: tuple[int, int] | None = None
    notes: list[str] = field(default_factory=list)
    ids_from: str = "file"


def natural_key(value) -> tuple:
    """Sort key of frame ids: ``"frame2.jpg" < "frame10.jpg"``, integers by value."""
    parts = [p for p in re.split(r"(\d+)", str(value)) if p]
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def frame_number(value) -> int | None:
    """The frame number an id carries: an integer itself, else the last digit run of the name without its
    extension (``"000012.jpg"`` -> 12, ``"clip_000000000012_keypoints.json"`` -> 12); None without digits."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    runs = re.findall(r"\d+", Path(str(value)).stem)
    return int(runs[-1]) if runs else None


def frame_positions(ids: Sequence) -> tuple[dict, str | None]:
    """The frame number of every distinct id, and a note when the ids are not frame numbers.

    Ids that all carry distinct frame numbers (:func:`frame_number`) are at those numbers, so a gap
    in the numbering is frames in which nobody was detected (a person absent for more than ``max_gap``
    of them starts a new track). Otherwise the frames follow in natural sort order without gaps.
    """
    unique = sorted(set(ids), key=natural_key)
    numbers = [frame_number(i) for i in unique]
    if None not in numbers and len(set(numbers)) == len(numbers):
        return dict(zip(unique, numbers)), None
    note = "frame ids carry no distinct frame numbers: frames taken in natural sort order without gaps"
    return {i: k for k, i in enumerate(unique)}, note


def frames_from(records: Sequence[tuple[object, Person]], ids: Sequence = ()) -> tuple[dict, str | None]:
    """``(frame id, person)`` pairs -> ``{frame number: people}`` (by :func:`frame_positions` of their ids
    and the other frame ``ids`` given, e.g. frames without people) and its note."""
    positions, note = frame_positions([*ids, *(key for key, _ in records)])
    frames: dict[int, list[Person]] = {positions[key]: [] for key in ids}
    for key, person in records:
        frames.setdefault(positions[key], []).append(person)
    return frames, note


def order_for_count(count: int, source, what: str) -> str:
    """The joint order of ``count`` joints per detection (:data:`ORDER_BY_JOINT_COUNT`)."""
    if count not in ORDER_BY_JOINT_COUNT:
        known = ", ".join(f"{n} ({o})" for n, o in ORDER_BY_JOINT_COUNT.items())
        raise InputError(f"{source}: {what} has {count} joints per person; expected {known}")
    return ORDER_BY_JOINT_COUNT[count]


def track_id(value) -> str | None:
    """A file's track id as text: ints and strings as they are, a list by its first element (AlphaPose's
    ``idx``, OpenPose's ``person_id``); None, -1 and empty lists mean untracked."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if value is None or isinstance(value, bool) or (isinstance(value, (int, float)) and value < 0):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def keypoint_triplets(value, source, what: str) -> tuple[np.ndarray, np.ndarray]:
    """A flat ``[x, y, score] * J`` list (or ``J`` triplets) -> ``(keypoints [J, 2], scores [J])`` float64."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{source}: {what} 'keypoints' must be numbers [x, y, score, ...]") from None
    if arr.ndim == 2 and arr.shape[1] == 3:
        arr = arr.reshape(-1)
    if arr.ndim != 1 or len(arr) == 0 or len(arr) % 3:
        raise InputError(f"{source}: {what} 'keypoints' must be [x, y, score] triplets, got {list(arr.shape)} numbers")
    arr = arr.reshape(-1, 3)
    return arr[:, :2].copy(), arr[:, 2].copy()


def stem(path: Path) -> str:
    """A source's name for its sequences: the file name without its extension (a folder: its name)."""
    return path.name if path.is_dir() else path.stem
