"""People over frames: by the file's track ids, or by a greedy keypoint-box IoU tracker.

* **Track ids** (``tracking="auto"`` and every detection carries one): a track is every detection of
  an id; two detections of one id in a frame keep the higher-scored one.
* **Greedy tracker** (otherwise): frame by frame, detections in order of their score, each pair
  (live track, detection) is scored by the IoU of the track's last keypoint box and the detection's
  box; pairs are matched greedily from the highest IoU down while the IoU is at least
  ``iou_threshold`` (default 0.3, MMPose's IoU tracking threshold); an unmatched detection starts a
  track. When no frame holds more than one detection the file is one person and every detection
  continues the live track, however far it moved.

A track absent for at most ``max_gap`` frames (default 10) keeps its id; those frames become missing
(NaN) frames of its sequence, which the lifter fills by interpolation. A longer absence ends the track:
the tracker starts a new one when the person is seen again, and a track id's detections are split
into parts there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Detection:
    """One person in one frame, converted: ``keypoints [17, 2]`` H36M pixels (NaN = missing),
    ``confidence [17]``, the ``box [4]`` (x0, y0, x1, y1) of its finite source keypoints, the file's
    ``track`` id or None, and its ``score``; ``world [17, 3]`` the detector's own 3D (H36M, mm, root-relative,
    camera axes) or None."""

    keypoints: np.ndarray
    confidence: np.ndarray
    box: np.ndarray
    track: str | None
    score: float
    world: np.ndarray | None = None


@dataclass
class Track:
    """A person over frames: ``label`` (the file's id, or the tracker's number), who tracked it
    ("file" or "tracker"), the ``part`` of a file id split at a long gap (1, 2, ...), and its
    detections with their frame numbers (increasing)."""

    label: str
    tracked_by: str
    part: int = 1
    frames: list[int] = field(default_factory=list)
    detections: list[Detection] = field(default_factory=list)


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of boxes ``(x0, y0, x1, y1)``; 0 for two boxes without area."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(w, 0.0) * max(h, 0.0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def track_people(
    frames: dict[int, list[Detection]], tracking: str, max_gap: int, iou_threshold: float
) -> tuple[list[Track], list[str]]:
    """``{frame number: detections}`` -> tracks in order of first appearance, and notes for the report."""
    frames = dict(sorted(frames.items()))
    detections = [d for frame in frames.values() for d in frame]
    with_ids = sum(d.track is not None for d in detections)
    notes = []
    if tracking == "auto" and detections and with_ids == len(detections):
        return by_track_ids(frames, max_gap, notes), notes
    if tracking == "auto" and with_ids:
        notes.append(f"only {with_ids} of {len(detections)} detections have a track id: the tracker assigns people")
    single = max((len(f) for f in frames.values()), default=0) <= 1
    return greedy_tracks(frames, max_gap, 0.0 if single else iou_threshold), notes


def by_track_ids(frames: dict[int, list[Detection]], max_gap: int, notes: list[str]) -> list[Track]:
    """Group by the file's ids (in order of first appearance), split where an id is absent for more than
    ``max_gap`` frames."""
    groups: dict[str, Track] = {}
    duplicates = 0
    for t, frame in sorted(frames.items()):
        best: dict[str, Detection] = {}
        for det in frame:
            if det.track in best:
                duplicates += 1
                if det.score <= best[det.track].score:
                    continue
            best[det.track] = det
        for key, det in best.items():
            track = groups.setdefault(key, Track(label=key, tracked_by="file"))
            track.frames.append(t)
            track.detections.append(det)
    if duplicates:
        notes.append(f"{duplicates} detections repeat a track id within a frame: the higher-scored one is kept")
    tracks = []
    for whole in groups.values():
        part = Track(label=whole.label, tracked_by="file")
        for t, det in zip(whole.frames, whole.detections):
            if part.frames and t - part.frames[-1] - 1 > max_gap:
                tracks.append(part)
                part = Track(label=whole.label, tracked_by="file", part=part.part + 1)
            part.frames.append(t)
            part.detections.append(det)
        tracks.append(part)
    return sorted(tracks, key=lambda tr: tr.frames[0])  # stable: parts of one id stay in order


def greedy_tracks(frames: dict[int, list[Detection]], max_gap: int, iou_threshold: float) -> list[Track]:
    """The greedy IoU tracker of the module docstring; tracks numbered 0, 1, ... in order of appearance."""
    tracks: list[Track] = []
    for t, frame in sorted(frames.items()):
        ranked = sorted(range(len(frame)), key=lambda i: -frame[i].score)
        live = [k for k, tr in enumerate(tracks) if t - tr.frames[-1] - 1 <= max_gap]
        scored = [
            (box_iou(tracks[k].detections[-1].box, frame[i].box), k, r) for k in live for r, i in enumerate(ranked)
        ]
        pairs = sorted(scored, key=lambda p: (-p[0], p[1], p[2]))
        used_tracks, used = set(), set()
        for iou, k, rank in pairs:
            if iou < iou_threshold:
                break
            if k in used_tracks or rank in used:
                continue
            used_tracks.add(k)
            used.add(rank)
            tracks[k].frames.append(t)
            tracks[k].detections.append(frame[ranked[rank]])
        for rank, i in enumerate(ranked):
            if rank not in used:
                tracks.append(Track(label=str(len(tracks)), tracked_by="tracker", frames=[t], detections=[frame[i]]))
    return tracks
