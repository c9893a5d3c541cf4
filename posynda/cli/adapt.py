"""``posynda adapt``: PoSynDA adaptation of a source-trained lifter to an unlabelled target (or Table 3).

The option blocks of an adaptation live here too; ``posynda bench accuracy`` shares them.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click
import numpy as np
from rich.console import Console
from rich.table import Table

import posynda.adapt as adaptation
from posynda.adapt import ABLATION_ROWS, AdaptSettings, run_ablation
from posynda.adapt.footage_check import NAMES as FOOTAGE_NAMES
from posynda.adapt.footage_check import TOLERANCES as FOOTAGE_TOLERANCES
from posynda.adapt.footage_check import FootageViews, levelled_target
from posynda.adapt.resume import SettingsChanged
from posynda.adapt.settings import DEFAULT_LR_FULL, DEFAULT_LR_LORA, LrSchedule, TeacherKind
from posynda.adapt.trainer import REJECTED_FILE
from posynda.bench.accuracy import reference_rows
from posynda.cli.calibrated import check_level, check_picture_size, named_camera, read_through
from posynda.cli.options import (
    FILE,
    FILE_OR_FOLDER,
    OUT_FOLDER,
    apply_options,
    choice,
    compile_option,
    device_option,
    keypoint_input_options,
    precision_option,
    quiet_option,
    run_dir,
    threads_option,
    world_up_option,
)
from posynda.data import concatenate, save_clips
from posynda.data.calibration import axis_vector, read_calibration
from posynda.defaults import adaptation_inputs
from posynda.devices import check_precision, resolve_device
from posynda.distributed import is_main_process, launched_by_torchrun
from posynda.errors import InputError
from posynda.extras import require
from posynda.hypotheses import Selection
from posynda.report import metrics_table

MODEL_HELP = "base model (default: shipped studio; --checkpoint is the same option)"


def adaptation_data_options(fn=None, *, keypoint_target: bool = False):
    """--checkpoint, --source, --target and --eval of an adaptation (each defaulting to the embedded pair).

    ``keypoint_target``: --target takes every keypoint input ``posynda lift`` takes (a file or an
    OpenPose folder; ``posynda adapt`` adds :func:`~posynda.cli.options.keypoint_input_options`),
    else a clip file. Used bare (``@adaptation_data_options``) or called (``@adaptation_data_options(...)``).
    """
    if fn is None:
        return functools.partial(adaptation_data_options, keypoint_target=keypoint_target)
    target_help = (
        "unlabelled target 2D, repeatable (several cameras or clips are joined): a clip file or any keypoint "
        "input of `posynda lift` (see --format; default: "
        "wild/train); any joints_3d in it is ignored"
        if keypoint_target
        else "unlabelled target 2D (default: wild/train); any joints_3d in it is ignored"
    )
    options = [
        click.option("--model", "--checkpoint", "checkpoint", type=FILE, default=None, help=MODEL_HELP),
        click.option("--source", type=FILE, default=None, help="labelled source (default: studio/train)"),
        click.option(
            "--target",
            type=FILE_OR_FOLDER if keypoint_target else FILE,
            default=None,
            help=target_help,
            multiple=keypoint_target,
        ),  # fmt: skip
        click.option(
            "--eval",
            "eval_path",
            type=FILE,
            default=None,
            help="labelled test file, scored before and after for the report only (default: the embedded "
            "wild/test when --target is not given; none with a --target of your own)",
        ),
    ]
    return apply_options(options, fn)


# (option, AdaptSettings field, click keyword arguments) of `adapt` (and `bench accuracy`); the default
# of each option is the field's default, a `--no-X` flag switches its field off.
ADAPT_SETTINGS = (
    ("--steps", "steps", dict(type=int, help="optimisation steps")),
    ("--lr", "lr", dict(type=float, help=f"Adam learning rate (default: {DEFAULT_LR_LORA:g} LoRA, "
                                         f"{DEFAULT_LR_FULL:g} full fine-tuning)")),
    ("--lr-schedule", "lr_schedule", dict(type=choice(LrSchedule), help="constant, or cosine decay to 0 over --steps")),
    ("--hypotheses/-H", "hypotheses", dict(type=int, help="teacher hypotheses")),
    ("--sampling-steps", "sampling_steps", dict(type=int, help="teacher DDIM steps K")),
    ("--selection", "selection", dict(type=choice(Selection),
                                      help="pseudo-label per joint (JPMA) or per frame (paper Eq. 4)")),
    ("--rank", "rank", dict(type=int, help="LoRA rank")),
    ("--no-gpa", "gpa", dict(is_flag=True, help="no target-specific source augmentation")),
    ("--bone-aug", "bone_aug_degrees", dict(type=float,
                                            help="largest random turn of a source arm bone, degrees (0: off)")),
    ("--view-pitch", "view_pitch_degrees", dict(type=float,
                                                help="largest random camera pitch of a source clip, degrees (0: off)")),
    ("--view-roll", "view_roll_degrees", dict(type=float,
                                              help="largest random camera roll of a source clip, degrees (0: off)")),
    ("--snap-labels/--no-snap-labels", "snap_labels", dict(help="move pseudo-labels onto the rays of the target 2D")),
    ("--lora/--no-lora", "lora", dict(help="LoRA adapters (paper Eq. 10) instead of fine-tuning every weight")),
    ("--no-cd", "cd_embedding", dict(is_flag=True, help="no cross-dataset embedding")),
    ("--teacher", "teacher", dict(type=choice(TeacherKind), help="the current student, or an EMA of it")),
    ("--ema-decay", "ema_decay", dict(type=float, help="decay of the EMA teacher per step")),
    ("--source-batch", "source_batch", dict(type=int, help="source clips per step")),
    ("--target-batch", "target_batch", dict(type=int, help="target clips per step")),
    ("--reproj-weight", "reproj_weight", dict(type=float,
                                              help="weight of the optional 2D reprojection term on target clips")),
    ("--seed", "seed", dict(type=int, help="seed of clip sampling, noise and LoRA initialisation")),
)  # fmt: skip


def typed_setting(field: str, value) -> str:
    """A setting as the user types it: ``--lr 0.001``, ``--lr default``, ``--no-lora``, ``--no-gpa``
    (the field name and value for a setting without an option)."""
    entry = next((e for e in ADAPT_SETTINGS if e[1] == field), None)
    if entry is None:
        return f"{field}={value!r}"
    option, _, spec = entry
    if "/--" in option:  # a --X/--no-X pair
        on, off = option.split("/")
        return on if value else off
    if spec.get("is_flag"):  # a --no-X switch of a field that is on by default
        return f"without {option}" if value else option
    name = option.split("/")[0]
    return f"{name} default" if value is None else f"{name} {value}"


def adapt_settings_options(fields: tuple[str, ...] | None = None):
    """The options of :data:`ADAPT_SETTINGS` (or those of ``fields``), collected into one ``settings``
    argument (an :class:`~posynda.adapt.AdaptSettings`); a ``--no-X`` flag switches its field off,
    a ``--X/--no-X`` pair sets it either way."""
    chosen = [entry for entry in ADAPT_SETTINGS if fields is None or entry[1] in fields]
    default = AdaptSettings()

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            values = {}
            for option, field, spec in chosen:
                value = kwargs.pop(field)
                values[field] = not value if spec.get("is_flag") and option.startswith("--no-") else value
            return fn(*args, settings=AdaptSettings(**values), **kwargs)

        for option, field, spec in reversed(chosen):
            shown = {} if spec.get("is_flag") else {"default": getattr(default, field), "show_default": True}
            pair = "/--" in option  # a boolean "--X/--no-X" pair; "--name/-N" is a name and its short alias
            declarations = [option] if pair else option.split("/")
            wrapper = click.option(*declarations, field, **spec, **shown)(wrapper)
        return wrapper

    return decorate


@click.command()
@adaptation_data_options(keypoint_target=True)
@keypoint_input_options("--target")
@click.option("--out", type=OUT_FOLDER, default=None, help="run directory (default: runs/adapt-<time>)")
@adapt_settings_options()
@device_option("where the teacher, the student and the evaluations run (auto: CUDA when PyTorch sees a GPU)")
@click.option("--resume", is_flag=True, help="continue the run in --out from its last checkpoint")
@click.option(
    "--check/--no-check",
    "check",
    default=True,
    show_default=True,
    help="the label-free check on the target: reprojection of the lifted poses onto the target 2D, bone-length "
    "variation and jitter, before vs after; when the adaptation makes them worse, model.safetensors keeps the "
    "original weights (the adapted ones: rejected.safetensors) and the reason is printed",
)
@click.option(
    "--calibration",
    type=FILE,
    default=None,
    help="the cameras' calibration (Pose2Sim Calib.toml or Qualisys .qca.txt) when the --target files are "
    "synchronised views of the same people: each --target's file stem names its camera, whose intrinsics it "
    "takes, and the label-free check also measures how far one person's poses lifted from two cameras disagree",
)
@click.option(
    "--level/--no-level",
    "level",
    default=None,
    help="--calibration: adapt to the target 2D as level virtual cameras see it (each camera's gravity), which is "
    "how `lift --calibration` lifts it (default); --no-level: as filmed, for lifting without the calibration",
)
@world_up_option("--calibration: the calibration world's up axis (Qualisys and Pose2Sim: z, the default)", default=None)
@click.option(
    "--ablation",
    is_flag=True,
    help="run the rows of the paper's Table 3 and posynda's defaults instead of one adaptation",
)
@click.option(
    "--mlp-steps",
    type=click.IntRange(min=1),
    default=3000,
    show_default=True,
    help="--ablation: the MLP baseline's steps",
)
@precision_option
@compile_option
@threads_option
@quiet_option
def adapt(
    checkpoint,
    source,
    target,
    eval_path,
    keypoints,
    out,
    settings,
    device,
    resume,
    check,
    calibration,
    level,
    world_up,
    ablation,
    mlp_steps,
    precision,
    compile_model,
    quiet,
):
    """Adapt a source-trained lifter to an unlabelled target domain (PoSynDA; under torchrun data-parallel)."""
    check_precision(precision, resolve_device(device))  # a bad pair fails before any work
    if settings.lora or ablation:  # the ablation's paper rows use LoRA
        require("peft", purpose="--lora" if settings.lora else "--ablation (its paper rows use LoRA)")
    if launched_by_torchrun() and (ablation or not out):
        raise click.UsageError("under torchrun give --out (every process writes into one run directory), no --ablation")
    formats = []
    echo = click.echo if is_main_process() else (lambda _line: None)

    targets = tuple(target)
    cameras, view_of = [], []  # with --calibration: its cameras; the camera index of each target sequence
    for flag, given in (("--level / --no-level", level is not None), ("--world-up", world_up is not None)):
        if given and not calibration:
            raise click.UsageError(f"{flag} needs --calibration (the cameras' gravity)")
    if calibration:
        if not targets or ablation:
            raise click.UsageError("--calibration names the cameras of --target files: give --target, no --ablation")
        if keypoints.options.intrinsics is not None or keypoints.options.fov is not None:
            raise click.UsageError("--calibration gives each camera: drop --intrinsics / --fov")
        cameras = read_calibration(calibration)
        for path in targets:  # every target names a camera, before any work
            named = named_camera(cameras, Path(path).stem, calibration, option="--target")
            if level is not False:
                check_level(named, world_up or "z")

    def read_target(_first):  # every --target, any keypoint input, joined; one line per sequence (rank 0)
        sets = []
        for path in targets:
            how = keypoints
            if cameras:
                camera = named_camera(cameras, Path(path).stem, calibration, option="--target")
                how = read_through(keypoints, camera, calibration)
            clips, report = how.read(path, echo=echo, progress=not quiet and is_main_process())
            if cameras:
                check_picture_size(clips, camera, f"--target {path}")
                view_of.extend([[c.name for c in cameras].index(camera.name)] * clips.num_sequences)
            formats.append(report.format)
            sets.append(clips.without_3d())
        return sets[0] if len(sets) == 1 else concatenate(sets)

    target = targets[0] if targets else None

    base, src, tgt, test = adaptation_inputs(checkpoint, source, target, eval_path, read_target)  # before any folder
    eval_what = str(eval_path) if eval_path else "the embedded wild/test"
    if target and not eval_path and not ablation:
        test = None  # a user's own footage: no labelled data unless --eval names it
    views = footage_views(tgt, view_of, cameras, echo) if cameras else None
    if cameras and level is not False:  # as `lift --calibration` lifts (docs/realvideo.md: 107.2 -> 103.2 mm)
        tgt, views = levelled_target(tgt, view_of, cameras, axis_vector(world_up or "z"), views)
        echo("--calibration: adapting to the target as level cameras see it, each camera's gravity from the "
             "calibration (lift with --calibration; --no-level adapts to it as filmed)")  # fmt: skip
    out_dir = run_dir(out, "ablation" if ablation else "adapt", resume)
    if ablation:
        if formats and (formats[0] != "clips" or len(targets) > 1):  # the references read one clip file
            target = save_clips(out_dir / "target.npz", tgt)
            click.echo(f"wrote {target} (the target 2D as a clip file)")
        references = reference_rows(out_dir, base, src, test, target, click.echo, mlp_steps, resolve_device(device))
        run_ablation(
            base,
            src,
            tgt,
            test,
            out_dir,
            settings,
            ABLATION_ROWS,
            Console(),
            not quiet,
            device=device,
            references=references,
        )
        return
    try:
        report = adaptation.adapt(
            base, src, tgt, out_dir, settings, eval_clips=test, resume=resume, progress=not quiet,
            device=device, precision=precision, compile=compile_model, check=check, views=views,
        )  # fmt: skip
    except SettingsChanged as exc:  # name the options as typed, not the settings fields
        saved, current = typed_setting(exc.field, exc.saved), typed_setting(exc.field, exc.current)
        made = saved if saved.startswith("without ") else f"with {saved}"
        raise InputError(f"--resume: the run was made {made}, not {current}; use the same options") from None
    if not is_main_process():
        return
    params = f"{report['trainable_parameters']:,} trainable parameters; {report['seconds']:.0f} s"
    if "footage" in report:
        Console().print(footage_table(report["footage"], f"target footage, no labels: {tgt_frames(report)}; {params}"))
        click.echo(report["footage"]["verdict"])
    if test is not None:
        rows = {"before (source only)": report["before"], "after (adapted)": report["after"]}
        title = f"labelled data: {eval_what}, {test.num_frames} frames (scored only, never used to decide)"
        Console().print(metrics_table(rows, title=title))
    elif "footage" not in report:
        click.echo(f"{params}; no labelled data scored (give --eval)")
    rejected = out_dir / REJECTED_FILE
    extra = f" ({rejected.name}: the adapted weights, not kept)" if rejected.is_file() else ""
    click.echo(f"wrote {out_dir / 'model.safetensors'} and {out_dir / 'adapter'}{extra}")


def footage_views(target, view_of: list[int], cameras, echo) -> FootageViews | None:
    """Which target sequences are one person in two or more of the calibration's ``cameras`` (their 2D agree
    epipolarly), for the label-free check's multi-view measure; a line says what was found."""
    views = FootageViews.find(target, view_of, cameras)
    names = target.sequence_names()
    if views is None:
        echo("--calibration: no person is seen by two cameras at once (their 2D never agree epipolarly): "
             "no multi-view measure")  # fmt: skip
    else:
        echo(f"--calibration: {len(views.people)} people seen by several cameras: "
             + "; ".join(", ".join(names[s] for s in group) for group in views.people))  # fmt: skip
    return views


def tgt_frames(report: dict) -> str:
    return f"{report['footage']['before']['frames']} frames lifted before and after"


def footage_table(footage: dict, title: str) -> Table:
    """The label-free measures before and after, one row per measure the footage gives (the multi-view one only
    with cameras)."""
    table = Table(title=title)
    for column in ("measure", "before (source only)", "after (adapted)", "limit"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    for key, name in FOOTAGE_NAMES.items():
        b, a = footage["before"].get(key, float("nan")), footage.get("after", {}).get(key, float("nan"))
        if not (np.isfinite(b) or np.isfinite(a)):
            continue
        table.add_row(name, f"{b:.2f}", f"{a:.2f}", f"x{FOOTAGE_TOLERANCES[key]:g}")
    return table
