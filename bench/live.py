"""Pixels to 3D at camera rate: the live pipeline of ``posynda lift --video SOURCE --stream`` timed end to end,
beside MediaPipe's own BlazePose (one person, its own 3D), on an idle and on a busy machine.

    posynda bench live [--video V ...] [--frames 150] [--size 1920x1080] [--save]

Videos: mannequins filmed at ``--size`` (1080p by default) from the embedded wild/test motion -- one person,
and two side by side -- and any ``--video`` given (e.g. Pose2Sim's ``Demo_MultiPerson/videos/cam01.mp4``, two
real people, 1088 x 1920). Each is read as fast as it decodes (a file, not paced) through
:class:`posynda.runtime.live.LivePipeline` -- every person found, tracked, lifted by their own stream (the
shipped model, H 1, K 1, flip: ``lift``'s defaults) -- and timed per stage: **reading** (ffmpeg's decode and
the pipe), **people** (BlazePose's person detector and landmark model through ONNX Runtime, for every person)
and **lifting** (every person's stream). End-to-end frames/s is frames over the whole wall time. The latency of
a pose is ``L = T - 1`` frames (the window's look-ahead: 26 with the shipped model) plus the work: at the
source's own rate ``L / fps + one frame's work`` when posynda keeps up; here, unpaced, it is measured as
``L`` frames of posynda's work (the p50 / p99 of :attr:`LivePose.latency_ms`). The causal row lifts with the
shipped causal model (``lift --video --stream --causal``): ``L = 0``, one window per frame and person, so its
latency is one frame's work. The baseline row of the detector's side-by-side following of several people
(:class:`posynda.detectors.PeopleDetector`) runs the shipped model's pipeline with people followed one after
another. The comparison row runs
MediaPipe's legacy Pose solution (the same BlazePose models, TFLite with XNNPACK, one person, its
``pose_world_landmarks`` 3D) on the same frames. The C rows run the same pipeline in libposynda alone
(``examples/video_people.c``: BlazePose's graphs and the exported lifter through ONNX Runtime, BlazePose's 3D used
as ``lift --video --stream`` uses it; its baseline row follows tracked people one after another),
fed the decoded frames through a pipe by ffmpeg, when the checkout's libposynda is built; their frames/s is what
the program measures from its first frame (not a warm-up one) to its last. **Busy**: one other process keeps
both cores busy meanwhile (:func:`posynda.bench.threads.busy_machine`).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from contextlib import nullcontext
from functools import partial
from pathlib import Path

import numpy as np

from posynda.bench.engine import tool_path
from posynda.bench.threads import busy_machine
from posynda.data import load_clips
from posynda.data.detections.blazepose import BlazePose
from posynda.data.footage import BACKGROUND, framing_camera, render_mannequin
from posynda.data.video import VideoReader, write_video
from posynda.defaults import default_clips_path, shipped_checkpoint
from posynda.detectors import PeopleDetector
from posynda.environment import machine_info
from posynda.errors import InputError
from posynda.export.exporter import ExportOptions, run_export
from posynda.extras import require
from posynda.report import markdown_table
from posynda.runtime import Lifter, SamplingSettings
from posynda.runtime.live import Arrivals, LivePipeline, StageTimes

DEFAULT_FRAMES = 150
DEFAULT_SIZE = (1920, 1080)
FILMED_FPS = 30.0
SIDE_MM = 700.0  # how far apart two filmed people stand (camera x)
LOADS = ("idle", "busy")
POSYNDA = "posynda live (lift --video --stream)"
POSYNDA_CAUSAL = "posynda live, causal (--stream --causal)"
POSYNDA_ONE_BY_ONE = "posynda live, people one after another (the baseline of side by side)"
C_PIPELINE = "libposynda C pipeline (video_people)"
C_PIPELINE_CAUSAL = "libposynda C pipeline, causal"
C_ONE_BY_ONE = "libposynda C pipeline, people one after another (the baseline of side by side)"
MEDIAPIPE = "MediaPipe Pose (one person, its own 3D)"


def film(folder: Path, people: int, frames: int, size: tuple[int, int]) -> Path:
    """A mannequin video of ``people`` (1 or 2) from the embedded wild/test's first sequences, side by side."""
    clips = load_clips(default_clips_path("wild", "test"))
    motions = []
    for k in range(people):
        start, stop = (int(v) for v in clips.sequence_bounds()[k])
        joints = clips.joints_3d[start : min(stop, start + frames)].astype(np.float64)
        joints = joints - joints[:1, :1] + np.array([SIDE_MM * (k - (people - 1) / 2), 0.0, 4000.0])
        motions.append(joints)
    length = min(len(m) for m in motions)
    camera = framing_camera(motions[0][:length], size)
    if people > 1:
        camera[2] = size[0] / 2  # the pair centred on the camera's axis, not the first person
    renders = [render_mannequin(m[:length], camera, size) for m in motions]
    frames_out = []
    for pictures in zip(*renders):
        frame = pictures[0]
        for other in pictures[1:]:
            frame = np.where((other != BACKGROUND).any(-1, keepdims=True), other, frame)
        frames_out.append(frame)
    path = folder / f"mannequin-{people}-{size[0]}x{size[1]}.mp4"
    write_video(path, frames_out, FILMED_FPS, size)
    return path


