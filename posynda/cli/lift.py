"""``posynda lift``: 2D keypoints -> 3D poses (mm) with a checkpoint, an ONNX export or a TensorRT engine."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
import numpy as np

from posynda.cli.calibrated import check_level, check_picture_size, named_camera, read_through
from posynda.cli.live import lift_live
from posynda.cli.options import (
    FILE,
    FILE_OR_FOLDER,
    OUT_FILE,
    device_option,
    keypoint_input_options,
    quiet_option,
    run_dir,
    sampling_options,
    threads_option,
    window_progress,
    world_up_option,
)
from posynda.data.calibration import axis_vector, read_calibration
from posynda.data.detections.video import clip_frames
from posynda.data.video import live_source
from posynda.defaults import default_clips_path, shipped_checkpoint
from posynda.errors import InputError
from posynda.limits import MAX_FPS, MAX_ROOT_WINDOW_S
from posynda.posefiles import output_format, write_poses
from posynda.posefiles.live_rows import check_live_out
from posynda.posefiles.poses import calibration_world
from posynda.runtime import RUNTIME_BACKENDS, Lifter, expect_backend
from posynda.runtime.floor_scale import FloorScales, floor_scales, scaled
from posynda.runtime.fusion import DEFAULT_WEIGHT
from posynda.runtime.orientation import ORIENTATIONS
from posynda.runtime.person_lift import FLOOR_WINDOW, LiveCalibration
from posynda.runtime.root_depth import ROOT_WINDOW_S
from posynda.viz import viz_format, write_viz


def detector_use(orient: str, weight: float) -> str:
    """`` | orientation: the detector's 3D (detector) | the detector's 3D weighs 0.5`` (what of it was used)."""
    used = "" if orient == "none" else f" | orientation: the detector's 3D ({orient})"
    return used + (f" | the detector's 3D weighs {weight:g}" if weight > 0 else "")


def size_line(clips, sizes: FloorScales, stream: bool = False) -> str:
    """``size: from the calibration's floor: walk/person0 x0.84, ...`` and why a sequence kept its lifted size
    (``stream``: each one's last scale, the median of their last frames)."""
    names = clips.sequence_names()
    parts = [f"{names[s]} x{sizes.scales[s]:.2f}" if s not in sizes.kept else f"{names[s]} kept ({sizes.kept[s]})"
             for s in range(clips.num_sequences)]  # fmt: skip
    at_end = f", at the end (the median of the last {FLOOR_WINDOW} frames)" if stream else ""
    return f"size: from the calibration's floor (--size floor{at_end}): " + ", ".join(parts)


def open_lifter(model, causal: bool, backend, device) -> Lifter:
    """The ``Lifter`` of ``--model`` (default: the shipped model, its causal twin with ``--causal``); ``--causal``
    with a model that looks ahead is refused, ``--backend`` checked against the file type."""
    path = Path(model) if model else shipped_checkpoint(causal)
    if backend:
        expect_backend(path, backend)
    lifter = Lifter(path, device=device)
    if causal and not lifter.causal:
        raise click.UsageError(f"--causal: --model {model} looks {lifter.frames - 1} frames ahead (a centred model); "
                               "give one from `posynda pretrain --causal`, or drop --causal")  # fmt: skip
    return lifter


def only_person(clips, read_report, person: str):
    """The sequences of ``person`` (an id of ``clips.person`` or a sequence name), with their report lines; each
    draws the noise it draws in the whole input (``ClipSet.noise_sequence``): their rows are those of the whole lift."""
    names = clips.sequence_names()
    ids = [s for s in range(clips.num_sequences) if clips.person_of(s) == person or names[s] == person]
    if not ids:
        people = sorted({clips.person_of(s) for s in range(clips.num_sequences)} - {None})
        known = f"people {', '.join(people)}" if people else f"sequences {', '.join(names)}"
        raise InputError(f"--person {person}: not in the input, which has {known}")
    sequences = getattr(read_report, "sequences", None)
    if sequences is not None and len(sequences) == clips.num_sequences:
        read_report = dataclasses.replace(read_report, sequences=tuple(sequences[s] for s in ids))
    return clips.with_noise_sequences().select_sequences(ids), read_report


@click.command()
@click.option(
    "--model",
    "--checkpoint",
    "model",
    type=FILE,
    default=None,
    help=".safetensors checkpoint, .onnx export or TensorRT .engine (default: shipped studio model; --checkpoint "
    "is the same option)",
)
@click.option(
    "--input",
    "input_path",
    type=FILE_OR_FOLDER,
    default=None,
    help="2D keypoints: a clip file (.npz), posynda / COCO / AlphaPose / MMPose JSON, an OpenPose folder, a "
    "VideoPose3D npz or a video (see --format; default: embedded wild/test, 3D removed)",
)
@click.option(
    "--video",
    type=FILE,
    default=None,
    help="a video (MP4, MOV, MKV, WebM ...): people found by the offline BlazePose detector (pip install "
    "'posynda[video]'), then lifted; --viz draws over its frames. With --stream also a live source. Instead of "
    "--input",
)
@keypoint_input_options("--input")
@click.option(
    "--out",
    type=OUT_FILE,
    default=None,
    help="output file, its extension picks the format: .npz (the input clip file with joints_3d, camera-frame mm), "
    ".json / .csv (mm) or .bvh (cm; + <file>.json), in world coordinates (floor at z = 0; y for BVH) when a floor "
    "is found, else camera coordinates (default: runs/lift-<time>/poses.npz)",
)
@click.option(
    "--backend",
    type=click.Choice(RUNTIME_BACKENDS),
    default=None,
    help="check that --model runs on this backend (the file type chooses it)",
)
@device_option()
@sampling_options
@click.option(
    "--stride", type=click.IntRange(min=1), default=None, help="frames between windows (default: T; smaller = overlap)"
)
@click.option(
    "--stream",
    is_flag=True,
    help="lift frame by frame through the live stream (Lifter.stream: at frame t the pose of frame t - L, "
    "L = T - 1, 0 with --causal), as an app would, and report the per-frame latency; equal to the whole-sequence "
    "lift where detections are complete, the detector's 3D and --calibration's floor used with each person's "
    "frames so far. With --video: the video, a camera (/dev/video0), a stream URL (rtsp://, http://, udp:// ...) "
    "or a named pipe is read as it comes and every person's rows written as they become final (--out .jsonl, .csv "
    "or - for standard output; with --calibration levelled, sized by the floor of the frames so far and written in "
    "its world)",
)
@click.option(
    "--causal",
    is_flag=True,
    help="zero look-ahead: every frame lifted by the window that ends at it, so --stream returns each frame as it "
    "comes (L = 0); the shipped causal model unless --model names one (a model from `posynda pretrain --causal`)",
)
@click.option(
    "--fps",
    type=click.FloatRange(0, MAX_FPS, min_open=True),
    default=None,
    help="frame rate of the input, frames/s: the BVH frame time, the animation speed and the fps of the JSON / CSV "
    "(default: the input's own; 50 where it states none, 25 for --viz animations)",
)
@click.option(
    "--calibration",
    type=FILE,
    default=None,
    help="the camera's calibration (Pose2Sim Calib.toml or Qualisys .qca.txt): its intrinsics, and its gravity -- the "
    "2D is lifted through a level virtual camera and turned back (instead of --intrinsics / --fov)",
)
@click.option(
    "--camera", "camera_name", default=None, help="--calibration: the camera's name (default: the input's stem)"
)
@world_up_option()
@click.option(
    "--orient",
    type=click.Choice(["auto", *ORIENTATIONS]),
    default="auto",
    show_default=True,
    help="global orientation from the video detector's own 3D (BlazePose's world landmarks): 'detector' turns each "
    "person's poses to it, 'upright' takes its spine as the camera's up (people stand upright), 'none' keeps the "
    "lifter's; auto = 'detector' for input that carries it (--video, or a .npz of `posynda detect`) without "
    "--calibration, else 'none'; --stream turns by the person's frames so far (docs/realvideo.md)",
)
@click.option(
    "--detector-weight",
    type=click.FloatRange(0, 1),
    default=None,
    help="weight of the video detector's own 3D (BlazePose's world landmarks, turned to posynda's orientation) in "
    f"each pose: 0 = posynda's lift alone; default {DEFAULT_WEIGHT:g} for input that carries it (--stream too), "
    "else 0 (docs/realvideo.md)",
)
@click.option(
    "--size",
    type=click.Choice(["auto", "floor", "lifted"]),
    default="auto",
    show_default=True,
    help="how big each person is: 'floor' scales them so that their lower ankle rests on the calibration's floor "
    "(its origin's plane) in most frames (live: the median of their last 600 frames) -- the root's depth follows -- "
    "'lifted' keeps the lifter's learnt size; auto = 'floor' with --calibration, else 'lifted'",
)
@click.option(
    "--root-window",
    type=click.FloatRange(0, MAX_ROOT_WINDOW_S),
    default=None,
    help="seconds over which each person's distance from the camera is the running median (the 2D of the root "
    f"kept, spikes from bad detections gone): 0 = each frame's own; default {ROOT_WINDOW_S:g} for whole "
    "sequences, 0 (the only value) with --stream (docs/realvideo.md)",
)
@click.option(
    "--frame",
    type=click.Choice(["world", "camera"]),
    default="world",
    show_default=True,
    help="coordinates of .json/.csv/.bvh/.trc: world (floor at z = 0, or y = 0 for BVH/TRC) when a floor is found "
    "under every camera -- else camera coordinates, and the line after the lift says why -- or always camera (x "
    "right, y down, z forward); a live --stream's rows: the --calibration's world, z up, else the camera's",
)
@click.option(
    "--person",
    default=None,
    help="lift only this person: their id (the video detector's or the file's track id, as the report lists it) "
    "or a sequence name",
)
@click.option(
    "--viz",
    type=OUT_FILE,
    default=None,
    help="also draw the 2D input and the lifted 3D skeleton; the extension picks: .png (contact sheet of 8 frames), "
    ".gif or .mp4 (animation of the longest sequence, at most 300 frames; .mp4 needs ffmpeg)",
)
@threads_option
@quiet_option
def lift(model, input_path, video, keypoints, out, backend, device, settings, stream, causal, fps, calibration,
         camera_name, world_up, orient, detector_weight, size, root_window, frame, person, viz, quiet):  # fmt: skip
    """Lift 2D keypoints or a video to 3D poses (mm; .npz, .json, .csv, .bvh) with a checkpoint, ONNX or engine."""
    if video and input_path:
        raise click.UsageError("--video and --input both name the input: give one of them")
    if video:
        if keypoints.format not in ("auto", "video"):
            raise click.UsageError(f"--video reads a video; drop --format {keypoints.format}")
        input_path, keypoints = video, dataclasses.replace(keypoints, format="video")
    calibrated, up_axis = None, axis_vector(world_up)
    up = height = live = world = None  # a calibration's: camera-frame up, camera height (mm), live lift, world
    if calibration:
        if keypoints.options.intrinsics is not None or keypoints.options.fov is not None:
            raise click.UsageError("--calibration gives the camera: drop --intrinsics / --fov")
        if orient == "upright":
            raise click.UsageError("--calibration gives the camera's up: drop --orient upright")
        name = camera_name or Path(input_path or "").stem
        calibrated = named_camera(read_calibration(calibration), name, calibration)
        check_level(calibrated, world_up)
        keypoints = read_through(keypoints, calibrated, calibration)
        up = calibrated.rotation @ up_axis
        height = None if size == "lifted" else float(calibrated.centre @ up_axis)
        live = LiveCalibration(up, height)  # levelled by its gravity, sized by its floor (--stream)
        world = calibration_world(calibrated.rotation, calibrated.translation, up_axis)  # its up axis turned to z
    if video and not stream and live_source(video) is not None:
        raise click.UsageError(f"--video {video} is a live source (a camera, a stream URL or a pipe): add --stream")
    if size == "floor" and not calibration:
        raise click.UsageError("--size floor needs the floor of a --calibration")
    if stream and video:  # a live source: rows as they come
        unused = {"--viz": viz, "--orient upright": orient == "upright",
                  "--fps": fps is not None, "--image-size": keypoints.options.image_size is not None,
                  "--root-window": bool(root_window)}  # fmt: skip
        for flag in [f for f, given in unused.items() if given]:
            raise click.UsageError(f"{flag} needs whole sequences: drop it, or --stream")
        out = out or str(run_dir(None, "lift") / "poses.jsonl")
        check_live_out(out)
        weight = DEFAULT_WEIGHT if detector_weight is None else detector_weight
        oriented = orient == "detector" or (orient == "auto" and calibrated is None)
        lift_live(video, open_lifter(model, causal, backend, device), settings, keypoints.options, out, person,
                  quiet, orient=oriented, detector_weight=weight, camera=calibrated, calibration=live,
                  world=world if frame == "world" else None, world_asked=frame == "world")  # fmt: skip
        return
    if stream and orient == "upright":
        raise click.UsageError("--orient upright turns whole sequences: drop --stream")
    if stream and root_window:
        raise click.UsageError("--root-window smooths whole sequences: drop --stream")
    if keypoints.format not in ("auto", "video"):
        for what, wanted in (
            (f"--orient {orient}", orient not in ("auto", "none")),
            ("--detector-weight", detector_weight),
        ):
            if wanted:
                raise click.UsageError(f"{what} needs the video detector's own 3D: lift a --video")
    if out:
        output_format(out)  # an unknown extension fails before any work
    if viz:
        viz_format(viz)  # an unknown extension, no matplotlib or .mp4 without ffmpeg fails before any work
    lifter = open_lifter(model, causal, backend, device)
    source = input_path or default_clips_path("wild", "test")
    clips, read_report = keypoints.read(source, progress=not quiet)  # prints one line per sequence
    if calibrated is not None:
        check_picture_size(clips, calibrated)
    if person is not None:
        clips, read_report = only_person(clips, read_report, person)
    if fps is not None:
        clips = clips.with_fps(fps)
    carried = clips.detector_3d is not None
    if orient == "auto":
        orient = "detector" if carried and calibrated is None else "none"
    if detector_weight is None:
        detector_weight = DEFAULT_WEIGHT if carried else 0.0
    out_path = Path(out) if out else run_dir(None, "lift") / "poses.npz"
    unit = "frames" if stream else "windows"
    with window_progress(f"lifting with {lifter.describe()}", enabled=not quiet, unit=unit) as report:
        if stream:  # each sequence as a live app lifts one person: the detector's 3D and the floor of frames so far
            result = lifter.lift_as_stream(clips, settings, progress=report, orient=orient,
                                           detector_weight=detector_weight, calibration=live)  # fmt: skip
        else:
            root_window = ROOT_WINDOW_S if root_window is None else root_window
            result = lifter.lift(clips, settings, progress=report, camera_up=up, orient=orient,
                                 detector_weight=detector_weight, root_window_s=root_window)  # fmt: skip
    sizes = result.sizes
    if not stream and height is not None:
        sizes = floor_scales(result.absolute_mm, clips, up, height)
        result = dataclasses.replace(result, root_relative_mm=scaled(result.root_relative_mm, clips, sizes.scales),
                                     absolute_mm=scaled(result.absolute_mm, clips, sizes.scales),
                                     sizes=sizes)  # fmt: skip
    worlds = None if world is None else [world] * clips.num_sequences
    written = write_poses(out_path, result, clips, frame=frame, world_frames=worlds)
    s = result.settings
    click.echo(
        f"backend: {result.backend} | {clips.num_frames} frames, {clips.num_sequences} sequences | "
        f"H={s.hypotheses}, K={s.steps}, {s.aggregate}{', flip' if s.flip else ''}, seed {s.seed} | "
        f"{result.seconds:.1f} s"
        + (" | causal: zero look-ahead" if lifter.causal else "")
        + detector_use(orient, detector_weight)
        + (f" | roots: the median depth over {root_window:g} s" if root_window else "")
    )
    if result.push_seconds is not None:
        ms = np.asarray(result.push_seconds) * 1000.0
        click.echo(
            f"stream: latency L = {lifter.latency} frames | push p50 {np.percentile(ms, 50):.2f} ms, "
            f"p99 {np.percentile(ms, 99):.2f} ms, max {ms.max():.2f} ms"
        )
    if sizes is not None:
        click.echo(size_line(clips, sizes, stream))
    click.echo(f"wrote {written.summary()}")
    if viz:
        background = clip_frames(source, clips, read_report) if read_report.format == "video" else None
        click.echo(f"wrote {write_viz(viz, clips, result.root_relative_mm, background=background)}")
