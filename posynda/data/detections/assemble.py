"""Detected people -> one clip set: masking, H36M conversion, tracking, the camera, the report.

Per person: scores are clipped to [0, 1]; a joint scored below the minimum confidence, or without
finite coordinates, is missing (NaN, confidence 0); the joints are converted to H36M-17 by
:func:`posynda.skeleton.convert_joints` (a joint built from a missing joint is missing), and a person
left with no finite H36M joint is dropped. People then become tracks (:mod:`.tracking`) and each
track one sequence from its first to its last frame, missing (NaN) where the person is absent.
"""

from __future__ import annotations

import warnings

import numpy as np

from posynda.data.clips import ClipSet, validate
from posynda.data.detections.people import Video
from posynda.data.detections.read_options import (
    DEFAULT_MIN_CONFIDENCE,
    ReadOptions,
    default_intrinsics,
    needs_image_size,
    options_camera,
)
from posynda.data.detections.report import DetectionReport, KeypointWarning, SequenceReport, camera_summary
from posynda.data.detections.tracking import Detection, Track, track_people
from posynda.errors import InputError
from posynda.skeleton import JOINT_ORDERS, NUM_JOINTS, convert_joints


def normalised_note(keypoints: np.ndarray, size, name: str) -> str | None:
    """A warning when every finite coordinate lies in [0, 1] although the image is larger than 2 px."""
    finite = keypoints[np.isfinite(keypoints)]
    if finite.size and max(size) > 2 and finite.min() >= 0 and finite.max() <= 1:
        return (
            f"{name}: every keypoint lies within [0, 1], so they look normalised; posynda needs pixels "
            f"(multiply x by the width and y by the height, here {size[0]}x{size[1]})"
        )
    return None


def _detections(video: Video, order: str, min_confidence: float, source) -> dict[int, list[Detection]]:
    joints = JOINT_ORDERS[order][0]
    frames = {}
    for t, people in video.frames.items():
        frame = []
        for person in people:
            kp = np.array(person.keypoints, dtype=np.float64)
            if kp.shape != (joints, 2):
                raise InputError(
                    f"{source}: a detection in frame {t} has {kp.shape[0]} joints; joint order {order!r} has {joints}"
                )
            scores = np.ones(joints) if person.scores is None else np.asarray(person.scores, np.float64)
            scores = np.clip(np.nan_to_num(scores, nan=0.0), 0.0, 1.0)
            missing = ~np.isfinite(kp).all(-1) | (scores < min_confidence)
            if missing.all():
                continue
            kp[missing], scores[missing] = np.nan, 0.0
            h36m, conf = convert_joints(kp, order, scores)
            if not np.isfinite(h36m).any():
                continue
            seen = kp[~missing]
            box = np.concatenate([seen.min(0), seen.max(0)])
            score = float(scores[~missing].mean()) if person.score is None else float(person.score)
            frame.append(Detection(h36m, conf.astype(np.float32), box, person.track, score, _world(person, order)))
        frames[t] = frame
    return frames


def _world(person, order: str) -> np.ndarray | None:
    """The detector's own 3D of ``person`` (metres, in ``order``) as H36M joints, mm, root-relative; None
    without one or with no finite root."""
    if person.world is None:
        return None
    world = np.asarray(person.world, np.float64)
    if world.shape != (JOINT_ORDERS[order][0], 3):
        return None
    h36m = convert_joints(world * 1000.0, order)[0]
    return (h36m - h36m[:1]).astype(np.float32) if np.isfinite(h36m[0]).all() else None


