"""What the detector readers share: reading options, people and videos, the camera, frame numbers, reports.

A format module turns its file into :class:`Video` s -- frames of detected :class:`Person` s in the
detector's own joint order, pixels -- and :func:`posynda.data.detections.assemble.assemble` turns
those into one validated clip set (H36M-17 order) and a :class:`DetectionReport`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Sequence, get_args

import numpy as np

from posynda.errors import InputError
from posynda.skeleton import JOINT_ORDERS

# Detector scores below this count as missing joints (NaN): the keypoint threshold MMPose's and
# AlphaPose's demos draw with. It applies to the detector formats; posynda's own files are read as
# they are unless a threshold is given.
DEFAULT_MIN_CONFIDENCE = 0.3
# Greedy tracker: a detection continues the track whose last keypoint box it overlaps most, if that
# IoU is at least TRACK_IOU (MMPose's IoU tracking threshold); a track absent for more than MAX_GAP
# frames is closed (the person gets a new track when seen again).
TRACK_IOU = 0.3
MAX_GAP = 10

Tracking = Literal["auto", "greedy"]
TRACKINGS: tuple[str, ...] = get_args(Tracking)

# Joint orders a keypoint file may come in (converted to H36M-17 by posynda.skeleton.convert_joints): the table's.
KeypointOrder = str  # a key of posynda.skeleton.JOINT_ORDERS
KEYPOINT_ORDERS: tuple[str, ...] = tuple(JOINT_ORDERS)

# Joints per detection -> joint order, for the formats whose records carry no skeleton name
# (COCO results, AlphaPose, MMPose): COCO-17, Halpe-26, COCO-WholeBody-133, Halpe-136.
ORDER_BY_JOINT_COUNT: dict[int, str] = {17: "coco", 26: "halpe26", 133: "coco_wholebody", 136: "halpe136"}


class KeypointWarning(UserWarning):
    """Keypoints that can be read but look wrong (e.g. normalised to [0, 1] instead of pixels)."""


@dataclass(frozen=True)
class ReadOptions:
    """How a keypoint file is read (``posynda lift --input`` / ``posynda adapt --target`` options).

    Attributes:
        image_size: ``(width, height)`` pixels; required by the formats without one (COCO, AlphaPose,
            OpenPose, MMPose) and overrides the file's own otherwise.
        intrinsics: ``(fx, fy, cx, cy[, k1, k2, k3, p1, p2])`` pixels (4 to 9 numbers, missing
            distortion terms 0); overrides the file's camera.
        fov: horizontal field of view in degrees (0 < fov < 180): ``fx = fy = (w / 2) / tan(fov / 2)``,
            principal point at the image centre. Not together with ``intrinsics``.
        min_confidence: joints scored below it are missing (NaN). None: DEFAULT_MIN_CONFIDENCE for the
            detector formats, no threshold for posynda's own files.
        joint_order: the joint order of the keypoints (a key of ``posynda.skeleton.JOINT_ORDERS``);
            None = the format's own (from its joint count or its metadata), "h36m" for clip files.
        tracking: "auto" = the file's track ids when every detection has one, else the greedy tracker;
            "greedy" = always the tracker.
        max_gap: frames a person may be absent and keep its track (the frames are missing, NaN).
        iou_threshold: the tracker's least keypoint-box IoU to continue a track.

    Without ``intrinsics`` or ``fov`` (and no camera in the file) the camera is
    :func:`default_intrinsics`.
    """

    image_size: tuple[int, int] | None = None
    intrinsics: tuple[float, ...] | None = None
    fov: float | None = None
    min_confidence: float | None = None
    joint_order: str | None = None
    tracking: Tracking = "auto"
    max_gap: int = MAX_GAP
    iou_threshold: float = TRACK_IOU

    def __post_init__(self):
        if self.image_size is not None and (len(self.image_size) != 2 or min(self.image_size) <= 0):
            raise InputError(f"image size {self.image_size} must be a positive width and height (WxH)")
        if self.intrinsics is not None:
            if not 4 <= len(self.intrinsics) <= 9 or not all(math.isfinite(v) for v in self.intrinsics):
                raise InputError(
                    f"intrinsics need 4 to 9 finite numbers fx,fy,cx,cy[,k1,k2,k3,p1,p2], got {self.intrinsics}"
                )
            if min(self.intrinsics[:2]) <= 0:
                raise InputError(f"intrinsics need positive focal lengths fx, fy, got {self.intrinsics[:2]}")
        if self.fov is not None and not 0 < self.fov < 180:
            raise InputError(f"field of view {self.fov} must lie between 0 and 180 degrees")
        if self.fov is not None and self.intrinsics is not None:
            raise InputError("give the camera either as intrinsics or as a field of view, not both")
        if self.min_confidence is not None and not 0 <= self.min_confidence <= 1:
            raise InputError(f"min confidence {self.min_confidence} must lie in [0, 1]")
        if self.joint_order is not None and self.joint_order not in JOINT_ORDERS:
            raise InputError(f"unknown joint order {self.joint_order!r}; choose one of {', '.join(KEYPOINT_ORDERS)}")
        if self.tracking not in TRACKINGS:
            raise InputError(f"unknown tracking {self.tracking!r}; choose one of {', '.join(TRACKINGS)}")
        if self.max_gap < 0 or not 0 < self.iou_threshold <= 1:
            raise InputError("max_gap must be >= 0 and iou_threshold in (0, 1]")

    @property
    def sets_camera(self) -> bool:
        return self.intrinsics is not None or self.fov is not None


@dataclass
class Person:
    """One detected person in one frame, in the detector's joint order.

    Attributes:
        keypoints: ``[J, 2]`` float64 pixels; NaN = missing.
        scores: ``[J]`` float64 detector scores (clipped to [0, 1] on assembly), or None (all 1).
        track: the file's track id of the person (as text), or None.
        score: the detection's score (for duplicate track ids in a frame), or None (mean keypoint score).
    """

    keypoints: np.ndarray
    scores: np.ndarray | None = None
    track: str | None = None
    score: float | None = None


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
    """

    name: str
    frames: dict[int, list[Person]]
    order: str
    image_size: tuple[int, int] | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SequenceReport:
    """One sequence read: its name, frames, the track it follows, joints missing (%), mean confidence.

    ``track`` is the file's track id, or the tracker's number (``tracked_by`` "file" / "tracker" /
    None for posynda's own files); ``missing_pct`` counts the H36M joints without finite 2D over all
    its frames (absent frames included); ``mean_confidence`` averages the joints that are present;
    ``first_frame`` is the source's frame number of the sequence's first frame (0 for posynda's files).
    """

    name: str
    frames: int
    track: str | None
    tracked_by: str | None
    missing_pct: float
    mean_confidence: float
    first_frame: int = 0

    def line(self) -> str:
        by = " (tracker)" if self.tracked_by == "tracker" else ""
        track = "" if self.track is None else f", track {self.track}{by}"
        return (
            f"{self.name}: {self.frames} frames{track}, {self.missing_pct:.1f}% joints missing, "
            f"mean confidence {self.mean_confidence:.2f}"
        )


