"""The ``posynda`` command line (DESIGN.md section 9).

Only click is imported at start-up; torch and everything heavy load inside the commands, so
``posynda --help`` stays fast. Bad input exits with code 2 and one line naming the problem;
an internal failure exits with code 1 (set ``POSYNDA_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from posynda import __version__

DOMAINS = ("studio", "wild")
SPLITS = ("train", "test")


class _Group(click.Group):
    """Turns posynda's InputError into exit 2 and other failures into a one-line exit 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the CLI boundary
            from posynda.errors import InputError

            if os.environ.get("POSYNDA_DEBUG"):
                raise
            if isinstance(exc, InputError):
                click.echo(f"posynda: error: {exc}", err=True)
                sys.exit(2)
            click.echo(f"posynda: internal error: {type(exc).__name__}: {exc}", err=True)
            sys.exit(1)


def _echo_run_dir(path: Path) -> None:
    click.echo(f"run directory: {path}")


def _data_or_default(path: str | None, domain: str, split: str) -> Path:
    from posynda.defaults import default_clips_path

    return Path(path) if path else default_clips_path(domain, split)


def _load_clips(path: Path):
    from posynda.data import load_clips

    return load_clips(path)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="posynda")
def main():
    """PoSynDA: adapt a diffusion 2D-to-3D pose lifter to a new camera/domain, then deploy it.

    With no data argument every command uses the embedded synthetic domains: `studio`
    (Human3.6M-like source) and `wild` (MPI-INF-3DHP-like target).
    """


# --------------------------------------------------------------------------------------- data
@main.group(cls=_Group)
def data():
    """Create, convert and inspect clip files (posynda-clips-v1 .npz)."""


@data.command("synth")
@click.option("--domain", type=click.Choice(DOMAINS), required=True, help="embedded domain")
@click.option("--split", type=click.Choice(SPLITS), required=True, help="subjects of the train or test split")
@click.option("--seed", type=int, default=None, help="generator seed (default: the canonical split)")
@click.option("--scale", type=float, default=1.0, show_default=True, help="multiply the number of sequences")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="output .npz")
def data_synth(domain, split, seed, scale, out):
    """Generate an embedded synthetic domain as a clip file."""
    from posynda.data import save_clips
    from posynda.data.synth import generate

    if scale <= 0:
        raise click.BadParameter("must be > 0", param_hint="--scale")
    clips = generate(domain, split, seed=seed, scale=scale)
    save_clips(out, clips)
    click.echo(f"wrote {out}: {clips.num_sequences} sequences, {clips.num_frames} frames ({domain}/{split})")


@data.command("convert")
@click.option("--from", "source", type=click.Choice(["h36m", "3dhp", "3dpw"]), required=True, help="public layout")
@click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False),
    required=True,
    help="h36m: data_3d_h36m.npz; 3dhp: data_{train,test}_3dhp*.npz; 3dpw: SPIN-style npz",
)
@click.option(
    "--input-2d",
    type=click.Path(dir_okay=False),
    default=None,
    help="h36m only: data_2d_h36m_*.npz (default: GT projection of the 3D)",
)
@click.option("--subjects", default=None, help="h36m only: comma-separated subjects, e.g. S9,S11")
@click.option("--split", type=click.Choice(SPLITS), default=None, help="3dhp only: layout (default: detected)")
@click.option("--intrinsics", default=None, help="3dpw only: fx,fy,cx,cy in pixels (default: 3DPW's camera)")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="output clip file")
def data_convert(source, input_path, input_2d, subjects, split, intrinsics, out):
    """Convert a public dataset layout into a clip file (H36M joint order, mm)."""
    from posynda.data import convert, save_clips
    from posynda.errors import InputError

    if source == "h36m":
        subject_list = [s.strip() for s in subjects.split(",")] if subjects else None
        clips = convert.convert_h36m(input_path, input_2d, subjects=subject_list)
    elif source == "3dhp":
        clips = convert.convert_3dhp(input_path, split=split)
    else:
        cam = None
        if intrinsics:
            try:
                cam = [float(v) for v in intrinsics.split(",")]
            except ValueError:
                raise InputError(f"--intrinsics must be 4 numbers fx,fy,cx,cy, got {intrinsics!r}") from None
            if len(cam) != 4:
                raise InputError(f"--intrinsics must be 4 numbers fx,fy,cx,cy, got {intrinsics!r}")
        clips = convert.convert_3dpw(input_path, intrinsics=cam)
    save_clips(out, clips)
    click.echo(
        f"wrote {out}: {clips.num_sequences} sequences, {clips.num_frames} frames{'' if clips.has_3d else ' (no 3D)'}"
    )