def _sequence(track: Track) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A track's keypoints ``[T, 17, 2]``, confidences ``[T, 17]`` and the detector's own 3D ``[T, 17, 3]``
    (None when no detection had one) on every frame from its first to its last (NaN / 0 between)."""
    start, length = track.frames[0], track.frames[-1] - track.frames[0] + 1
    kp = np.full((length, NUM_JOINTS, 2), np.nan, np.float32)
    conf = np.zeros((length, NUM_JOINTS), np.float32)
    world = None
    for t, det in zip(track.frames, track.detections):
        kp[t - start], conf[t - start] = det.keypoints, det.confidence
        if det.world is not None:
            if world is None:
                world = np.full((length, NUM_JOINTS, 3), np.nan, np.float32)
            world[t - start] = det.world
    return kp, conf, world


def _detector_3d(worlds: list, keypoints: list) -> np.ndarray | None:
    """The sequences' detector 3D as one ``[N, 17, 3]`` array (NaN for a sequence without), or None when no
    sequence has any."""
    if all(w is None for w in worlds):
        return None
    return np.concatenate([np.full(k.shape[:2] + (3,), np.nan, np.float32) if w is None else w
                           for w, k in zip(worlds, keypoints)])  # fmt: skip


def _name(video: Video, track: Track) -> str:
    """``<source>/person<k>`` for the people posynda tracked (its tracker, or its video detector's ids),
    ``<source>/track<id>`` for a file's track ids; ``/part<k>`` after an absence longer than ``max_gap``."""
    part = f"/part{track.part}" if track.part > 1 else ""
    if track.tracked_by == "tracker":
        return f"{video.name}/person{track.label}"
    if video.ids_from == "detector":
        return f"{video.name}/person{track.label}{part}"
    return f"{video.name}/track{track.label}{part}"


def sequence_report(
    name: str, kp: np.ndarray, conf: np.ndarray, track=None, tracked_by=None, first_frame: int = 0
) -> SequenceReport:
    present = np.isfinite(kp).all(-1)
    return SequenceReport(
        name=name,
        frames=len(kp),
        track=track,
        tracked_by=tracked_by,
        missing_pct=float((~present).mean() * 100),
        mean_confidence=float(conf[present].mean()) if present.any() else 0.0,
        first_frame=int(first_frame),
    )


def assemble(videos: list[Video], options: ReadOptions, source, format_name: str, what: str):
    """Videos of detected people -> ``(ClipSet, DetectionReport)`` (module docstring); ``what`` names the
    format in messages ("a COCO keypoint results file").

    Raises:
        InputError: no image size (neither the file nor ``options``), joint counts that do not fit the
            joint order, or nobody detected with a joint at or above the minimum confidence.
    """
    min_confidence = DEFAULT_MIN_CONFIDENCE if options.min_confidence is None else options.min_confidence
    keypoints, confidence, names, sizes, cameras, reports = [], [], [], [], [], []
    source_frames, people, worlds = [], [], []
    notes: list[str] = []
    cautions: list[str] = []
    for video in videos:
        order = options.joint_order or video.order
        size = options.image_size or video.image_size
        if size is None:
            raise needs_image_size(source, what)
        size = (int(size[0]), int(size[1]))
        cam = options_camera(size, options)
        cam = default_intrinsics(*size) if cam is None else cam
        notes.extend(video.notes)
        tracks, track_notes = track_people(
            _detections(video, order, min_confidence, source), options.tracking, options.max_gap, options.iou_threshold
        )
        notes.extend(f"{video.name}: {n}" for n in track_notes)
        for track in tracks:
            kp, conf, world = _sequence(track)
            worlds.append(world)
            name = _name(video, track)
            keypoints.append(kp)
            confidence.append(conf)
            names.append(name)
            sizes.append(size)
            cameras.append(cam)
            if track.frames[-1] > np.iinfo(np.int32).max:
                raise InputError(f"{source}: frame number {track.frames[-1]} is beyond {np.iinfo(np.int32).max}")
            source_frames.append(np.arange(track.frames[0], track.frames[0] + len(kp)))
            people.append(track.label)
            by = video.ids_from if track.tracked_by == "file" else track.tracked_by
            reports.append(sequence_report(name, kp, conf, track.label, by, track.frames[0]))
        if tracks:
            warning = normalised_note(np.concatenate(keypoints[-len(tracks) :]), size, video.name)
            if warning:
                warnings.warn(warning, KeypointWarning, stacklevel=3)
                cautions.append(warning)
    if not keypoints:
        least = f"{min_confidence:g} (--min-confidence)"
        raise InputError(f"{source}: no person detected with a joint scored at least {least}")
    clips = ClipSet(
        keypoints_2d=np.concatenate(keypoints),
        seq_index=np.repeat(np.arange(len(keypoints)), [len(k) for k in keypoints]).astype(np.int32),
        camera=np.stack(cameras).astype(np.float32),
        image_size=np.array(sizes, np.int32),
        confidence=np.concatenate(confidence),
        seq_name=np.array(names),
        source_frame=np.concatenate(source_frames).astype(np.int32),
        person=np.array(people),
        detector_3d=_detector_3d(worlds, keypoints),
    )
    clips = validate(clips, source=str(source))
    camera = camera_summary(clips.camera, clips.image_size, options, from_file=False)
    return clips, DetectionReport(str(source), format_name, camera, tuple(reports), tuple(notes), tuple(cautions))
