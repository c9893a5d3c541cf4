"""``posynda lift``: 2D keypoints -> 3D poses (mm) with a checkpoint, an ONNX export or a TensorRT engine."""

from __future__ import annotations

from pathlib import Path

import click

from posynda.cli.options import FILE, choice, device_option, quiet_option, run_dir, sampling_options, window_progress
from posynda.data import save_clips
from posynda.defaults import default_clips_path, shipped_checkpoint
from posynda.runtime import Lifter, RuntimeBackend, expect_backend, read_keypoints
from posynda.runtime.inputs import KeypointOrder
from posynda.runtime.viz import draw_lift, pyplot


@click.command()
@click.option(
    "--model",
    type=FILE,
    default=None,
    help=".safetensors checkpoint, .onnx export or TensorRT .engine (default: shipped studio model)",
)
@click.option(
    "--input",
    "input_path",
    type=FILE,
    default=None,
    help="2D keypoints: clip file (.npz) or JSON keypoint file (default: embedded wild/test, 3D removed)",
)
@click.option(
    "--out", type=FILE, default=None, help="output clip file with joints_3d in mm (default: runs/lift-<time>/poses.npz)"
)
@click.option(
    "--backend",
    type=choice(RuntimeBackend),
    default=None,
    help="check that --model runs on this backend (the file type chooses it)",
)
@device_option()
@sampling_options
@click.option(
    "--stride", type=click.IntRange(min=1), default=None, help="frames between windows (default: T; smaller = overlap)"
)
@click.option(
    "--joint-order",
    type=choice(KeypointOrder),
    default=None,
    help="joint order of the input keypoints (default: h36m, or the JSON file's joint_order)",
)
@click.option("--viz", type=FILE, default=None, help="also draw 2D input and lifted 3D of a few frames (PNG)")
@quiet_option
def lift(model, input_path, out, backend, device, settings, joint_order, viz, quiet):
    """Lift 2D keypoints to 3D poses (mm, camera frame) with a checkpoint, ONNX model or TensorRT engine."""
    if viz:
        pyplot("--viz")  # fail before any work without matplotlib
    path = Path(model) if model else shipped_checkpoint()
    if backend:
        expect_backend(path, backend)
    lifter = Lifter(path, device=device)
    clips = read_keypoints(input_path or default_clips_path("wild", "test"), joint_order)
    out_path = Path(out) if out else run_dir(None, "lift") / "poses.npz"
    with window_progress(f"lifting with {lifter.describe()}", enabled=not quiet) as report:
        result = lifter.lift(clips, settings, progress=report)
    save_clips(out_path, result.to_clips(clips))
    s = result.settings
    click.echo(
        f"backend: {result.backend} | {clips.num_frames} frames, {clips.num_sequences} sequences | "
        f"H={s.hypotheses}, K={s.steps}, {s.aggregate}{', flip' if s.flip else ''}, seed {s.seed} | "
        f"{result.seconds:.1f} s"
    )
    click.echo(f"wrote {out_path} (joints_3d: absolute camera-frame mm)")
    if viz:
        picked = draw_lift(clips, result.root_relative_mm, viz)
        click.echo(f"wrote {viz} (frames {', '.join(map(str, picked))})")