@data.command("info")
@click.argument("path", type=click.Path(dir_okay=False))
def data_info(path):
    """Validate a clip file and summarise it."""
    import numpy as np

    clips = _load_clips(Path(path))
    missing = float((~np.isfinite(clips.keypoints_2d).all(-1)).mean() * 100)
    click.echo(f"{path}: valid posynda-clips-v1")
    click.echo(
        f"  sequences {clips.num_sequences}, frames {clips.num_frames}, 3D {'yes' if clips.has_3d else 'no'}, "
        f"missing keypoints {missing:.2f} %"
    )
    sizes = sorted({f"{w}x{h}" for w, h in clips.image_size})
    click.echo(
        f"  image sizes {', '.join(sizes)}; focal {clips.camera[:, 0].min():.0f}-{clips.camera[:, 0].max():.0f} px"
    )


# ----------------------------------------------------------------------------------- pretrain
@main.command()
@click.option(
    "--data",
    "data_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="labelled source clip file (default: embedded studio/train)",
)
@click.option(
    "--preset", default="tiny", show_default=True, help="model preset: paper, small, tiny, videopose, videopose-tiny"
)
@click.option("--steps", type=int, default=2000, show_default=True, help="optimisation steps")
@click.option(
    "--out", type=click.Path(file_okay=False), default=None, help="run directory (default: runs/pretrain-<time>)"
)
@click.option("--resume", is_flag=True, help="continue the run in --out from its last checkpoint")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--batch-size", type=int, default=None, help="clips per step (default: the preset's recipe)")
@click.option("--lr", type=float, default=None, help="peak learning rate (default: the preset's recipe)")
@click.option("--checkpoint-every", type=int, default=None, help="steps between checkpoints")
@click.option("--quiet", is_flag=True, help="no progress bar")
def pretrain(data_path, preset, steps, out, resume, seed, batch_size, lr, checkpoint_every, quiet):
    """Train a diffusion denoiser on a labelled source domain."""
    import dataclasses

    from posynda.errors import InputError
    from posynda.fileio import sha256_file
    from posynda.models import preset as get_preset
    from posynda.train import RECIPES, TrainRecipe
    from posynda.train import pretrain as run_pretrain

    config = get_preset(preset)
    recipe = RECIPES.get(preset, TrainRecipe())
    overrides = {
        k: v
        for k, v in {"batch_size": batch_size, "lr": lr, "checkpoint_every": checkpoint_every}.items()
        if v is not None
    }
    if any(v <= 0 for v in overrides.values()):
        raise InputError("--batch-size, --lr and --checkpoint-every must be > 0")
    recipe = dataclasses.replace(recipe, **overrides)
    if resume and not out:
        raise InputError("--resume needs --out (the run directory to continue)")
    from posynda.defaults import new_run_dir

    out_dir = Path(out) if out else new_run_dir("pretrain")
    _echo_run_dir(out_dir)
    path = _data_or_default(data_path, "studio", "train")
    clips = _load_clips(path)
    provenance = {
        "command": " ".join(["posynda"] + sys.argv[1:]),
        "preset": preset,
        "steps_requested": steps,
        "data": str(path) if data_path else "embedded studio/train",
        "data_sha256": sha256_file(path),
    }
    model_path = run_pretrain(
        clips,
        config,
        steps,
        out_dir,
        recipe=recipe,
        resume=resume,
        seed=seed,
        provenance=provenance,
        progress=not quiet,
    )
    click.echo(f"wrote {model_path}")


# --------------------------------------------------------------------------------------- eval
@main.command("eval")
@click.option(
    "--checkpoint", type=click.Path(dir_okay=False), default=None, help="model (default: shipped studio model)"
)
@click.option(
    "--data",
    "data_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="labelled test clip file (default: embedded studio/test and wild/test)",
)
@click.option("--hypotheses", "-H", type=int, default=1, show_default=True, help="pose hypotheses per clip")
@click.option("--steps", "-K", type=int, default=1, show_default=True, help="DDIM steps")
@click.option(
    "--aggregate",
    type=click.Choice(["joint", "frame", "mean"]),
    default="joint",
    show_default=True,
    help="hypothesis aggregation: reprojection-selected per joint / per frame, or the mean",
)
@click.option("--flip/--no-flip", default=True, show_default=True, help="flip test-time augmentation")
@click.option("--seed", type=int, default=0, show_default=True, help="sampling noise seed")
@click.option("--batch-size", type=int, default=64, show_default=True, help="windows per forward")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="also write the metrics here")
@click.option("--per-sequence/--no-per-sequence", default=True, show_default=True, help="print the per-sequence table")
def eval_cmd(checkpoint, data_path, hypotheses, steps, aggregate, flip, seed, batch_size, json_path, per_sequence):
    """Evaluate a checkpoint: MPJPE, P-MPJPE, PCK@150mm, AUC (3DHP protocol joints)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from posynda.checkpoint import load_checkpoint
    from posynda.defaults import new_run_dir, shipped_checkpoint
    from posynda.evaluate import SamplingSettings, evaluate
    from posynda.fileio import atomic_write_text
    from posynda.report import metrics_table

    settings = SamplingSettings(
        hypotheses=hypotheses, steps=steps, flip=flip, aggregate=aggregate, batch_size=batch_size, seed=seed
    )
    ckpt_path = Path(checkpoint) if checkpoint else shipped_checkpoint()
    ckpt = load_checkpoint(ckpt_path)
    targets = (
        {Path(data_path).stem: Path(data_path)}
        if data_path
        else {f"{d}/test": _data_or_default(None, d, "test") for d in DOMAINS}
    )
    datasets = {name: _load_clips(p) for name, p in targets.items()}
    run_dir = new_run_dir("eval")
    _echo_run_dir(run_dir)
    console = Console()
    results = {}
    for name, clips in datasets.items():
        with Progress(
            TextColumn(f"lifting {name} (H={hypotheses}, K={steps})"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} windows"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(name, total=None)
            results[name] = evaluate(
                ckpt,
                clips,
                settings,
                progress=lambda done, total, task=task: bar.update(task, completed=done, total=total),
            )
        results[name]["data"] = str(targets[name])
        if per_sequence:
            console.print(
                metrics_table({k: v for k, v in results[name]["per_sequence"].items()}, title=f"{name}: per sequence")
            )
    console.print(
        metrics_table(
            {n: r for n, r in results.items()},
            title=f"{ckpt_path.name} (H={hypotheses}, K={steps}, {aggregate}{', flip' if flip else ''})",
        )
    )
    payload = results[next(iter(results))] if data_path else {"checkpoint": str(ckpt_path), "domains": results}
    if data_path:
        payload["checkpoint"] = str(ckpt_path)
    text = json.dumps(payload, indent=2)
    atomic_write_text(run_dir / "metrics.json", text)
    if json_path:
        atomic_write_text(json_path, text)
        click.echo(f"wrote {json_path}")


# -------------------------------------------------------------------------------------- adapt
@main.command()
@click.option(
    "--checkpoint", type=click.Path(dir_okay=False), default=None, help="base model (default: shipped studio)"
)
@click.option("--source", type=click.Path(dir_okay=False), default=None, help="labelled source (default: studio/train)")
@click.option(
    "--target",
    type=click.Path(dir_okay=False),
    default=None,
    help="unlabelled target 2D (default: wild/train); any joints_3d in it is ignored",
)
@click.option(
    "--eval",
    "eval_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="labelled test file, for the before/after report only (default: wild/test)",
)
@click.option(
    "--out", type=click.Path(file_okay=False), default=None, help="run directory (default: runs/adapt-<time>)"
)
@click.option("--steps", type=int, default=750, show_default=True)
@click.option("--lr", type=float, default=None, help="Adam learning rate (default: 1.2e-2 LoRA, 2e-3 full fine-tuning)")
@click.option(
    "--lr-schedule",
    type=click.Choice(["constant", "cosine"]),
    default="constant",
    show_default=True,
    help="constant, or cosine decay to 0 over --steps",
)
@click.option("--hypotheses", "-H", type=int, default=3, show_default=True, help="teacher hypotheses")
@click.option("--sampling-steps", type=int, default=1, show_default=True, help="teacher DDIM steps K")
@click.option(
    "--selection",
    type=click.Choice(["joint", "frame"]),
    default="joint",
    show_default=True,
    help="pseudo-label per joint (JPMA) or per frame (paper Eq. 4)",
)
@click.option("--rank", type=int, default=4, show_default=True, help="LoRA rank")
@click.option("--no-gpa", is_flag=True, help="no target-specific source augmentation")
@click.option("--no-lora", is_flag=True, help="fine-tune every weight instead of LoRA adapters")
@click.option("--no-cd", is_flag=True, help="no cross-dataset embedding")
@click.option("--teacher", type=click.Choice(["student", "ema"]), default="student", show_default=True)
@click.option("--source-batch", type=int, default=24, show_default=True, help="source clips per step")
@click.option("--target-batch", type=int, default=8, show_default=True, help="target clips per step")
@click.option(
    "--reproj-weight",
    type=float,
    default=0.0,
    show_default=True,
    help="weight of the optional 2D reprojection term on target clips",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default="auto",
    show_default=True,
    help="where the teacher, the student and the evaluations run (auto: CUDA when PyTorch sees a GPU)",
)
@click.option("--resume", is_flag=True, help="continue the run in --out from its last checkpoint")
@click.option("--ablation", is_flag=True, help="run the five rows of the paper's Table 3 instead of one adaptation")
@click.option("--quiet", is_flag=True, help="no progress bar")
def adapt(
    checkpoint,
    source,
    target,
    eval_path,
    out,
    steps,
    lr,
    lr_schedule,
    hypotheses,
    sampling_steps,
    selection,
    rank,
    no_gpa,
    no_lora,
    no_cd,
    teacher,
    source_batch,
    target_batch,
    reproj_weight,
    seed,
    device,
    resume,
    ablation,
    quiet,
):
    """Adapt a source-trained lifter to an unlabelled target domain (PoSynDA)."""
    from rich.console import Console

    from posynda.adapt.trainer import AdaptSettings
    from posynda.adapt.trainer import adapt as run_adapt
    from posynda.defaults import adaptation_inputs, new_run_dir
    from posynda.errors import InputError
    from posynda.report import metrics_table

    if resume and not out:
        raise InputError("--resume needs --out (the run directory to continue)")
    settings = AdaptSettings(
        steps=steps,
        lr=lr,
        lr_schedule=lr_schedule,
        hypotheses=hypotheses,
        sampling_steps=sampling_steps,
        selection=selection,
        rank=rank,
        gpa=not no_gpa,
        lora=not no_lora,
        cd_embedding=not no_cd,
        teacher=teacher,
        source_batch=source_batch,
        target_batch=target_batch,
        reproj_weight=reproj_weight,
        seed=seed,
    )
    base, src, tgt, test = adaptation_inputs(checkpoint, source, target, eval_path)
    out_dir = Path(out) if out else new_run_dir("ablation" if ablation else "adapt")
    _echo_run_dir(out_dir)
    console = Console()
    if not ablation:
        report = run_adapt(
            base, src, tgt, out_dir, settings, eval_clips=test, resume=resume, progress=not quiet, device=device
        )
        console.print(
            metrics_table(
                {"before (source only)": report["before"], "after (adapted)": report["after"]},
                title=f"{test.num_frames} test frames; {report['trainable_parameters']:,} "
                f"trainable parameters; {report['seconds']:.0f} s",
            )
        )
        click.echo(f"wrote {out_dir / 'model.safetensors'} and {out_dir / 'adapter'}")
        return
    from posynda.ablation import ABLATION_ROWS, run_ablation

    run_ablation(base, src, tgt, test, out_dir, settings, ABLATION_ROWS, console, progress=not quiet, device=device)


# ------------------------------------------------------------------------------------- export
@main.command("export")
@click.option(
    "--checkpoint", type=click.Path(dir_okay=False), default=None, help="model (default: shipped studio model)"
)
@click.option(
    "--adapter",
    type=click.Path(file_okay=False),
    default=None,
    help="adapter/ directory of `posynda adapt` to merge into --checkpoint (its base model)",
)
@click.option("--onnx", "onnx_flag", is_flag=True, help="write DIR/denoiser.onnx (always done; --trt builds from it)")
@click.option(
    "--trt", is_flag=True, help="also build DIR/denoiser.engine + .engine.json sidecar (TensorRT, NVIDIA GPU)"
)
@click.option("--fp16", is_flag=True, help="also write DIR/denoiser_fp16.onnx (fp32 I/O); with --trt: an fp16 engine")
@click.option("--opset", type=int, default=17, show_default=True, help="ONNX opset")
@click.option("--batch", default="1:8:64", show_default=True, help="TensorRT optimisation profile batch MIN:OPT:MAX")
@click.option("--workspace", type=float, default=4.0, show_default=True, help="TensorRT workspace, GiB")
@click.option(
    "--sampler", is_flag=True, help="also write DIR/sampler.onnx: K DDIM steps x H hypotheses + mean in one graph"
)
@click.option("--steps", "-K", type=int, default=1, show_default=True, help="--sampler: DDIM steps K")
@click.option("--hypotheses", "-H", type=int, default=1, show_default=True, help="--sampler: hypotheses H")
@click.option("--flip/--no-flip", default=True, show_default=True, help="--sampler: flip test-time augmentation")
@click.option(
    "--out", type=click.Path(file_okay=False), default=None, help="output directory (default: runs/export-<time>)"
)
def export_cmd(
    checkpoint, adapter, onnx_flag, trt, fp16, opset, batch, workspace, sampler, steps, hypotheses, flip, out
):
    """Merge adapters, export the denoiser to ONNX (+ sampler graph, TensorRT engine), check parity."""
    from posynda.defaults import new_run_dir, shipped_checkpoint
    from posynda.export.exporter import ExportOptions, run_export
    from posynda.export.tensorrt import parse_batch, require_tensorrt

    options = ExportOptions(
        opset=opset,
        fp16=fp16,
        sampler=sampler,
        steps=steps,
        hypotheses=hypotheses,
        flip=flip,
        trt=trt,
        batch=parse_batch(batch),
        workspace_gib=workspace,
    )
    if trt:
        require_tensorrt()  # exit 2 with the reason before anything is created
    ckpt_path = Path(checkpoint) if checkpoint else shipped_checkpoint()
    out_dir = Path(out) if out else new_run_dir("export")
    _echo_run_dir(out_dir)
    run_export(ckpt_path, out_dir, adapter=adapter, options=options, log=click.echo)


# --------------------------------------------------------------------------------------- lift
@main.command()
@click.option(
    "--model",
    type=click.Path(dir_okay=False),
    default=None,
    help=".safetensors checkpoint, .onnx export or TensorRT .engine (default: shipped studio model)",
)
@click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="2D keypoints: clip file (.npz) or JSON keypoint file (default: embedded wild/test, 3D removed)",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="output clip file with joints_3d in mm (default: runs/lift-<time>/poses.npz)",
)
@click.option(
    "--backend",
    type=click.Choice(["torch", "onnxruntime", "tensorrt"]),
    default=None,
    help="default: from the model file type",
)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="sampling noise seed (same poses on every backend)"
)
@click.option("--hypotheses", "-H", type=int, default=1, show_default=True, help="pose hypotheses per clip")
@click.option("--steps", "-K", type=int, default=1, show_default=True, help="DDIM steps")
@click.option(
    "--aggregate",
    type=click.Choice(["joint", "frame", "mean"]),
    default="joint",
    show_default=True,
    help="hypothesis aggregation: reprojection-selected per joint / per frame, or the mean",
)
@click.option("--flip/--no-flip", default=True, show_default=True, help="flip test-time augmentation")
@click.option("--stride", type=int, default=None, help="frames between windows (default: T; smaller = overlap)")
@click.option("--batch-size", type=int, default=64, show_default=True, help="windows per sampling batch")
@click.option(
    "--joint-order",
    type=click.Choice(["h36m", "coco"]),
    default=None,
    help="joint order of the input keypoints (default: h36m, or the JSON file's joint_order)",
)
@click.option(
    "--viz",
    type=click.Path(dir_okay=False),
    default=None,
    help="also draw 2D input and lifted 3D of a few frames (PNG)",
)
@click.option("--quiet", is_flag=True, help="no progress bar")
def lift(
    model,
    input_path,
    out,
    backend,
    device,
    seed,
    hypotheses,
    steps,
    aggregate,
    flip,
    stride,
    batch_size,
    joint_order,
    viz,
    quiet,
):
    """Lift 2D keypoints to 3D poses (mm, camera frame) with a checkpoint, ONNX model or TensorRT engine."""
    import importlib.util

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from posynda.data import save_clips
    from posynda.defaults import new_run_dir, shipped_checkpoint
    from posynda.errors import InputError
    from posynda.evaluate import SamplingSettings
    from posynda.runtime import Lifter, read_keypoints

    settings = SamplingSettings(
        hypotheses=hypotheses,
        steps=steps,
        flip=flip,
        aggregate=aggregate,
        batch_size=batch_size,
        seed=seed,
        stride=stride,
    )
    if viz and importlib.util.find_spec("matplotlib") is None:
        raise InputError("--viz needs matplotlib: pip install 'posynda[viz]'")
    lifter = Lifter(Path(model) if model else shipped_checkpoint(), backend=backend, device=device)
    if input_path:
        clips = read_keypoints(input_path, joint_order)
    else:
        clips = read_keypoints(_data_or_default(None, "wild", "test"), joint_order)
    if out:
        out_path = Path(out)
    else:
        run_dir = new_run_dir("lift")
        _echo_run_dir(run_dir)
        out_path = run_dir / "poses.npz"
    with Progress(
        TextColumn(f"lifting with {lifter.describe()}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} windows"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task("lift", total=None)
        result = lifter.lift(
            clips, settings, progress=lambda done, total: bar.update(task, completed=done, total=total)
        )
    save_clips(out_path, result.to_clips(clips))
    s = result.settings
    click.echo(
        f"backend: {result.backend} | {clips.num_frames} frames, {clips.num_sequences} sequences | "
        f"H={s.hypotheses}, K={s.steps}, {s.aggregate}{', flip' if s.flip else ''}, seed {s.seed} | "
        f"{result.seconds:.1f} s"
    )
    click.echo(f"wrote {out_path} (joints_3d: absolute camera-frame mm)")
    if viz:
        from posynda.runtime.viz import draw_lift

        picked = draw_lift(clips, result.root_relative_mm, viz)
        click.echo(f"wrote {viz} (frames {', '.join(map(str, picked))})")


# -------------------------------------------------------------------------------------- bench
@main.group(cls=_Group)
def bench():
    """Benchmarks (committed results live under bench/results/)."""


@bench.command("kernels")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    help="output directory (default: runs/bench-kernels-<time>)",
)
@click.option("--quick", is_flag=True, help="fewer sizes and repeats (on a CPU: N in 1k, 16k)")
@click.option("--save", is_flag=True, help="write into bench/results/<device tag>/ (the committed results)")
@click.option(
    "--compile/--no-compile", "use_compile", default=None, help="include torch.compile of the reference [CUDA: on]"
)
@click.option("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
def bench_kernels(out, quick, save, use_compile, threads):
    """reproject_select: Triton kernel vs PyTorch reference vs torch.compile (ms, GB/s, % of copy bandwidth)."""
    import torch

    from posynda.bench import kernels as kernel_bench
    from posynda.defaults import new_run_dir
    from posynda.errors import InputError

    if out and save:
        raise InputError("--out and --save are exclusive")
    if threads is not None:
        if threads < 1:
            raise InputError("--threads must be >= 1")
        torch.set_num_threads(threads)
    out_dir = Path(out) if out else kernel_bench.default_out_dir() if save else new_run_dir("bench-kernels")
    _echo_run_dir(out_dir)
    result = kernel_bench.run(quick=quick, use_compile=use_compile, log=lambda line: click.echo(line, err=True))
    json_path, md_path = kernel_bench.write(result, out_dir)
    click.echo(kernel_bench.markdown(result))
    click.echo(f"wrote {json_path} and {md_path}")


_BENCH_OUT_HELP = "run directory (default: runs/bench-{}-<time>)"
_SAVE_HELP = "also write the results into bench/results/<machine>/ (root: $POSYNDA_BENCH_RESULTS)"


def _bench_run_dir(out: str | None, name: str) -> Path:
    from posynda.defaults import new_run_dir

    out_dir = Path(out) if out else new_run_dir(f"bench-{name}")
    out_dir.mkdir(parents=True, exist_ok=True)
    _echo_run_dir(out_dir)
    return out_dir


def _echo_saved(paths) -> None:
    click.echo(f"saved {', '.join(str(p) for p in paths)}")


@bench.command("flops")
@click.option(
    "--config",
    default="paper",
    show_default=True,
    help="denoiser preset: paper, small, tiny, videopose, videopose-tiny",
)
@click.option("--hypotheses", "-H", type=int, default=3, show_default=True, help="hypotheses per clip (paper: 3)")
@click.option("--steps", "-K", type=int, default=1, show_default=True, help="DDIM steps of one inference")
@click.option("--flip/--no-flip", default=True, show_default=True, help="flip augmentation: 2 evaluations per step")
@click.option("--rank", type=int, default=4, show_default=True, help="LoRA rank")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="also write the JSON here")
@click.option("--out", type=click.Path(file_okay=False), default=None, help=_BENCH_OUT_HELP.format("flops"))
@click.option("--save", is_flag=True, help=_SAVE_HELP)
def bench_flops(config, hypotheses, steps, flip, rank, json_path, out, save):
    """Parameters and FLOPs of one denoiser evaluation: paper convention and full count, next to the paper."""
    from posynda.bench import flops as flops_bench
    from posynda.bench.suite import results_dir, save_copies, write_result
    from posynda.fileio import atomic_write_text

    result = flops_bench.count_flops(config, hypotheses=hypotheses, steps=steps, flip=flip, rank=rank)
    out_dir = _bench_run_dir(out, "flops")
    files = write_result(out_dir, f"flops-{config}", result, flops_bench.markdown(result))
    click.echo(flops_bench.markdown(result))
    click.echo(f"wrote {files[0]} and {files[1]}")
    if json_path:
        atomic_write_text(json_path, json.dumps(result, indent=2) + "\n")
        click.echo(f"wrote {json_path}")
    if save:
        _echo_saved(save_copies(files, results_dir()))


def _int_list(text: str | None, option: str) -> tuple[int, ...] | None:
    from posynda.errors import InputError

    if not text:
        return None
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise InputError(f"{option} {text!r}: expected comma-separated integers, e.g. 1,8,32") from None
    if not values or min(values) < 1:
        raise InputError(f"{option} {text!r}: values must be >= 1")
    return values


@bench.command("latency")
@click.option("--config", default="tiny,paper", show_default=True, help="comma-separated denoiser presets")
@click.option(
    "--backends",
    default=None,
    help="comma-separated: torch-eager, torch-compile, onnxruntime-cpu, onnxruntime-cpu-default-options, "
    "onnxruntime-cuda, tensorrt-fp32, tensorrt-fp16 (default: all; torch-compile only with CUDA)",
)
@click.option("--batch", "batch", default=None, help="comma-separated batch sizes (default: tiny 1,8,32; paper 1)")
@click.option("--repeats", type=int, default=None, help="timed repeats per backend (default: tiny 30, paper 3)")
@click.option("--warmup", type=int, default=None, help="warm-up calls per backend (default: tiny 3, paper 1)")
@click.option("--threads", type=int, default=None, help="pin torch's and ONNX Runtime's intra-op threads")
@click.option("--e2e/--no-e2e", default=True, show_default=True, help="also time a 500-frame Lifter run")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="also write the JSON here")
@click.option("--out", type=click.Path(file_okay=False), default=None, help=_BENCH_OUT_HELP.format("latency"))
@click.option("--save", is_flag=True, help=_SAVE_HELP)
def bench_latency(config, backends, batch, repeats, warmup, threads, e2e, json_path, out, save):
    """Denoiser latency per backend and batch (median, p90, clips/s, poses/s) and a 10 s Lifter run end to end."""
    import importlib.util

    from posynda.bench import latency as latency_bench
    from posynda.bench.suite import results_dir, save_copies
    from posynda.errors import InputError
    from posynda.fileio import atomic_write_text
    from posynda.models import PRESETS

    configs = tuple(c.strip() for c in config.split(",") if c.strip())
    unknown = [c for c in configs if c not in PRESETS]
    if unknown or not configs:
        raise InputError(f"--config {config!r}: unknown preset(s) {unknown}; choose from {', '.join(PRESETS)}")
    names = tuple(b.strip() for b in backends.split(",") if b.strip()) if backends else None
    bad = [b for b in names or () if b not in latency_bench.BACKENDS]
    if bad:
        raise InputError(f"--backends: unknown backend(s) {bad}; choose from {', '.join(latency_bench.BACKENDS)}")
    for value, option in ((repeats, "--repeats"), (warmup, "--warmup"), (threads, "--threads")):
        if value is not None and value < (0 if option == "--warmup" else 1):
            raise InputError(f"{option} {value}: too small")
    out_dir = _bench_run_dir(out, "latency")
    result = latency_bench.run(
        configs,
        _int_list(batch, "--batch"),
        repeats,
        out_dir,
        threads,
        backends=names,
        warmup=warmup,
        e2e=e2e,
        log=lambda line: click.echo(line, err=True),
    )
    files = [out_dir / "latency.json", out_dir / "latency.md"]
    if importlib.util.find_spec("matplotlib") is not None:
        from posynda.bench.plots import plot_latency

        files.append(plot_latency(result, out_dir / "latency.png"))
    else:
        click.echo("latency plot skipped: matplotlib is not installed", err=True)
    click.echo(latency_bench.to_markdown(result))
    click.echo(f"wrote {', '.join(str(f) for f in files)}")
    if json_path:
        atomic_write_text(json_path, json.dumps(result, indent=2) + "\n")
        click.echo(f"wrote {json_path}")
    if save:
        _echo_saved(save_copies(files, results_dir()))


@bench.command("accuracy")
@click.option("--steps", type=int, default=None, help="steps per ablation row (default: as adapt)")
@click.option("--checkpoint", type=click.Path(dir_okay=False), default=None, help="base model (default: shipped)")
@click.option("--source", type=click.Path(dir_okay=False), default=None, help="labelled source (default: studio/train)")
@click.option("--target", type=click.Path(dir_okay=False), default=None, help="unlabelled target (default: wild/train)")
@click.option("--eval", "eval_path", type=click.Path(dir_okay=False), default=None, help="test (default: wild/test)")
@click.option("--hypotheses", "-H", type=int, default=3, show_default=True, help="teacher hypotheses (last row)")
@click.option("--source-batch", type=int, default=24, show_default=True, help="source clips per step")
@click.option("--target-batch", type=int, default=8, show_default=True, help="target clips per step")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(file_okay=False), default=None, help=_BENCH_OUT_HELP.format("accuracy"))
@click.option("--save", is_flag=True, help=_SAVE_HELP + "; the embedded pair as ablation-studio-wild.*")
@click.option("--quiet", is_flag=True, help="no progress bar")
def bench_accuracy(
    steps, checkpoint, source, target, eval_path, hypotheses, source_batch, target_batch, seed, out, save, quiet
):
    """The paper's Table 3 ablation (as `posynda adapt --ablation`): JSON, Markdown and a bar chart of MPJPE."""
    import dataclasses

    from posynda.adapt.trainer import AdaptSettings
    from posynda.bench.suite import ABLATION_SAVE_NAMES, results_dir, run_accuracy, save_copies

    settings = AdaptSettings(hypotheses=hypotheses, source_batch=source_batch, target_batch=target_batch, seed=seed)
    if steps is not None:
        settings = dataclasses.replace(settings, steps=steps)
    out_dir = _bench_run_dir(out, "accuracy")
    paths = dict(checkpoint=checkpoint, source=source, target=target, test=eval_path)
    files = run_accuracy(out_dir, None, settings, log=click.echo, progress=not quiet, **paths)
    click.echo(f"wrote {', '.join(str(f) for f in files)}")
    if save:
        embedded = not any(paths.values())
        _echo_saved(save_copies(files, results_dir(), ABLATION_SAVE_NAMES if embedded else None))


