"""Pixels to 3D as the frames come: every person in each frame found, tracked and lifted by their own stream.

:class:`LivePipeline` takes one RGB frame at a time (a camera, a stream URL, a file read at its own rate):
:class:`posynda.detectors.PeopleDetector` finds every person with an id that survives dropouts, each person's
BlazePose keypoints become H36M-17 (:func:`posynda.skeleton.convert_joints`), and each person has a
:class:`~posynda.runtime.stream.LiftStream` (``Lifter.stream``), created when they first appear. A frame where
a tracked person is not found is pushed as missing (the stream holds their joints, as the whole-sequence lift
interpolates them); after ``max_gap`` such frames their stream is finished and the poses of the frames after
their last detection are dropped. The n-th stream opened (from 0; people first seen in one frame in the detector's
order, by id) draws the noise of sequence n (docs/noise.md): the sequence this person, or this part of them after
a long absence, is in a keypoint file of the same detections (``posynda detect``, tracks in order of their first
frame), so the live rows of every person equal ``lift --stream`` of that file.

A pose comes out ``L = T - 1`` frames after its frame went in (the window ends ``L`` frames later; with the
shipped model ``T = 27``: 26 frames, 0.43 s at 60 fps) -- with a causal model (``lift --causal``) ``L = 0``: at
the push of its own frame, a held gap's frames included -- so the end-to-end latency of a pose is ``L`` frame
intervals plus the work: :attr:`LivePose.latency_ms` measures it from the moment its frame arrived.

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
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from posynda.data.detections import default_intrinsics
from posynda.detectors import PeopleDetector
from posynda.errors import InputError
from posynda.runtime.fusion import check_weight
from posynda.runtime.person_lift import LiveCalibration, PersonLift
from posynda.runtime.settings import SamplingSettings
from posynda.runtime.stream import StreamPose
from posynda.skeleton import NUM_JOINTS, convert_joints

DEFAULT_MAX_GAP = 30  # frames a person may go unseen before their stream is finished
ENDED_SIZES = 256  # the people who ended whose last size is kept (libposynda's Pipeline::kEndedSizes)
NO_FLOOR = "no calibrated floor"


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


def _size_of(lift: PersonLift) -> tuple[float, str | None]:
    """The scale of a person's last pose and why it is the lifter's size (None: the floor gave it)."""
    return (1.0, NO_FLOOR) if lift.size is None else (lift.size.scale, lift.size.reason)


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
        # the last ENDED_SIZES people who ended -> their last pose's scale and why it is the lifter's size (None: the
        # floor gave it), oldest first
        self.sizes: OrderedDict[str, tuple[float, str | None]] = OrderedDict()
        self.detector = PeopleDetector() if detector is None else detector
        self.max_gap = int(max_gap)
        self.people: dict[str, _Person] = {}
        self.streams_opened = 0  # the next stream's noise sequence (mod 2^32, the Philox counter word)
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
                                  self.calibration, sequence=self.streams_opened % 2**32)  # fmt: skip
                self.streams_opened += 1
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
        self.sizes.pop(person, None)
        self.sizes[person] = _size_of(state.lift)
        while len(self.sizes) > ENDED_SIZES:
            self.sizes.popitem(last=False)
        return poses

    def person_scale(self, person: str) -> tuple[float, str | None]:
        """The scale the floor gave ``person``'s last pose (1: the lifter's size) and why it is the lifter's size
        (None: the floor gave it), for a person followed now or one of the last :data:`ENDED_SIZES` who ended
        (libposynda's ``posynda_pipeline_person_scale``); :class:`~posynda.errors.InputError` for anyone else."""
        if person in self.people:
            return _size_of(self.people[person].lift)
        if person in self.sizes:
            return self.sizes[person]
        raise InputError(f"person {person} is neither followed by the pipeline nor one of the last {ENDED_SIZES} "
                         "who ended", parameter="person")  # fmt: skip

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
