"""Every person in every frame of a video, with an id that stays theirs: BlazePose run per person.

:class:`PeopleDetector` follows MediaPipe's video mode, for many people: each tracked person's region comes
from their own landmarks of the previous frame (the landmark model runs once per person and frame); the person
detector runs every ``detect_every`` frames -- and whenever nobody is tracked -- on the whole frame and on
overlapping squares along its long side (people fill a tile better than the letterboxed frame), and a person it
finds who is not tracked yet starts a track. A track ends when its pose flag drops below ``min_tracking``.
Two tracks on one body (:func:`same_body`) keep the one that moved less to get there: a track whose region
slid onto someone it overlaps jumped, the other stayed. The one that jumped looks once more, in its region
``NEARER_SCALE`` times larger and moved on by its velocity, and goes on if the landmarks there are nobody
else's: of two people who overlap in the picture the nearer one is the larger, and a region sized for the
smaller lets the landmark model fit the smaller whole (Pose2Sim's ``Demo_MultiPerson`` cam03, where the one who
moves passes in front of the other from frame 80: tracked in 76 -> 95 % of the frames, no id switch; a region
1.1 times larger still finds the other, 1.2-1.5 times 93-97 %).

Several tracked people are followed side by side: two landmark runs (crop and network) at once on two threads,
through landmark sessions of half the ONNX Runtime threads each -- the same numbers as one after another (the
network's output does not depend on its thread count; tested). What it gains varies (``posynda bench live``, its
"one after another" baseline row; 2 cores, two people, idle): 26.0 -> 33.2 frames/s end to end on 2026-12-06,
nothing to be told from the noise on 12-07 (35.1 -> 33.7); libposynda's port gained 8-26 % idle in both runs that
day. One person keeps the
session of every thread.

Ids survive dropouts: a new track within ``reid_frames`` of a track's end, near where that person would be by
now (their mid-hip moved on at its last velocity, within half their region's size) and of their size, takes
their id back (appearance-free: position and size only). Losing a person searches for them: when an id
tracked for ``detect_every`` frames or more loses its track, the person detector runs on every one of the next
``detect_every`` frames, not only every ``detect_every``-th (an id younger than that -- a false detection
that ended at once -- does not, so one cannot keep the detector running on every frame).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from posynda.detectors.blazepose_models import LANDMARKS, PERSON_DETECTOR, onnx_file
from posynda.detectors.crops import Region, aligned_region
from posynda.detectors.landmarks import Landmarks, find_landmarks
from posynda.detectors.person_boxes import PersonBox, detect_people_boxes
from posynda.errors import InputError
from posynda.ort import ort_session
from posynda.threads import chosen_threads


@dataclass(frozen=True)
class DetectorSettings:
    """How :class:`PeopleDetector` runs.

    Attributes:
        min_detection: least person-detector score to start a track (MediaPipe's 0.5).
        min_tracking: least pose flag to keep a track (MediaPipe's 0.5).
        detect_every: frames between person-detector runs while someone is tracked (>= 1); after a person
            tracked that long is lost, it runs on every one of that many frames.
        max_people: most people tracked at once (the landmark model runs once per person and frame).
        reid_frames: how long an ended track's id waits to be taken back (frames).
        tiles: also detect on squares along the frame's long side.
    """

    min_detection: float = 0.5
    min_tracking: float = 0.5
    detect_every: int = 8
    max_people: int = 8
    reid_frames: int = 120
    tiles: bool = True

    def __post_init__(self):
        for name in ("min_detection", "min_tracking"):
            if not 0 <= getattr(self, name) <= 1:
                raise InputError(f"{name} must be in [0, 1], got {getattr(self, name)}", parameter=name)
        for name in ("detect_every", "max_people"):
            if not 1 <= getattr(self, name) <= 10_000:
                raise InputError(f"{name} must be in [1, 10000], got {getattr(self, name)}", parameter=name)
        if self.reid_frames < 0:
            raise InputError(f"reid_frames must be >= 0, got {self.reid_frames}", parameter="reid_frames")


SAME_KEYPOINTS = 0.1  # two landmark sets on one body: median keypoint distance below this share of a region
SAME_HIPS = 0.15  # ... and mid-hips closer than this share (people who overlap in the picture keep them apart)
NEARER_SCALE = 1.25  # a track whose landmarks landed on someone else's body looks again in a region this much larger


def same_body(a: Landmarks, b: Landmarks) -> bool:
    """Whether ``a`` and ``b`` lie on one body: their keypoints (median distance) within ``SAME_KEYPOINTS`` and
    their mid-hips within ``SAME_HIPS`` of the smaller region's side. Two people who overlap in the picture can
    share most keypoints (one's arm across the other's face) but not their hips."""
    size = min(a.next_region.size, b.next_region.size)
    spread = float(np.median(np.linalg.norm(a.keypoints - b.keypoints, axis=-1)))
    (ax, ay), (bx, by) = a.next_region.centre, b.next_region.centre
    return spread < SAME_KEYPOINTS * size and math.hypot(ax - bx, ay - by) < SAME_HIPS * size


@dataclass
class _Track:
    id: int
    landmarks: Landmarks
    frame: int  # the last frame tracked
    since: int  # the first frame this id was tracked (before any dropout)
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))

    @property
    def hip(self) -> np.ndarray:
        return self.landmarks.next_region.centre

    @property
    def size(self) -> float:
        return self.landmarks.next_region.size


@dataclass(frozen=True)
class DetectedPerson:
    """One person in one frame: their ``id`` (stable through the video) and :class:`Landmarks`."""

    id: int
    landmarks: Landmarks


def tiles(width: int, height: int) -> list[tuple[int, int, int]]:
    """``(x0, y0, side)`` of the squares along the long side of a ``width x height`` frame: one at each end and
    one in the middle (none for a square frame)."""
    side = min(width, height)
    if width == height:
        return []
    long = max(width, height)
    starts = sorted({0, (long - side) // 2, long - side})
    return [(s, 0, side) if width > height else (0, s, side) for s in starts]


class PeopleDetector:
    """``detector(frame) -> [DetectedPerson]`` for the RGB frames of one video, in order.

    Args:
        settings: :class:`DetectorSettings`.
        threads: ONNX Runtime's intra-op threads (default: posynda's).
        sessions: ``(person detector, landmark model)`` sessions to share between detectors (default: opened
            from the converted BlazePose models, :mod:`posynda.detectors.blazepose_models`).
        side_by_side: landmark sessions that follow several tracked people at once, one person per session at a
            time (default: two of ``threads // 2`` intra-op threads each when ``threads`` is 2 or more and
            ``sessions`` are opened here; none: one person after another).
    """

    def __init__(self, settings: DetectorSettings = DetectorSettings(), threads: int | None = None, sessions=None,
                 side_by_side=None):  # fmt: skip
        self.settings = settings
        threads = threads or chosen_threads()
        if sessions is None:
            sessions = (
                ort_session(str(onnx_file(PERSON_DETECTOR)), threads, spin=False),  # a busy machine: bench live
                ort_session(str(onnx_file(LANDMARKS)), threads, spin=False),
            )
            if side_by_side is None and threads >= 2:  # two at once, each with half the threads
                side_by_side = [ort_session(str(onnx_file(LANDMARKS)), threads // 2, spin=False) for _ in range(2)]
        self.person_session, self.landmark_session = sessions
        self.side_by_side = list(side_by_side or [])
        self._pool = ThreadPoolExecutor(len(self.side_by_side)) if len(self.side_by_side) >= 2 else None
        self.frame = -1
        self.active: list[_Track] = []
        self.ended: list[_Track] = []
        self.next_id = 0
        self.search_until = -1  # the person detector runs on every frame up to this one (a person was lost)

    def _follow(self, image: np.ndarray, tracks: list[_Track]) -> list[Landmarks]:
        """Each track's landmarks in the region their last ones placed: side by side when several people are
        tracked and there are ``side_by_side`` sessions, else one after another (the same numbers)."""
        regions = [t.landmarks.next_region for t in tracks]
        if self._pool is None or len(regions) < 2:
            return [find_landmarks(self.landmark_session, image, region) for region in regions]
        sessions = self.side_by_side
        return list(self._pool.map(lambda k: find_landmarks(sessions[k % len(sessions)], image, regions[k]),
                                   range(len(regions))))  # fmt: skip

    def _boxes(self, image: np.ndarray) -> list[PersonBox]:
        """People the person detector finds on the frame and its tiles, one box per person (best first)."""
        found = detect_people_boxes(self.person_session, image, self.settings.min_detection)
        if self.settings.tiles:
            height, width = image.shape[:2]
            for x0, y0, side in tiles(width, height):
                for box in detect_people_boxes(self.person_session, image[y0 : y0 + side, x0 : x0 + side],
                                               self.settings.min_detection):  # fmt: skip
                    shift = np.array([x0, y0], np.float64)
                    found.append(PersonBox(box.score, box.box + np.tile(shift, 2), box.keypoints + shift))
        found.sort(key=lambda b: -b.score)
        kept: list[PersonBox] = []
        for box in found:
            radius = np.linalg.norm(box.keypoints[1] - box.keypoints[0])
            if all(np.linalg.norm(box.keypoints[0] - k.keypoints[0]) > 0.5 * radius for k in kept):
                kept.append(box)
        return kept

    def _nearer(self, image: np.ndarray, track: _Track, still: list[_Track]) -> Landmarks | None:
        """``track``'s landmarks in its region ``NEARER_SCALE`` times larger, moved on by its velocity, when its
        own region's landmarks lie on the body of a track in ``still``; None when those are someone's in
        ``still`` too or unsure (the flag under ``min_tracking``)."""
        region = track.landmarks.next_region
        centre = np.asarray(region.centre) + track.velocity * max(self.frame - track.frame, 1)
        larger = Region((float(centre[0]), float(centre[1])), region.size * NEARER_SCALE, region.rotation)
        found = find_landmarks(self.landmark_session, image, larger)
        if found.flag < self.settings.min_tracking or any(same_body(found, t.landmarks) for t in still):
            return None
        return found

    def _known(self, box: PersonBox) -> bool:
        hip = box.keypoints[0]
        return any(np.linalg.norm(hip - t.hip) < 0.3 * t.size for t in self.active)

    def _reidentified(self, landmarks: Landmarks) -> _Track | None:
        """The ended track this new one continues (taken out of ``ended``), or None."""
        best, best_distance = None, 0.5
        hip, size = np.asarray(landmarks.next_region.centre), landmarks.next_region.size
        for track in self.ended:
            gap = self.frame - track.frame
            if gap > self.settings.reid_frames or not 0.67 < size / track.size < 1.5:
                continue
            predicted = np.asarray(track.hip) + track.velocity * min(gap, 15)
            distance = np.linalg.norm(hip - predicted) / track.size
            if distance < best_distance:
                best, best_distance = track, distance
        if best is not None:
            self.ended.remove(best)
        return best

    def __call__(self, image: np.ndarray) -> list[DetectedPerson]:
        """The people in the next frame ``image`` (RGB uint8 ``[H, W, 3]``), by id."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise InputError(f"a frame must be RGB uint8 [H, W, 3], got {image.dtype} {list(image.shape)}")
        self.frame += 1
        ended_before = len(self.ended)
        moved = []  # (share of its region the track moved, its index, the track, its landmarks)
        for index, (track, found) in enumerate(zip(self.active, self._follow(image, self.active))):
            if found.flag < self.settings.min_tracking:
                self.ended.append(track)
                continue
            (x, y), (px, py) = found.next_region.centre, track.hip
            moved.append((math.hypot(x - px, y - py) / track.size, index, track, found))
        still: list[_Track] = []
        for _, _, track, found in sorted(moved, key=lambda m: m[:2]):  # who moved least first
            if any(same_body(found, t.landmarks) for t in still):
                found = self._nearer(image, track, still)
                if found is None:
                    self.ended.append(track)
                    continue
            step = np.asarray(found.next_region.centre) - np.asarray(track.hip)
            track.velocity = 0.5 * track.velocity + 0.5 * step / max(self.frame - track.frame, 1)
            track.landmarks, track.frame = found, self.frame
            still.append(track)
        self.active = still
        every = self.settings.detect_every
        if any(self.frame - t.since >= every for t in self.ended[ended_before:]):
            self.search_until = self.frame + every
        if not self.active or self.frame % every == 0 or self.frame <= self.search_until:
            for box in self._boxes(image):
                if len(self.active) >= self.settings.max_people or self._known(box):
                    continue
                found = find_landmarks(self.landmark_session, image, aligned_region(box.keypoints[0], box.keypoints[1]))
                if found.flag < self.settings.min_tracking or any(same_body(found, t.landmarks) for t in self.active):
                    continue
                earlier = self._reidentified(found)
                if earlier is None:
                    earlier = _Track(self.next_id, found, self.frame, self.frame)
                    self.next_id += 1
                self.active.append(_Track(earlier.id, found, self.frame, earlier.since))
        self.ended = [t for t in self.ended if self.frame - t.frame <= self.settings.reid_frames]
        return [DetectedPerson(t.id, t.landmarks) for t in sorted(self.active, key=lambda t: t.id)]
