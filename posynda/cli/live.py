"""``posynda lift --video SOURCE --stream``: a live source (camera, stream URL, named pipe, or a file) lifted as its
frames come, every person's rows written as they become final, the latency and the frame rate printed."""

from __future__ import annotations

import time

import click
import numpy as np

from posynda.cli.calibrated import check_sizes
from posynda.data.calibration import CalibratedCamera
from posynda.data.detections.blazepose import ORDER
from posynda.data.detections.read_options import ReadOptions, options_camera
from posynda.data.video import VideoReader
from posynda.errors import InputError
from posynda.extras import require as require_extra
from posynda.posefiles.floor import WorldFrame
from posynda.posefiles.live_rows import STDOUT, LiveRows, header
from posynda.runtime import Lifter, SamplingSettings
from posynda.runtime.live import Arrivals, LivePipeline
from posynda.runtime.person_lift import LiveCalibration

STATUS_EVERY_S = 2.0  # seconds between status lines


def lift_live(source: str, lifter: Lifter, settings: SamplingSettings, options: ReadOptions, out: str,
              person: str | None, quiet: bool, orient: bool = True, detector_weight: float = 0.0,
              camera: CalibratedCamera | None = None, calibration: LiveCalibration | None = None,
              world: WorldFrame | None = None, world_asked: bool = False) -> None:  # fmt: skip
    """Read ``source`` frame by frame, lift every person (or only ``person``), write rows to ``out`` (.jsonl,
    .csv or - for standard output) as they come; Ctrl-C ends the source early and keeps what was lifted.
    ``orient``, ``detector_weight``: BlazePose's own 3D used as :class:`~posynda.runtime.live.LivePipeline` says.
    ``camera``: the calibrated camera the source must match in size (its intrinsics are in ``options``);
    ``calibration``: its gravity and floor; ``world``: the frame the rows are written in (None: the camera's, and
    the last line says why when ``world_asked``)."""
    echo = (lambda line: click.echo(line, err=True)) if out == STDOUT else click.echo
    require_extra("mediapipe", "onnxruntime", "onnx", "tflite", "imageio_ffmpeg", purpose="reading people from a video")
    if options.joint_order not in (None, ORDER):
        raise InputError(f"{source}: BlazePose finds joint order {ORDER!r}, not --joint-order {options.joint_order}")
    with VideoReader(source) as reader:
        if camera is not None:
            check_sizes({tuple(int(v) for v in reader.size)}, camera, str(source))
        intrinsics = options_camera(reader.size, options)
        pipeline = LivePipeline(lifter, intrinsics, settings, orient=orient, detector_weight=detector_weight,
                                calibration=calibration)  # fmt: skip
        kind = "live" if reader.live else "file"
        rate = f"{reader.fps:g} fps" if np.isfinite(reader.fps) else "no frame rate"
        used = (" | orientation: the detector's 3D" if orient else "") + (
            f" | the detector's 3D weighs {detector_weight:g}" if detector_weight else ""
        )
        if calibration is not None:
            used += f" | levelled by camera {camera.name}'s gravity" + (
                "" if calibration.height_mm is None else ", sized by its floor (the median of the frames so far)"
            )
        echo(f"{kind} source {source}: {reader.size[0]}x{reader.size[1]} px, {rate} | lifting with "
             f"{lifter.describe()}{used} | a pose comes {lifter.latency} frames after its frame"
             + (" (causal)" if lifter.causal else ""))  # fmt: skip
        latencies, started, last_status = [], time.perf_counter(), time.perf_counter()
        stopped, frames = False, Arrivals(reader)
        with LiveRows(out, header(str(source), reader.fps, reader.size, lifter.describe(), world), world) as rows:
            try:
                for image, arrived in frames:
                    latencies += _written(rows, pipeline.push(image, arrived), person)
                    if not quiet and arrived - last_status >= STATUS_EVERY_S:
                        last_status = arrived
                        done = pipeline.times.frames
                        echo(f"frame {done}: {done / (arrived - started):.1f} frames/s, {len(pipeline.people)} "
                             f"people, {rows.rows} rows")  # fmt: skip
            except KeyboardInterrupt:
                stopped = True
            latencies += _written(rows, pipeline.finish(), person)
        seconds = time.perf_counter() - started
        live, source_fps = reader.live, reader.fps
    times, done = pipeline.times, max(pipeline.times.frames, 1)
    ms = np.asarray(latencies) if latencies else np.zeros(1)
    per_frame = {"reading": frames.waited_s, "people": times.detect_s, "lifting": times.lift_s}
    stages = ", ".join(f"{stage} {1000 * total / done:.1f} ms" for stage, total in per_frame.items())
    echo(f"{'stopped (Ctrl-C) after' if stopped else 'read'} {times.frames} frames in {seconds:.1f} s: "
         f"{times.frames / max(seconds, 1e-9):.1f} frames/s end to end | per frame: {stages} | pose latency p50 "
         f"{np.percentile(ms, 50):.0f} ms, p99 {np.percentile(ms, 99):.0f} ms")  # fmt: skip
    achieved = times.frames / max(seconds, 1e-9)
    if live and np.isfinite(source_fps) and achieved < 0.95 * source_fps:
        echo(f"note: the source sends {source_fps:g} frames/s and posynda lifted {achieved:.1f}: frames queued and "
             "the latency grew; a lower camera rate or fewer people keeps up")  # fmt: skip
    frame = "camera coordinates" if world is None else "the calibration's world, z up"
    if world is None and world_asked:
        frame += ": a live source's world needs --calibration"
    echo(f"wrote {rows.rows} rows to {'standard output' if out == STDOUT else out} ({frame}, mm)")
    if calibration is not None and calibration.height_mm is not None and pipeline.sizes:
        sizes = (f"x{scale:.2f}" if why is None else f"kept ({why})" for scale, why in pipeline.sizes.values())
        echo(
            "size: from the calibration's floor, the median of each person's last frames: "
            + ", ".join(f"person {who} {size}" for who, size in sorted(zip(pipeline.sizes, sizes, strict=True)))
        )


def _written(rows: LiveRows, poses, person: str | None) -> list[float]:
    """Write ``poses`` (those of ``person`` only, when given); their latencies (ms)."""
    kept = [p for p in poses if person is None or p.person == person]
    for pose in kept:
        rows.write(pose)
    return [p.latency_ms for p in kept]
