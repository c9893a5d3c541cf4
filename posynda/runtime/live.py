"""Pixels to 3D as the frames come: every person in each frame found, tracked and lifted by their own stream.

:class:`LivePipeline` takes one RGB frame at a time (a camera, a stream URL, a file read at its own rate):
:class:`posynda.detectors.PeopleDetector` finds every person with an id that survives dropouts, each person's
BlazePose keypoints become H36M-17 (:func:`posynda.skeleton.convert_joints`), and each person has a
:class:`~posynda.runtime.stream.LiftStream` (``Lifter.stream``), created when they first appear. A frame where
a tracked person is not found is pushed as missing (the stream holds their joints, as the whole-sequence lift
interpolates them); after ``max_gap`` such frames their stream is finished and the poses of the frames after
their last detection are dropped. A pose comes out ``L = T - 1`` frames after its frame went in (the window
ends ``L`` frames later; with the shipped model ``T = 27``: 26 frames, 0.43 s at 60 fps) -- with a causal model
(``lift --causal``) ``L = 0``: at the push of its own frame, a held gap's frames included -- so the end-to-end
latency of a pose is ``L`` frame intervals plus the work: :attr:`LivePose.latency_ms` measures it from the
moment its frame arrived.

BlazePose's own 3D of each person is used as the whole-sequence path uses it (``orient``, ``detector_weight``:
:mod:`posynda.runtime.orientation`, :mod:`posynda.runtime.fusion`), with the rotation between the two found on
the person's frames so far (their cross-covariances summed: causal); a person's first ``MIN_FRAMES`` poses, before
that rotation is known, are posynda's alone.

A calibrated camera (:class:`LiveCalibration`, ``lift --video --stream --calibration``) is lifted as the
whole-sequence ``lift --calibration`` lifts it, one frame at a time (:class:`PersonLift`): each frame's keypoints
turned into what the level camera of its gravity sees, each pose sized by the floor of the person's frames so far
(:class:`~posynda.runtime.floor_scale.RunningFloorScale`: the whole sequence's median needs its end) and turned
back into the real camera.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from posynda.data.detections import default_intrinsics
from posynda.detectors import PeopleDetector
from posynda.errors import InputError
from posynda.runtime.floor_scale import RunningFloorScale
from posynda.runtime.fusion import check_weight, one_frame
from posynda.runtime.level_camera import LEVEL_UP, level_intrinsics, level_rotation, levelled_pixels
from posynda.runtime.orientation import MIN_FRAMES, covariance, rotation_of
from posynda.runtime.settings import SamplingSettings
from posynda.runtime.stream import LiftStream, StreamPose
from posynda.skeleton import NUM_JOINTS, convert_joints

DEFAULT_MAX_GAP = 30  # frames a person may go unseen before their stream is finished
FLOOR_WINDOW = 600  # frames whose floor scales a live person's size is the median of (10 s at 60 fps)
MAX_FLOOR_WINDOW = 100_000  # frames (libposynda's bound too)


@dataclass(frozen=True)
class LivePose:
    """One person's pose in one frame of a live source.

    Attributes:
        frame: the frame's number in the source (0 = the first frame read).
        person: the detector's id of the person (stable through dropouts).
        root_relative_mm: ``[17, 3]`` root-relative camera-frame mm.
        absolute_mm: ``[17, 3]`` camera-frame mm (the root solved from the 2D and the intrinsics).
        detected: whether the detector found the person in that frame (False: a held gap).
        latency_ms: from the frame's arrival to this pose, ms.
    """

    frame: int
    person: str
    root_relative_mm: np.ndarray
    absolute_mm: np.ndarray
    detected: bool
    latency_ms: float


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
    """One person's live lift, as :class:`LivePipeline` and ``bench realvideo`` run it: ``push(keypoints,
    confidence, detector_3d)`` with one frame's ``[17, 2]`` H36M pixels of the real camera (NaN: missing), ``[17]``
    scores and the detector's own 3D of that frame (``[17, 3]`` root-relative mm, or None) returns the poses that
    became final (:class:`~posynda.runtime.stream.StreamPose`, camera frame, as they are written); ``finish()`` the
    rest. Each pose is used with the detector's 3D (:class:`CausalDetector3D`), then, given a
    :class:`LiveCalibration`, sized by the floor and turned from the level camera back into the real one."""

    def __init__(self, lifter, intrinsics, settings: SamplingSettings, orient: bool = False,
                 detector_weight: float = 0.0, calibration: LiveCalibration | None = None):  # fmt: skip
        self.intrinsics = np.asarray(intrinsics, np.float32).reshape(9)
        self.level = None if calibration is None else level_rotation(calibration.up)
        lifted_by = self.intrinsics if self.level is None else level_intrinsics(self.intrinsics)
        self.stream: LiftStream = lifter.stream(intrinsics=lifted_by, settings=settings)
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
        pose = self.stream.push(np.asarray(keypoints, np.float32), np.asarray(confidence, np.float32))
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


@dataclass
class _Person:
    lift: PersonLift
    first: int  # the source frame of the stream's frame 0
    last_seen: int
    detected: list[bool] = field(default_factory=list)  # per pushed frame


class Arrivals:
    """``for image, arrived in Arrivals(reader)``: the frames of ``reader`` (any iterable of images) with the moment
    each arrived (``time.perf_counter()``); ``waited_s`` sums the time spent waiting for them (decoding, a live
    source's pace)."""

    def __init__(self, frames):
        self._frames = iter(frames)
        self.waited_s = 0.0

    def __iter__(self):
        while True:
            asked = time.perf_counter()
            image = next(self._frames, None)
            arrived = time.perf_counter()
            self.waited_s += arrived - asked
            if image is None:
                return
            yield image, arrived


@dataclass
class StageTimes:
    """Wall time spent per stage, seconds: finding people, lifting them; and frames done."""

    detect_s: float = 0.0
    lift_s: float = 0.0
    frames: int = 0


class LivePipeline:
    """``pipeline.push(frame, arrived) -> [LivePose]`` for the frames of one source in order; ``finish()`` at its
    end. ``lifter``: a :class:`~posynda.runtime.Lifter`; ``intrinsics``: 9 floats for the source's camera
    (default: :func:`posynda.data.detections.default_intrinsics` of the first frame's size); ``orient`` and
    ``detector_weight``: the detector's own 3D used as ``Lifter.lift`` uses it (module docstring);
    ``calibration``: the camera's gravity and floor (:class:`LiveCalibration`), or None."""

    def __init__(self, lifter, intrinsics=None, settings: SamplingSettings = SamplingSettings(),
                 detector: PeopleDetector | None = None, max_gap: int = DEFAULT_MAX_GAP, orient: bool = False,
                 detector_weight: float = 0.0, calibration: LiveCalibration | None = None):  # fmt: skip
        self.lifter, self.intrinsics, self.settings = lifter, intrinsics, settings
        self.orient, self.weight = bool(orient), check_weight(detector_weight)
        self.calibration = calibration
        self.sizes: dict[str, str] = {}  # person -> the floor's last scale ("x0.84") or why they kept their size
        self.detector = PeopleDetector() if detector is None else detector
        self.max_gap = int(max_gap)
        self.people: dict[str, _Person] = {}
        self.arrivals: dict[int, float] = {}  # source frame -> when it arrived (perf_counter)
        self.frame = -1
        self.times = StageTimes()

    def push(self, image: np.ndarray, arrived: float | None = None) -> list[LivePose]:
        """The next frame (RGB uint8 ``[H, W, 3]``) and when it arrived (``time.perf_counter()``; default: now):
        the poses that became final with it."""
        self.frame += 1
        self.arrivals[self.frame] = time.perf_counter() if arrived is None else arrived
        if self.intrinsics is None:
            height, width = image.shape[:2]
            self.intrinsics = default_intrinsics(width, height)
        t0 = time.perf_counter()
        found = {str(p.id): p.landmarks for p in self.detector(image)}
        t1 = time.perf_counter()
        out: list[LivePose] = []
        for person, landmarks in found.items():
            if person not in self.people:
                lift = PersonLift(self.lifter, self.intrinsics, self.settings, self.orient, self.weight,
                                  self.calibration)  # fmt: skip
                self.people[person] = _Person(lift, self.frame, self.frame)
            state = self.people[person]
            state.last_seen = self.frame
            keypoints, confidence = convert_joints(
                landmarks.keypoints, "blazepose33", np.minimum(landmarks.visibility, landmarks.presence)
            )
            world, detector_3d = getattr(landmarks, "world", None), None
            if world is not None:
                h36m = convert_joints(np.asarray(world, np.float64) * 1000.0, "blazepose33")[0]
                detector_3d = h36m - h36m[:1]
            out += self._pushed(person, state, keypoints, confidence, True, detector_3d)
        for person, state in list(self.people.items()):
            if person in found:
                continue
            if self.frame - state.last_seen > self.max_gap:
                out += self._finished(person)
            else:
                out += self._pushed(person, state, np.full((NUM_JOINTS, 2), np.nan), np.zeros(NUM_JOINTS), False)
        self.times.detect_s += t1 - t0
        self.times.lift_s += time.perf_counter() - t1
        self.times.frames += 1
        self._forget_arrivals()
        return sorted(out, key=lambda p: (p.frame, p.person))

    def finish(self) -> list[LivePose]:
        """The poses still in every person's stream (the end of the source)."""
        out = []
        for person in list(self.people):
            out += self._finished(person)
        return sorted(out, key=lambda p: (p.frame, p.person))

    def _pushed(self, person: str, state: _Person, keypoints, confidence, detected: bool,
                detector_3d: np.ndarray | None = None) -> list[LivePose]:  # fmt: skip
        state.detected.append(detected)
        return [self._live(person, state, pose) for pose in state.lift.push(keypoints, confidence, detector_3d)]

    def _finished(self, person: str) -> list[LivePose]:
        state = self.people.pop(person)
        seen = [i for i, d in enumerate(state.detected) if d]
        last = seen[-1] if seen else -1
        poses = [self._live(person, state, p) for p in state.lift.finish() if p.frame <= last]
        size = state.lift.size
        if size is not None:
            self.sizes[person] = f"x{size.scale:.2f}" if size.reason is None else f"kept ({size.reason})"
        return poses

    def _live(self, person: str, state: _Person, pose: StreamPose) -> LivePose:
        frame = state.first + pose.frame
        latency = 1000.0 * (time.perf_counter() - self.arrivals[frame])
        return LivePose(frame, person, pose.root_relative_mm, pose.absolute_mm, state.detected[pose.frame], latency)

    def _forget_arrivals(self) -> None:
        """Keep the arrival times still needed: from the oldest frame a stream may yet emit."""
        pending = (s.first + max(0, s.lift.stream.pushed - s.lift.stream.latency) for s in self.people.values())
        oldest = min(pending, default=self.frame)
        for frame in [f for f in self.arrivals if f < oldest]:
            del self.arrivals[frame]
