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
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from posynda.data.detections import default_intrinsics
from posynda.detectors import PeopleDetector
from posynda.runtime.fusion import check_weight, one_frame
from posynda.runtime.orientation import MIN_FRAMES, covariance, rotation_of
from posynda.runtime.settings import SamplingSettings
from posynda.runtime.stream import LiftStream, StreamPose
from posynda.skeleton import NUM_JOINTS, convert_joints

DEFAULT_MAX_GAP = 30  # frames a person may go unseen before their stream is finished


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


@dataclass
class _Person:
    stream: LiftStream
    use: CausalDetector3D
    first: int  # the source frame of the stream's frame 0
    last_seen: int
    detected: list[bool] = field(default_factory=list)  # per pushed frame
    detector_3d: dict[int, np.ndarray] = field(default_factory=dict)  # stream frame -> [17, 3] mm, until emitted


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
    ``detector_weight``: the detector's own 3D used as ``Lifter.lift`` uses it (module docstring)."""

    def __init__(self, lifter, intrinsics=None, settings: SamplingSettings = SamplingSettings(),
                 detector: PeopleDetector | None = None, max_gap: int = DEFAULT_MAX_GAP, orient: bool = False,
                 detector_weight: float = 0.0):  # fmt: skip
        self.lifter, self.intrinsics, self.settings = lifter, intrinsics, settings
        self.orient, self.weight = bool(orient), check_weight(detector_weight)
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
                stream = self.lifter.stream(intrinsics=self.intrinsics, settings=self.settings)
                self.people[person] = _Person(stream, CausalDetector3D(self.orient, self.weight), self.frame,
                                              self.frame)  # fmt: skip
            state = self.people[person]
            state.last_seen = self.frame
            keypoints, confidence = convert_joints(
                landmarks.keypoints, "blazepose33", np.minimum(landmarks.visibility, landmarks.presence)
            )
            world = getattr(landmarks, "world", None)
            if world is not None:
                h36m = convert_joints(np.asarray(world, np.float64) * 1000.0, "blazepose33")[0]
                state.detector_3d[state.stream.pushed] = h36m - h36m[:1]
            out += self._pushed(person, state, keypoints, confidence, True)
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

    def _pushed(self, person: str, state: _Person, keypoints, confidence, detected: bool) -> list[LivePose]:
        state.detected.append(detected)
        pose = state.stream.push(keypoints.astype(np.float32), confidence.astype(np.float32))
        return [] if pose is None else [self._live(person, state, pose)]

    def _finished(self, person: str) -> list[LivePose]:
        state = self.people.pop(person)
        seen = [i for i, d in enumerate(state.detected) if d]
        last = seen[-1] if seen else -1
        return [self._live(person, state, p) for p in state.stream.finish() if p.frame <= last]

    def _live(self, person: str, state: _Person, pose) -> LivePose:
        frame = state.first + pose.frame
        rel, absolute = state.use(state.stream, pose, state.detector_3d.pop(pose.frame, None))
        latency = 1000.0 * (time.perf_counter() - self.arrivals[frame])
        return LivePose(frame, person, rel, absolute, state.detected[pose.frame], latency)

    def _forget_arrivals(self) -> None:
        """Keep the arrival times still needed: from the oldest frame a stream may yet emit."""
        pending = (s.first + max(0, s.stream.pushed - s.stream.latency) for s in self.people.values())
        oldest = min(pending, default=self.frame)
        for frame in [f for f in self.arrivals if f < oldest]:
            del self.arrivals[frame]