def time_posynda(path: Path, lifter: Lifter, settings: SamplingSettings, count: int,
                 side_by_side: bool = True) -> dict:  # fmt: skip
    """The live pipeline over the ``count`` frames of ``path`` after the first (module docstring);
    ``side_by_side=False``: its detector follows tracked people one after another."""
    latencies, people_seen = [], []
    with VideoReader(path) as reader:
        detector = None if side_by_side else PeopleDetector(side_by_side=[])
        pipeline = LivePipeline(lifter, settings=settings, detector=detector)
        images = iter(reader)
        pipeline.push(next(images))  # the first frame, untimed: sessions and caches warm up
        pipeline.times = StageTimes()
        started, frames = time.perf_counter(), Arrivals(images)
        for image, arrived in frames:
            latencies += [p.latency_ms for p in pipeline.push(image, arrived)]
            people_seen.append(len(pipeline.people))
            if pipeline.times.frames == count:
                break
        latencies += [p.latency_ms for p in pipeline.finish()]
        wall = time.perf_counter() - started
    done = max(pipeline.times.frames, 1)
    percentile = (lambda q: float(np.percentile(latencies, q))) if latencies else (lambda q: None)
    return {"frames": pipeline.times.frames, "fps": pipeline.times.frames / wall,
            "read_ms": 1000 * frames.waited_s / done,
            "people_ms": 1000 * pipeline.times.detect_s / done, "lift_ms": 1000 * pipeline.times.lift_s / done,
            "latency_p50_ms": percentile(50), "latency_p99_ms": percentile(99),
            "people": float(np.mean(people_seen)) if people_seen else 0.0,
            "latency_frames": lifter.latency}  # fmt: skip


