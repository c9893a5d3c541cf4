"""One person lifted frame by frame as a live app lifts them (``lift --stream``, a video's or a keypoint file's):
each frame's 2D pushed through the person's :class:`~posynda.runtime.stream.LiftStream`, each pose that comes out
used with the detector's own 3D of its frame (:class:`CausalDetector3D`: the rotation of the frames before,
:mod:`posynda.runtime.orientation`, :mod:`posynda.runtime.fusion`), and, with a calibration
(:class:`LiveCalibration`), lifted through the level camera of its gravity and sized by the floor of the person's
frames so far (:class:`~posynda.runtime.floor_scale.RunningFloorScale`: the whole sequence's median needs its end),
then turned back into the real camera -- as the whole-sequence ``lift --calibration`` does, one frame at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posynda.errors import InputError
from posynda.runtime.floor_scale import RunningFloorScale
from posynda.runtime.fusion import check_weight, one_frame
from posynda.runtime.level_camera import LEVEL_UP, level_intrinsics, level_rotation, levelled_pixels
from posynda.runtime.orientation import MIN_FRAMES, covariance, rotation_of
from posynda.runtime.settings import SamplingSettings
from posynda.runtime.stream import LiftStream, StreamPose

FLOOR_WINDOW = 600  # frames whose floor scales a live person's size is the median of (10 s at 60 fps)
MAX_FLOOR_WINDOW = 100_000  # frames (libposynda's bound too)


@dataclass
class CausalDetector3D:
    """The detector's own 3D used on one person's poses as their stream emits them (module docstring): call it
    with the stream and each pose it emits, before the next push, and the detector's 3D of that frame (``[17,
    3]`` root-relative mm, or None); returns the root-relative and absolute ``[17, 3]`` mm to write. The rotation
    comes from the frames before; a changed pose has its root fitted to the 2D again (``LiftStream.place``, as
    ``Lifter.lift`` does)."""

    orient: bool
    weight: float
    cross: np.ndarray = field(default_factory=lambda: np.zeros((3, 3)))  # summed P^T D of the frames so far
    frames: int = 0  # how many complete pairs are in it

    def __call__(self, stream: LiftStream, pose: StreamPose, detector: np.ndarray | None):
        rel = pose.root_relative_mm
        if detector is None or not (self.orient or self.weight > 0):
            return rel, pose.absolute_mm
        rotation = rotation_of(self.cross) if self.frames >= MIN_FRAMES else None
        cross, rows = covariance(rel, detector)
        if rows == len(rel):  # a complete pair: into the sums, for the frames after this one
            self.cross += cross
            self.frames += 1
        changed = one_frame(rel, detector, rotation, self.orient, self.weight)
        if changed is rel:
            return rel, pose.absolute_mm
        return changed, stream.place(pose.frame, changed)


@dataclass(frozen=True)
class LiveCalibration:
    """What a calibration gives a live lift (``lift --video --stream --calibration``), as it gives the whole-sequence
    one: each frame's 2D is lifted through the level camera (:mod:`posynda.runtime.level_camera`) and its pose
    turned back, and each person is sized by the floor as their poses come
    (:class:`~posynda.runtime.floor_scale.RunningFloorScale`).

    Attributes:
        up: ``[3]`` the direction against gravity in the camera frame.
        height_mm: the camera's height above the calibration's floor, mm; None: people keep the lifter's size.
        floor_window: the frames whose floor scales a person's size is the median of (the last ones).
    """

    up: np.ndarray
    height_mm: float | None = None
    floor_window: int = FLOOR_WINDOW

    def __post_init__(self):  # refused here, before a frame is read (libposynda's pipeline_open refuses the same)
        level_rotation(self.up)
        if self.height_mm is not None and not np.isfinite(self.height_mm):
            raise InputError(f"height_mm must be finite, got {self.height_mm}", parameter="height_mm")
        if not 1 <= int(self.floor_window) <= MAX_FLOOR_WINDOW:
            raise InputError(f"floor_window must be in [1, {MAX_FLOOR_WINDOW}] frames, got {self.floor_window}",
                             parameter="floor_window")  # fmt: skip


class PersonLift:
    """One person's live lift, as :class:`~posynda.runtime.live.LivePipeline`, ``Lifter.lift_as_stream`` and ``bench
    realvideo`` run it: ``push(keypoints, confidence, detector_3d)`` with one frame's ``[17, 2]`` H36M pixels of the
    real camera (NaN: missing), ``[17]`` scores (or None: all 1) and the detector's own 3D of that frame (``[17, 3]``
    root-relative mm, or None) returns the poses that became final (:class:`~posynda.runtime.stream.StreamPose`,
    camera frame, as they are written); ``finish()`` the rest. Each pose is used with the detector's 3D
    (:class:`CausalDetector3D`), then, given a :class:`LiveCalibration`, sized by the floor and turned from the level
    camera back into the real one. ``sequence``: which sequence of a clip set its stream's noise is drawn for."""

    def __init__(self, lifter, intrinsics, settings: SamplingSettings, orient: bool = False,
                 detector_weight: float = 0.0, calibration: LiveCalibration | None = None,
                 sequence: int = 0):  # fmt: skip
        self.intrinsics = np.asarray(intrinsics, np.float32).reshape(9)
        self.level = None if calibration is None else level_rotation(calibration.up)
        lifted_by = self.intrinsics if self.level is None else level_intrinsics(self.intrinsics)
        self.stream: LiftStream = lifter.stream(intrinsics=lifted_by, settings=settings, sequence=sequence)
        self.use = CausalDetector3D(bool(orient), check_weight(detector_weight))
        self.size = None  # sized in the level camera, whose up is LEVEL_UP
        if calibration is not None and calibration.height_mm is not None:
            self.size = RunningFloorScale(LEVEL_UP, calibration.height_mm, calibration.floor_window)
        self.detector_3d: dict[int, np.ndarray] = {}  # stream frame -> [17, 3] mm, until emitted

    def push(self, keypoints, confidence, detector_3d: np.ndarray | None = None) -> list[StreamPose]:
        if self.level is not None:
            keypoints = levelled_pixels(keypoints, self.intrinsics, self.level)
        if detector_3d is not None:
            self.detector_3d[self.stream.pushed] = np.asarray(detector_3d)
        scores = None if confidence is None else np.asarray(confidence, np.float32)
        pose = self.stream.push(np.asarray(keypoints, np.float32), scores)
        return [] if pose is None else [self._final(pose)]

    def finish(self) -> list[StreamPose]:
        return [self._final(pose) for pose in self.stream.finish()]

    def _final(self, pose: StreamPose) -> StreamPose:
        rel, absolute = self.use(self.stream, pose, self.detector_3d.pop(pose.frame, None))
        if self.size is not None:  # scaled about the camera centre: the 2D stays (floor_scale)
            scale = self.size(absolute)
            rel, absolute = rel * scale, absolute * scale
        if self.level is not None:  # Q^T X back into the real camera (row vectors: X^T Q)
            q = self.level.astype(rel.dtype)
            rel, absolute = rel @ q, absolute @ q
        return StreamPose(pose.frame, rel, absolute)