@bench.command("plot")
@click.option("--ablation", type=click.Path(dir_okay=False, exists=True), default=None, help="an ablation.json")
@click.option("--latency", type=click.Path(dir_okay=False, exists=True), default=None, help="a latency.json")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="PNG (default: the JSON path, .png)")
def bench_plot(ablation, latency, out):
    """PNG of an ablation (MPJPE per row) or of a latency run (latency vs batch per backend)."""
    from posynda.bench import plots
    from posynda.errors import InputError

    if bool(ablation) == bool(latency):
        raise InputError("give exactly one of --ablation FILE.json and --latency FILE.json")
    source = Path(ablation or latency)
    target = Path(out) if out else source.with_suffix(".png")
    written = plots.plot_ablation(source, target) if ablation else plots.plot_latency(source, target)
    click.echo(f"wrote {written}")


@bench.command("all")
@click.option("--quick", is_flag=True, help="quick sizes: latency of tiny only, 5 repeats")
@click.option("--with-accuracy", is_flag=True, help="also run the Table 3 ablation (five adaptation runs; long)")
@click.option("--accuracy-steps", type=int, default=None, help="steps per ablation row (default: as adapt)")
@click.option("--skip", default="", help="comma-separated benches not to run: flops, kernels, latency, accuracy")
@click.option("--out", type=click.Path(file_okay=False), default=None, help=_BENCH_OUT_HELP.format("all"))
@click.option("--save", is_flag=True, help=_SAVE_HELP + " (not the runs --quick shortens)")
def bench_all(quick, with_accuracy, accuracy_steps, skip, out, save):
    """Every benchmark that fits this machine (FLOPs, kernels, latency; accuracy on request); says what it skipped."""
    from posynda.bench.suite import run_all, summary_markdown

    out_dir = _bench_run_dir(out, "all")
    summary = run_all(
        out_dir,
        quick=quick,
        with_accuracy=with_accuracy,
        skip=tuple(s.strip() for s in skip.split(",") if s.strip()),
        save=save,
        accuracy_steps=accuracy_steps,
        log=lambda line: click.echo(line, err=True),
    )
    click.echo(summary_markdown(summary))
    if save:
        click.echo(f"saved into {summary['saved_to']}")


if __name__ == "__main__":
    main()
