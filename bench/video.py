"""The video path end to end: labelled 3D poses filmed as a mannequin, found by BlazePose, lifted, scored.

    posynda bench video [--suite embedded|bandai --data-dir DIR] [--checkpoint M ...] [--frames 150]
                        [--size 640x480] [--save]

Each sequence of the labelled clips (embedded ``wild/test``, or Bandai's ``target-test``: real
motion) gives its first ``frames`` frames, filmed by a camera that keeps the person centred at 60 %
of the frame height (:func:`posynda.data.footage.framing_camera`) as a flat-shaded mannequin
(:func:`~posynda.data.footage.render_mannequin`), encoded to H.264 and read back like any user's
video: BlazePose runs on every frame for every person as ``posynda lift --video`` runs it
(:func:`posynda.data.detections.video.detect_people`, then the same assembly). Every checkpoint is
then scored on the same frames twice -- from the true 2D (the joints projected through that camera)
and from the detected 2D (frames where BlazePose saw nobody are missing and filled by interpolation
over time, as ``posynda lift`` does) -- with H 1, K 1, flip. The difference is what the detector
costs. Two more rows lift the detected 2D as ``posynda lift --video`` does: each sequence turned to BlazePose's
own 3D (:mod:`posynda.runtime.orientation`), and also fused with it (:mod:`posynda.runtime.fusion`, the
default). Two rows need no model: **BlazePose's own 3D** (its world landmarks, hip-centred, scored on the frames
it found the person in) and a **constant pose** (the mean root-relative pose of the truth itself).
Also recorded: how many frames BlazePose found a person in, its 2D error against the projected joints
(median / 90th percentile, px and % of the person's height; per joint), and its speed.

**End to end** (:func:`end_to_end`): pixels to 3D at camera rate -- one person filmed at 1920 x 1080 (``bench
live``'s mannequin), read unpaced through ``posynda lift --video --stream``'s pipeline with the shipped model and
with its causal twin (``--causal``), beside MediaPipe's own BlazePose 3D on the same frames: frames/s over the
whole wall time and where the time goes (reading, people, lifting). ``posynda bench live`` times the same with
two people, on a busy machine and in C.

The mannequin is not a person: BlazePose's error here is not its error on real footage, and H36M's
joints are not BlazePose's (its hips sit lower than H36M's hip centres), so part of the 2D error is
that definition gap. No target 3D is used by anything but the scoring.

Writes ``video.json`` and ``video.md``, after every scored row as well (``on_row``).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from posynda.bench import live
from posynda.bench.results import RowCallback, no_rows
from posynda.camera import project
from posynda.checkpoint import load_checkpoint
from posynda.data import ClipSet, concatenate
from posynda.data.detections import ReadOptions
from posynda.data.detections.video import detect_people, video_clips
from posynda.data.footage import framing_camera, render_mannequin
from posynda.data.video import VideoReader, write_video
from posynda.defaults import shipped_checkpoint
from posynda.environment import machine_info
from posynda.errors import InputError
from posynda.evaluate import evaluate
from posynda.metrics import summarize
from posynda.report import markdown_table
from posynda.runtime import Lifter
from posynda.runtime.fusion import DEFAULT_WEIGHT
from posynda.runtime.settings import SamplingSettings
from posynda.skeleton import H36M_JOINT_NAMES, NUM_JOINTS

DEFAULT_FRAMES = 150
DEFAULT_SIZE = (640, 480)
FILL = 0.6  # the person's height, share of the frame's
EVAL = SamplingSettings(hypotheses=1, steps=1, flip=True)
ORIENTED = "BlazePose on the video, oriented by its 3D"
FUSED = "BlazePose on the video, oriented by and fused with its 3D (`lift --video`)"
LIFT_VIDEO_ROWS = ((ORIENTED, "detector", 0.0), (FUSED, "detector", DEFAULT_WEIGHT))  # input row, orient, weight


@dataclasses.dataclass
class Filmed:
    """One sequence filmed and detected: its truth (``ClipSet`` with the true 2D and 3D) and the detected
    2D over the same frames (``keypoints [T, 17, 2]`` NaN where nobody was found, ``confidence [T, 17]``)."""

    truth: ClipSet
    detected: np.ndarray
    confidence: np.ndarray
    render_s: float
    detect_s: float
    world: np.ndarray | None = None  # [T, 17, 3] mm BlazePose's own 3D (root-relative), NaN where not found


def film_sequence(clips: ClipSet, s: int, frames: int, size, folder: Path) -> Filmed:
    """Film the first ``frames`` frames of sequence ``s`` of ``clips`` into ``folder/<s>.mp4`` and detect them."""
    start, stop = (int(v) for v in clips.sequence_bounds()[s])
    stop = min(stop, start + frames)
    joints = clips.joints_3d[start:stop].astype(np.float64)
    cam = framing_camera(joints, size, FILL)
    fps = float(clips.fps[s]) if clips.fps is not None and np.isfinite(clips.fps[s]) else 50.0
    path = folder / f"{s:03d}.mp4"
    t0 = time.perf_counter()
    write_video(path, render_mannequin(joints, cam, size), fps, size)
    t1 = time.perf_counter()
    kp = np.full((stop - start, NUM_JOINTS, 2), np.nan, np.float32)
    conf = np.zeros((stop - start, NUM_JOINTS), np.float32)
    world = np.full((stop - start, NUM_JOINTS, 3), np.nan)
    with VideoReader(path) as reader:  # what `posynda lift --video` does, keeping BlazePose's own 3D
        people = detect_people(reader)
        fps_read = reader.fps
    try:
        found, _ = video_clips(path, people, size, fps_read, ReadOptions(intrinsics=tuple(float(v) for v in cam)))
    except InputError:  # nobody detected in any frame
        found = None
    t2 = time.perf_counter()
    if found is not None:
        for q, frames_of in found.iter_sequences():
            numbers = found.source_frames(q)
            kp[numbers] = found.keypoints_2d[frames_of]
            conf[numbers] = found.confidence[frames_of]
            if found.detector_3d is not None:
                world[numbers] = found.detector_3d[frames_of]
    truth = ClipSet.single_sequence(
        project(joints, cam.astype(np.float64)).astype(np.float32), cam, size, fps=fps, name=clips.sequence_names()[s]
    )
    truth = dataclasses.replace(truth, joints_3d=joints.astype(np.float32))
    return Filmed(truth, kp, conf, t1 - t0, t2 - t1, world)


def detection_stats(filmed: list[Filmed]) -> dict:
    """Frames with a person, 2D error against the projected joints (px, and % of the person's height)."""
    truth = np.concatenate([f.truth.keypoints_2d for f in filmed])
    found = np.concatenate([f.detected for f in filmed])
    scores = np.concatenate([f.confidence for f in filmed])
    height = np.concatenate(
        [np.ptp(f.truth.keypoints_2d[..., 1], axis=-1) for f in filmed]
    )  # per frame, px (top of the head to the lower ankle)
    err = np.linalg.norm(found - truth, axis=-1)  # [N, 17], NaN where missing
    seen = np.isfinite(err)
    rel = err / height[:, None] * 100
    return {
        "frames": int(len(found)),
        "frames_with_person": int(seen.any(-1).sum()),
        "joints_found_pct": float(seen.mean() * 100),
        "joints_scored_03_pct": float((seen & (scores >= 0.3)).mean() * 100),  # the share other detectors' files keep
        "error_px_median": float(np.nanmedian(err)),
        "error_px_p90": float(np.nanpercentile(err, 90)),
        "error_pct_height_median": float(np.nanmedian(rel)),
        "person_height_px_median": float(np.median(height)),
        "per_joint_error_px_median": {H36M_JOINT_NAMES[j]: float(np.nanmedian(err[:, j])) for j in range(NUM_JOINTS)},
        "render_fps": float(len(found) / sum(f.render_s for f in filmed)),
        "detect_fps": float(len(found) / sum(f.detect_s for f in filmed)),
    }


def end_to_end(folder: Path, frames: int, size: tuple[int, int], log=print) -> list[dict]:
    """The end-to-end rows (module docstring): one mannequin filmed at ``size``, ``frames`` frames timed after a
    warm-up one, per method ``{"method", "size", "fps", "read_ms", "people_ms", "lift_ms", "latency_frames",
    "latency_p50_ms", ...}`` (ms per frame; :func:`posynda.bench.live.time_posynda`)."""
    path = live.film(folder, 1, frames + 1, size)
    settings = SamplingSettings()  # lift's defaults
    timings = [(live.POSYNDA, lambda: live.time_posynda(path, Lifter(shipped_checkpoint()), settings, frames)),
               (live.POSYNDA_CAUSAL,
                lambda: live.time_posynda(path, Lifter(shipped_checkpoint(causal=True)), settings, frames)),
               (live.MEDIAPIPE, lambda: live.time_mediapipe(path, frames))]  # fmt: skip
    rows = []
    for method, timed in timings:
        rows.append({"method": method, "size": list(size), **timed()})
        log(f"end to end, {method}: {rows[-1]['fps']:.1f} frames/s")
    return rows


def check_size(size: tuple[int, int]) -> None:
    """InputError unless the video size ``(W, H)`` is even (H.264)."""
    if size[0] % 2 or size[1] % 2:
        raise InputError(f"size {size[0]}x{size[1]} must be even (H.264)", parameter="size")


def run_video(
    checkpoints: dict[str, Path],
    clips: ClipSet,
    out_dir,
    frames: int = DEFAULT_FRAMES,
    size=DEFAULT_SIZE,
    max_sequences: int | None = None,
    log=print,
    data: str = "",
    on_row: RowCallback = no_rows,
    end_to_end_size: tuple[int, int] | None = live.DEFAULT_SIZE,
) -> dict:
    """Film, detect and score (module docstring); returns the ``video.json`` content. ``on_row`` gets the
    result so far after every scored row (model x input). ``end_to_end_size``: the end-to-end rows' video size
    (None: no end-to-end rows)."""
    if not clips.has_3d:
        raise InputError("bench video: the clips have no 'joints_3d' to film")
    check_size(size)
    if end_to_end_size is not None:
        check_size(end_to_end_size)
    folder = Path(out_dir) / "videos"
    folder.mkdir(parents=True, exist_ok=True)
    count = clips.num_sequences if max_sequences is None else min(max_sequences, clips.num_sequences)
    filmed = []
    for s in range(count):
        filmed.append(film_sequence(clips, s, frames, size, folder))
        f = filmed[-1]
        found = int(np.isfinite(f.detected).any((1, 2)).sum())
        log(f"video {s + 1}/{count}: {f.truth.num_frames} frames, a person in {found}")
    seen = [f for f in filmed if np.isfinite(f.detected).any()]
    if not seen:
        raise InputError("bench video: BlazePose found nobody in any video")
    truth = concatenate([f.truth for f in seen])
    detected = dataclasses.replace(
        truth,
        keypoints_2d=np.concatenate([f.detected for f in seen]),
        confidence=np.concatenate([f.confidence for f in seen]),
        detector_3d=np.concatenate([f.world for f in seen]).astype(np.float32),
    )
    result = {
        "data": data,
        "sequences": count,
        "sequences_with_person": len(seen),
        "frames_per_sequence": frames,
        "image_size": list(size),
        "fill": FILL,
        "settings": dataclasses.asdict(EVAL),
        "detection": detection_stats(filmed),
        "rows": [],
        "end_to_end": [],
        "machine": machine_info(),
    }
    joints = truth.joints_3d.astype(np.float64)
    blaze = np.concatenate([f.world for f in seen])
    with_3d = np.isfinite(blaze).all((1, 2))
    constant = np.broadcast_to((joints - joints[:, :1]).mean(0), joints.shape)
    for source, poses, frames in (("BlazePose's own 3D (world landmarks)", blaze, with_3d),
                                  ("constant pose (mean of the truth)", constant, None)):  # fmt: skip
        m = summarize(np.nan_to_num(poses), joints, frames)
        result["rows"].append({"model": "-", "input": source, "mpjpe": m["mpjpe"], "p_mpjpe": m["p_mpjpe"],
                               "pck": m["pck"], "frames": m["frames"]})  # fmt: skip
    for name, path in checkpoints.items():
        model = load_checkpoint(path, "cpu")
        for source, inputs in (("true 2D (projected joints)", truth), ("BlazePose on the video", detected)):
            m = evaluate(model, inputs, EVAL)
            result["rows"].append({"model": name, "input": source, "mpjpe": m["mpjpe"], "p_mpjpe": m["p_mpjpe"],
                                   "pck": m["pck"]})  # fmt: skip
            on_row(result)
            log(f"{name}, {source}: MPJPE {m['mpjpe']:.1f} mm")
        for label, orient, weight in LIFT_VIDEO_ROWS:  # as `lift --video` lifts: the detector's own 3D used
            poses = Lifter(path).lift(detected.without_3d(), EVAL, orient=orient, detector_weight=weight)
            m = summarize(poses.root_relative_mm, joints)
            result["rows"].append({"model": name, "input": label, "mpjpe": m["mpjpe"], "p_mpjpe": m["p_mpjpe"],
                                   "pck": m["pck"]})  # fmt: skip
            on_row(result)
            log(f"{name}, {label}: MPJPE {m['mpjpe']:.1f} mm")
    if end_to_end_size is not None:
        result["end_to_end"] = end_to_end(folder, result["frames_per_sequence"], end_to_end_size, log)
        on_row(result)
    return result


def markdown(result: dict) -> str:
    """The scores per model and input, then the detector's figures."""
    body = [
        [r["model"], r["input"], f"{r['mpjpe']:.1f}", f"{r['p_mpjpe']:.1f}", f"{r['pck']:.1f}"] for r in result["rows"]
    ]
    d = result["detection"]
    w, h = result["image_size"]
    head = (
        f"Mannequin videos of {result['data']} ({result['sequences']} sequences x up to "
        f"{result['frames_per_sequence']} frames, {w}x{h} px, the person {100 * result['fill']:.0f} % of the height), "
        f"BlazePose, lifted with H 1, K 1, flip; MPJPE / P-MPJPE in mm, PCK in %.\n\n"
    )
    detector = (
        f"\n\nBlazePose found a person in {d['frames_with_person']} of {d['frames']} frames "
        f"({d['joints_found_pct']:.1f} % of the joints, {d['joints_scored_03_pct']:.1f} % scored 0.3 or more: a "
        "video keeps every landmark); 2D error against the projected "
        f"joints: median {d['error_px_median']:.1f} px ({d['error_pct_height_median']:.1f} % of a "
        f"{d['person_height_px_median']:.0f} px person), 90th percentile {d['error_px_p90']:.1f} px; "
        f"{d['detect_fps']:.1f} frames/s detected, {d['render_fps']:.1f} frames/s drawn and encoded.\n\n"
    )
    joints = d["per_joint_error_px_median"]
    joint_table = markdown_table(["joint", *joints], [["median 2D error, px", *(f"{v:.1f}" for v in joints.values())]])
    text = head + markdown_table(["model", "input", "MPJPE", "P-MPJPE", "PCK"], body) + detector + joint_table
    rows = result.get("end_to_end") or []
    if rows:
        w, h = rows[0]["size"]
        text += (f"\n\nEnd to end, pixels to 3D: one person filmed at {w}x{h}, {rows[0]['frames']} frames read "
                 "unpaced after a warm-up one; ms per frame; L: the frames a pose waits for (bench live: two "
                 "people, a busy machine, C).\n\n")  # fmt: skip
        text += markdown_table(
            ["method", "frames/s", "reading ms", "people ms", "lifting ms", "L frames", "latency p50 ms"],
            [[r["method"], f"{r['fps']:.1f}", live.cell(r["read_ms"]), live.cell(r["people_ms"]),
              live.cell(r["lift_ms"]), live.cell(r["latency_frames"], 0), live.cell(r["latency_p50_ms"], 0)]
             for r in rows],
        )  # fmt: skip
    return text
