"""How a keypoint file is read: :class:`ReadOptions` (image size, camera, confidence threshold, joint order,
tracking), their defaults, and the pinhole camera they set (``[9]`` float32 intrinsics
``fx, fy, cx, cy, k1, k2, k3, p1, p2``, pixels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

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
            detector formats, no threshold for a video (BlazePose's landmarks) and posynda's own files.
        joint_order: the joint order of the keypoints (a key of ``posynda.skeleton.JOINT_ORDERS``);
            None = the format's own (from its joint count or its metadata), "h36m" for clip files.
        tracking: "auto" = the file's track ids when every detection has one, else the greedy tracker;
            "greedy" = always the tracker.
        max_gap: frames a person may be absent and keep its track (the frames are missing, NaN).
        iou_threshold: the tracker's least keypoint-box IoU to continue a track.
        intrinsics_from: where ``intrinsics`` came from, for the report ("--intrinsics", "camera cam01 of
            Calib.qca.txt").

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
    intrinsics_from: str = "--intrinsics"

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


def needs_image_size(source, what: str) -> InputError:
    return InputError(f"{source}: {what} has no image size; give it as --image-size WxH (image_size=(W, H))")
