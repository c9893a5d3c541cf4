"""``posynda data synth|convert|info``: create, convert and inspect clip files."""

from __future__ import annotations

import click

from posynda.cli.lazy import LazyGroup
from posynda.cli.options import FILE, FloatVector, choice
from posynda.data import convert, describe_clips, load_clips, save_clips, synth


@click.group(cls=LazyGroup)
def data():
    """Create, convert and inspect clip files (posynda-clips-v1 .npz)."""


@data.command("synth")
@click.option("--domain", type=choice(synth.Domain), required=True, help="embedded domain")
@click.option("--split", type=choice(synth.Split), required=True, help="subjects of the train or test split")
@click.option("--seed", type=int, default=None, help="generator seed (default: the canonical split)")
@click.option(
    "--scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="multiply the number of sequences",
)
@click.option("--out", type=FILE, required=True, help="output .npz")
def data_synth(domain, split, seed, scale, out):
    """Generate an embedded synthetic domain as a clip file."""
    clips = synth.generate(domain, split, seed=seed, scale=scale)
    save_clips(out, clips)
    click.echo(f"wrote {out}: {clips.num_sequences} sequences, {clips.num_frames} frames ({domain}/{split})")


@data.command("convert")
@click.option("--from", "source", type=click.Choice(convert.SOURCES), required=True, help="public layout")
@click.option(
    "--input",
    "input_path",
    type=FILE,
    required=True,
    help="h36m: data_3d_h36m.npz; 3dhp: data_{train,test}_3dhp*.npz; 3dpw: SPIN-style npz",
)
@click.option(
    "--input-2d", type=FILE, default=None, help="h36m only: data_2d_h36m_*.npz (default: GT projection of the 3D)"
)
@click.option("--subjects", default=None, help="h36m only: comma-separated subjects, e.g. S9,S11")
@click.option("--split", type=choice(synth.Split), default=None, help="3dhp only: layout (default: detected)")
@click.option(
    "--intrinsics",
    type=FloatVector(4, "fx,fy,cx,cy"),
    default=None,
    help="3dpw only: fx,fy,cx,cy in pixels (default: 3DPW's camera)",
)
@click.option("--out", type=FILE, required=True, help="output clip file")
def data_convert(source, input_path, input_2d, subjects, split, intrinsics, out):
    """Convert a public dataset layout into a clip file (H36M joint order, mm)."""
    clips = convert.convert_file(
        source, input_path, input_2d=input_2d, subjects=subjects, split=split, intrinsics=intrinsics
    )
    save_clips(out, clips)
    labels = "" if clips.has_3d else " (no 3D)"
    click.echo(f"wrote {out}: {clips.num_sequences} sequences, {clips.num_frames} frames{labels}")


@data.command("info")
@click.argument("path", type=FILE)
def data_info(path):
    """Validate a clip file and summarise it."""
    info = describe_clips(load_clips(path))
    click.echo(f"{path}: valid posynda-clips-v1")
    click.echo(
        f"  sequences {info['sequences']}, frames {info['frames']}, 3D {'yes' if info['has_3d'] else 'no'}, "
        f"missing keypoints {info['missing_keypoints_pct']:.2f} %"
    )
    low, high = info["focal_px"]
    click.echo(f"  image sizes {', '.join(info['image_sizes'])}; focal {low:.0f}-{high:.0f} px")
