"""``posynda detect``: find the people of a video (offline BlazePose) -- or read any keypoint input -- and
write their 2D as a posynda clip file (.npz) or keypoint JSON, for ``lift --input`` / ``adapt --target``."""

from __future__ import annotations

from pathlib import Path

import click

from posynda.cli.options import FILE_OR_FOLDER, OUT_FILE, keypoint_input_options, quiet_option, threads_option
from posynda.data.clips import save_clips
from posynda.data.detections import write_json_keypoints
from posynda.errors import InputError

# --out extension -> (writer, what it is)
WRITERS = {
    ".npz": (save_clips, "posynda clip file"),
    ".json": (write_json_keypoints, "posynda keypoint JSON"),
}


def _checked_out(out: str) -> Path:
    path = Path(out)
    if path.suffix.lower() not in WRITERS:
        got = f"extension {path.suffix!r}" if path.suffix else "no extension"
        known = ", ".join(f"{ext} ({what})" for ext, (_, what) in WRITERS.items())
        raise InputError(f"--out {out}: unknown keypoint file format ({got}); known: {known}")
    return path


@click.command("detect")
@click.argument("input_path", metavar="INPUT", type=FILE_OR_FOLDER)
@keypoint_input_options("INPUT")
@click.option("--out", type=OUT_FILE, required=True, help="keypoint file to write: .npz (clip file) or .json")
@threads_option
@quiet_option
def detect_cmd(input_path, keypoints, out, quiet):
    """Find people in a video (or read a detector's file) and write their 2D keypoints (H36M-17, pixels).

    Run the detector once, then adapt to and lift the footage from the file:

        posynda detect clip.mp4 --out clip.npz

        posynda adapt --target clip.npz --out runs/clip
    """
    path = _checked_out(out)  # an unknown extension fails before any work
    clips, _ = keypoints.read(input_path, progress=not quiet)
    writer, what = WRITERS[path.suffix.lower()]
    writer(path, clips)
    plural = "s" if clips.num_sequences != 1 else ""
    click.echo(f"wrote {path} ({what}: {clips.num_sequences} sequence{plural}, {clips.num_frames} frames)")
