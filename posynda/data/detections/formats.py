"""The format table: which keypoint inputs posynda reads, how each is recognised, and the one entry point.

``FORMATS`` maps a format name to its :class:`Format` (what it is, how its content looks, its
reader); the table's order is the order in which ``format="auto"`` tries them. Detection looks at
the content, not the file name: npz member names, a video container's signature, the keys of the
JSON records, a folder of ``*_keypoints.json`` files.

**Adding a format** is one module of this package -- ``WHAT`` (what it reads), ``looks_like(probe)``,
``read(probe, options)`` (and ``DETECTS = True`` when it runs a detector and takes a ``progress``
callback) -- and one row here: ``"name": Format.of(module)``. The CLI's ``--format`` choices, the
auto-detection and the messages follow from the table (a new joint order goes into
:data:`posynda.skeleton.JOINT_ORDERS`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import ModuleType
from typing import Callable

from posynda.data.clips import ClipSet
from posynda.data.detections import (
    alphapose,
    clip_files,
    coco,
    mmpose,
    openpose,
    posynda_json,
    video,
    videopose3d,
    yolo,
)
from posynda.data.detections.probe import Probe, probe
from posynda.data.detections.read_options import ReadOptions
from posynda.data.detections.report import DetectionReport
from posynda.errors import InputError

DetectionFormat = str  # "auto" or a key of FORMATS


@dataclass(frozen=True)
class Format:
    """A keypoint input format: its ``what`` (for help and messages), whether its content fits
    (``looks_like``), and its reader ``read(probe, options) -> (ClipSet, DetectionReport)``; a reader that
    runs a detector (``detects``) also takes ``progress(done, total)`` frames."""

    what: str
    looks_like: Callable[[Probe], bool]
    read: Callable[..., tuple[ClipSet, DetectionReport]]
    detects: bool = False

    @classmethod
    def of(cls, module: ModuleType) -> "Format":
        """The row of a format module (``WHAT``, ``looks_like``, ``read``, optional ``DETECTS``)."""
        return cls(module.WHAT, module.looks_like, module.read, getattr(module, "DETECTS", False))


# The order is the order auto-detection tries them in.
FORMATS: dict[str, Format] = {
    "clips": Format.of(clip_files),
    "videopose3d": Format.of(videopose3d),
    "video": Format.of(video),
    "posynda-json": Format.of(posynda_json),
    "mmpose": Format.of(mmpose),
    "alphapose": Format.of(alphapose),
    "coco": Format.of(coco),
    "openpose": Format.of(openpose),
    "yolo": Format.of(yolo),
}
DETECTION_FORMATS: tuple[str, ...] = ("auto", *FORMATS)
EXPECTED = f"expected a keypoint input of one of the formats {', '.join(FORMATS)} (see --format)"


def detect_format(path: str | os.PathLike | Probe) -> str:
    """The name of the format of ``path`` (a key of :data:`FORMATS`), from its content.

    Raises:
        InputError: nothing there, an empty JSON list, or no format fits (one line naming what was expected).
    """
    found = path if isinstance(path, Probe) else probe(path)
    for name, fmt in FORMATS.items():
        if fmt.looks_like(found):
            return name
    if found.kind == "json" and found.payload == []:
        raise InputError(f"{found.path}: holds no sequence or detection (an empty JSON list)")
    if found.kind == "other" and found.path.suffix.lower() == ".npz":
        raise InputError(f"{found.path}: not an npz file (a .npz is a zip archive of arrays); {EXPECTED}")
    if found.kind == "other" and found.path.suffix.lower() == ".json":
        raise InputError(found.error)
    if found.kind == "npz":
        members = sorted(found.members or ())
        what = f"an npz with keys {members}, neither a posynda clip file nor VideoPose3D's"
        raise InputError(f"{found.path}: not a keypoint file posynda knows ({what}); {EXPECTED}")
    what = {"folder": "a folder with no keypoint JSON files", "json": "a JSON of unknown layout"}.get(found.kind)
    raise InputError(f"{found.path}: not a keypoint file posynda knows ({what or 'neither JSON nor npz'}); {EXPECTED}")


def read_detections(
    path: str | os.PathLike,
    format: DetectionFormat = "auto",
    options: ReadOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ClipSet, DetectionReport]:
    """Keypoints of any supported format -> ``(ClipSet, DetectionReport)``.

    Args:
        path: a file, or a folder (OpenPose's per-frame JSON, MMPose's per-image JSON); a video is run
            through the offline BlazePose detector (:mod:`.video`).
        format: a key of :data:`FORMATS`, or "auto" (:func:`detect_format`).
        options: image size, camera, minimum confidence, joint order, tracking (:class:`ReadOptions`;
            None = the defaults).
        progress: ``progress(done, total)`` frames, called by the formats that run a detector (video).

    Returns:
        The clip set -- ``keypoints_2d [N, 17, 2]`` H36M-order pixels (NaN = missing), ``confidence
        [N, 17]`` in [0, 1], a camera and image size per sequence, no ``joints_3d``; one sequence per
        tracked person for the detector formats, named ``<source>/person<k>`` (tracker) or
        ``<source>/track<id>`` (the file's ids) -- and the report of what was read (one
        :class:`~posynda.data.detections.report.SequenceReport` per sequence, notes, warnings).

    Raises:
        InputError: one line naming the file and the problem: nothing there, an unknown format, keys
            or shapes the format does not have, no image size where the format has none, nobody detected.
    """
    if format != "auto" and format not in FORMATS:
        raise InputError(f"unknown keypoint format {format!r}; choose one of {', '.join(DETECTION_FORMATS)}")
    found = probe(path)
    name = detect_format(found) if format == "auto" else format
    fmt = FORMATS[name]
    if fmt.detects:
        return fmt.read(found, options or ReadOptions(), progress=progress)
    return fmt.read(found, options or ReadOptions())