def time_c_pipeline(path: Path, tool: Path, deploy: Path, count: int, options: tuple[str, ...] = ()) -> dict:
    """libposynda's pipeline (``tool``: posynda_video on ``deploy``, an export with ``--detector``; ``options``:
    the program's, e.g. ``--one-after-another``) over the first ``count`` frames of ``path`` (no warm-up frame:
    its first one is timed too), decoded by ffmpeg into its standard input."""
    require("imageio_ffmpeg", purpose="feeding the C pipeline decoded frames")
    import imageio_ffmpeg  # noqa: PLC0415 - the [video] extra

    with VideoReader(path) as reader:
        width, height = reader.size
    decode = subprocess.Popen([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(path), "-frames:v",
                               str(count), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                              stdout=subprocess.PIPE)  # fmt: skip
    done = subprocess.run([str(tool), str(deploy / "denoiser.onnx"), str(deploy), str(width), str(height), *options],
                          stdin=decode.stdout, capture_output=True, text=True)  # fmt: skip
    decode.stdout.close()
    decode.wait()
    found = re.search(r"(\d+) frames, ([0-9.]+) frames/s", done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"posynda_video failed: {done.stderr.strip()}")
    people = {line.split(",")[1] for line in done.stdout.splitlines()}
    return {"frames": int(found[1]), "fps": float(found[2]), "read_ms": None, "people_ms": None, "lift_ms": None,
            "latency_p50_ms": None, "latency_p99_ms": None, "people": float(len(people)),
            "latency_frames": None}  # fmt: skip


def time_mediapipe(path: Path, count: int) -> dict:
    """MediaPipe's own BlazePose (one person, its 3D) over the same ``count`` frames, reading included."""
    running, done = 0.0, 0
    with VideoReader(path) as reader, BlazePose() as blazepose:
        images = iter(reader)
        blazepose(next(images))  # the first frame, untimed: MediaPipe's graph starts
        started, frames = time.perf_counter(), Arrivals(images)
        for image, arrived in frames:
            blazepose(image)
            running, done = running + time.perf_counter() - arrived, done + 1
            if done == count:
                break
        wall = time.perf_counter() - started
    per_frame = 1000.0 / max(done, 1)
    return {"frames": done, "fps": done / wall, "read_ms": frames.waited_s * per_frame,
            "people_ms": running * per_frame, "lift_ms": None, "latency_p50_ms": None, "latency_p99_ms": None,
            "people": None, "latency_frames": 0}  # fmt: skip


def run(out_dir, videos: list[str] = (), frames: int = DEFAULT_FRAMES, size=DEFAULT_SIZE, loads=LOADS,
        log=print, on_row=None) -> dict:  # fmt: skip
    """The benchmark (module docstring); returns the ``live.json`` content."""
    folder = Path(out_dir) / "videos"
    folder.mkdir(parents=True, exist_ok=True)
    sources = [(f"{k} mannequin{'s' if k > 1 else ''}, {size[0]}x{size[1]}", film(folder, k, frames + 1, size))
               for k in (1, 2)] + [(Path(v).name, Path(v)) for v in videos]  # fmt: skip
    lifters = {POSYNDA: Lifter(shipped_checkpoint()), POSYNDA_CAUSAL: Lifter(shipped_checkpoint(causal=True))}
    settings = SamplingSettings()  # lift's defaults
    c_rows = _c_deploys(folder.parent, log)
    result = {"frames": frames, "settings": {"hypotheses": settings.hypotheses, "steps": settings.steps,
                                             "flip": settings.flip}, "rows": [], "machine": machine_info()}  # fmt: skip
    for load in loads:
        with busy_machine(1) if load == "busy" else nullcontext():
            for name, path in sources:
                with VideoReader(path) as reader:
                    size_of = reader.size
                timings = [(method, partial(time_posynda, path, lifter, settings, frames))
                           for method, lifter in lifters.items()]  # fmt: skip
                one_by_one = partial(time_posynda, path, lifters[POSYNDA], settings, frames, side_by_side=False)
                timings.append((POSYNDA_ONE_BY_ONE, one_by_one))
                timings += [(method, partial(time_c_pipeline, path, tool, deploy, frames, options))
                            for method, (tool, deploy, options) in c_rows.items()]  # fmt: skip
                timings.append((MEDIAPIPE, partial(time_mediapipe, path, frames)))
                for method, timed in timings:
                    row = {"video": name, "size": list(size_of), "load": load, "method": method, **timed()}
                    result["rows"].append(row)
                    log(f"{load}, {name}, {method}: {row['fps']:.1f} frames/s")
                    if on_row is not None:
                        on_row(result)
    return result


def _c_deploys(folder: Path, log) -> dict:
    """``{method: (posynda_video, export folder, its options)}`` of the C rows: the shipped model and its causal
    twin exported with ``--detector``, and the shipped model with people followed one after another; none (said
    once) where libposynda is not built."""
    try:
        tool = tool_path("posynda_video")
    except InputError as exc:
        log(f"no libposynda rows: {exc}")
        return {}
    deploys = {}
    for method, causal in ((C_PIPELINE, False), (C_PIPELINE_CAUSAL, True)):
        out = Path(tempfile.mkdtemp(prefix="deploy-", dir=folder))
        run_export(shipped_checkpoint(causal=causal), out, options=ExportOptions(detector=True), log=lambda _m: None)
        deploys[method] = (tool, out, ())
    deploys[C_ONE_BY_ONE] = (tool, deploys[C_PIPELINE][1], ("--one-after-another",))
    return deploys


def _frames(value) -> str:
    return "–" if value is None else str(value)


def cell(value, digits: int = 1) -> str:
    """A table cell: ``value`` with ``digits`` decimals, '–' for None."""
    return "–" if value is None else f"{value:.{digits}f}"


def markdown(result: dict) -> str:
    """One row per video, load and method."""
    settings = result["settings"]
    head = (f"Pixels to 3D, end to end, {result['frames']} frames per video read unpaced, after one warm-up frame; "
            f"posynda: the shipped model (causal: its causal twin), H {settings['hypotheses']}, K "
            f"{settings['steps']}, flip; ms per frame; latency in frames (L) and ms.\n\n")  # fmt: skip
    body = [[r["video"], r["load"], r["method"], cell(r["fps"]), cell(r["read_ms"]), cell(r["people_ms"]),
             cell(r["lift_ms"]), cell(r["people"]), _frames(r.get("latency_frames")),
             cell(r["latency_p50_ms"], 0), cell(r["latency_p99_ms"], 0)]
            for r in result["rows"]]  # fmt: skip
    headers = ["video", "machine", "method", "frames/s", "reading ms", "people ms", "lifting ms", "people tracked",
               "L frames", "latency p50 ms", "latency p99 ms"]  # fmt: skip
    return head + markdown_table(headers, body)