@dataclass(frozen=True)
class DetectionReport:
    """What :func:`~posynda.data.detections.read_detections` read: the source, its format, the camera,
    one :class:`SequenceReport` per sequence, notes, and warnings (also issued as :class:`KeypointWarning`)."""

    source: str
    format: str
    camera: str
    sequences: tuple[SequenceReport, ...]
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def lines(self, max_sequences: int = 20) -> list[str]:
        """The report as printed: a header, one line per sequence (the first ``max_sequences``), notes, warnings."""
        count = len(self.sequences)
        head = f"input {self.source}: {self.format}, {count} sequence{'s' if count != 1 else ''}, {self.camera}"
        body = [f"  {s.line()}" for s in self.sequences[:max_sequences]]
        if count > max_sequences:
            body.append(f"  ... and {count - max_sequences} more sequences")
        return [head, *body, *(f"note: {n}" for n in self.notes), *(f"warning: {w}" for w in self.warnings)]


def default_intrinsics(width: int, height: int) -> np.ndarray:
    """Pinhole camera for footage without calibration: ``f = max(w, h)`` (a 53 degree field of view
    across the longer side, about a webcam's; phone main cameras are wider, 65-70 degrees), principal
    point at the image centre."""
    f = float(max(width, height))
    return np.array([f, f, width / 2.0, height / 2.0, 0, 0, 0, 0, 0], np.float32)


def fov_intrinsics(width: int, height: int, fov_degrees: float) -> np.ndarray:
    """Pinhole camera of horizontal field of view ``fov_degrees``: ``f = (w / 2) / tan(fov / 2)``, centred."""
    f = (width / 2.0) / math.tan(math.radians(fov_degrees) / 2.0)
    return np.array([f, f, width / 2.0, height / 2.0, 0, 0, 0, 0, 0], np.float32)


def options_camera(size: tuple[int, int], options: ReadOptions) -> np.ndarray | None:
    """``[9]`` float32 intrinsics from ``options`` (``intrinsics`` padded with zero distortion, or
    ``fov``) for an image of ``size``; None when the options set no camera."""
    if options.intrinsics is not None:
        return np.array([*options.intrinsics, *[0.0] * (9 - len(options.intrinsics))], np.float32)
    if options.fov is not None:
        return fov_intrinsics(size[0], size[1], options.fov)
    return None


def camera_summary(cameras: np.ndarray, sizes: np.ndarray, options: ReadOptions, from_file: bool) -> str:
    """``"1920x1080, f = 1920 px (default camera)"`` for the report (the first sequence's, "..." when they differ)."""
    w, h = (int(v) for v in sizes[0])
    f = float(cameras[0, 0])
    how = (
        "from --intrinsics"
        if options.intrinsics is not None
        else f"from a {options.fov:g} degree field of view"
        if options.fov is not None
        else "from the file"
        if from_file
        else "default camera"
    )
    more = ", ..." if len({tuple(c) for c in np.round(cameras, 3)}) > 1 or len({tuple(s) for s in sizes}) > 1 else ""
    return f"{w}x{h}, f = {f:.0f} px ({how}){more}"


def needs_image_size(source, what: str) -> InputError:
    return InputError(f"{source}: {what} has no image size; give it as --image-size WxH (image_size=(W, H))")


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
