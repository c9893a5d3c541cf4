"""``posynda data synth|convert|render|info``: create, convert and inspect clip files."""

from __future__ import annotations

import click

from posynda.cli.lazy import LazyGroup
from posynda.cli.options import FILE, OUT_FILE, FloatVector, choice
from posynda.data import convert, describe_clips, load_clips, save_clips, synth
from posynda.data.mocap import MAPPINGS, load_mapping
from posynda.data.render import UNITS, render_motions


@click.group(cls=LazyGroup)
def data():
    """Create, convert and inspect clip files (posynda-clips-v1 .npz)."""


@data.command("synth")
@click.option("--domain", type=choice(synth.Domain), required=True, help="embedded domain")
@click.option("--split", type=choice(synth.Split), required=True, help="subjects of the train or test split")
@click.option("--seed", type=int, default=None, help="generator seed (default: the canonical split)")
@click.option(
    "--scale",
    type=click.FloatRange(min=0, max=100, min_open=True),
    default=1.0,
    show_default=True,
    help="multiply the number of sequences",
)
@click.option("--out", type=OUT_FILE, required=True, help="output .npz")
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
    help="; ".join(f"{name}: {row.input}" for name, row in convert.CONVERTERS.items()),
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
@click.option("--out", type=OUT_FILE, required=True, help="output clip file")
def data_convert(source, input_path, input_2d, subjects, split, intrinsics, out):
    """Convert a public dataset layout into a clip file (H36M joint order, mm)."""
    clips = convert.convert_file(
        source, input_path, input_2d=input_2d, subjects=subjects, split=split, intrinsics=intrinsics
    )
    save_clips(out, clips)
    labels = "" if clips.has_3d else " (no 3D)"
    click.echo(f"wrote {out}: {clips.num_sequences} sequences, {clips.num_frames} frames{labels}")


@data.command("render")
@click.option("--bvh", "bvh_files", type=FILE, multiple=True, help="BVH file (repeat for several)")
@click.option(
    "--deepmimic",
    "deepmimic_files",
    type=FILE,
    multiple=True,
    help="DeepMimic motion file (the humanoid clips of pybullet_data; repeat for several)",
)
@click.option(
    "--rig",
    default="studio",
    show_default=True,
    help="studio (H36M-like 4 cameras), wild (random 3DHP-like) or CAMERAS.json",
)
@click.option(
    "--skeleton",
    type=click.Choice(["auto", *MAPPINGS]),
    default="auto",
    show_default=True,
    help="joint-name preset of the BVH skeleton",
)
@click.option(
    "--mapping", type=FILE, default=None, help="JSON mapping of the 17 H36M joints to BVH joints (overrides --skeleton)"
)
@click.option(
    "--fps",
    type=click.FloatRange(min=0, max=1000, min_open=True),
    default=50.0,
    show_default=True,
    help="output frame rate",
)
@click.option(
    "--units", type=click.Choice(UNITS), default="auto", show_default=True, help="length unit of the BVH files"
)
@click.option(
    "--segment-s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="cut takes into segments of this many seconds",
)
@click.option(
    "--noise-px", type=click.FloatRange(min=0), default=0.0, show_default=True, help="detector-like 2D noise (pixels)"
)
@click.option(
    "--drop",
    type=click.FloatRange(min=0, max=1, max_open=True),
    default=0.0,
    show_default=True,
    help="share of missing joints",
)
@click.option("--seed", type=int, default=0, show_default=True, help="seeds the cameras and the noise")
@click.option("--out", type=OUT_FILE, required=True, help="output clip file (.npz)")
def data_render(bvh_files, deepmimic_files, rig, skeleton, mapping, fps, units, segment_s, noise_px, drop, seed, out):
    """Render BVH or DeepMimic motion capture through virtual cameras into a clip file (H36M-17, mm, pixels)."""
    if not bvh_files and not deepmimic_files:
        raise click.UsageError("give at least one --bvh or --deepmimic file")
    rules = load_mapping(mapping) if mapping else skeleton
    clips, report = render_motions(
        bvh_files,
        rig,
        mapping=rules,
        fps=fps,
        units=units,
        segment_s=segment_s,
        noise_px=noise_px,
        drop=drop,
        seed=seed,
        deepmimic=deepmimic_files,
    )
    save_clips(out, clips)
    skipped = f", {report.skipped_segments} segments no camera could frame skipped" if report.skipped_segments else ""
    sizes = f"{clips.num_sequences} sequences, {clips.num_frames} frames"
    kinds = [f"{n} {kind} files" for n, kind in ((len(bvh_files), "BVH"), (len(deepmimic_files), "DeepMimic")) if n]
    click.echo(f"wrote {out}: {sizes} from {' and '.join(kinds)}{skipped}")


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
