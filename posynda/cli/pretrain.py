"""``posynda pretrain``: train a diffusion denoiser on a labelled source domain."""

from __future__ import annotations

import sys

import click

from posynda.cli.options import (
    FILE,
    OUT_FOLDER,
    PRESET_HELP,
    PresetName,
    compile_option,
    device_option,
    precision_option,
    quiet_option,
    run_dir,
    threads_option,
)
from posynda.devices import check_precision, resolve_device
from posynda.distributed import is_main_process, launched_by_torchrun
from posynda.pretrain import pretrain_file
from posynda.runtime.settings import MAX_BATCH

POSITIVE_INT = click.IntRange(min=1)
BATCH = click.IntRange(min=1, max=MAX_BATCH)


@click.command()
@click.option(
    "--data",
    "data_path",
    type=FILE,
    default=None,
    help="labelled source clip file (default: embedded studio/train and the shipped real motion)",
)
@click.option("--preset", type=PresetName(), default="cpu", show_default=True, help=PRESET_HELP)
@click.option(
    "--steps", type=click.IntRange(1, 10**8), default=None,
    help="optimisation steps (default: the preset's recipe; cpu: 6000)",
)  # fmt: skip
@click.option("--out", type=OUT_FOLDER, default=None, help="run directory (default: runs/pretrain-<time>)")
@click.option("--resume", is_flag=True, help="continue the run in --out from its last checkpoint")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--batch-size", type=BATCH, default=None, help="clips per step (default: the preset's recipe)")
@click.option(
    "--lr",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="peak learning rate (default: the preset's recipe)",
)
@click.option("--checkpoint-every", type=POSITIVE_INT, default=None, help="steps between checkpoints")
@click.option(
    "--view-prob",
    type=click.FloatRange(0, 1),
    default=None,
    help="share of clips seen by a camera turned by a random pitch and roll (default: the preset's recipe; cpu: 0.5)",
)
@click.option(
    "--view-pitch",
    type=click.FloatRange(0, 90),
    default=None,
    help="largest such pitch, degrees (default: the preset's recipe; cpu: 20)",
)
@click.option(
    "--view-roll",
    type=click.FloatRange(0, 90),
    default=None,
    help="largest such roll, degrees (default: the preset's recipe; cpu: 5)",
)
@click.option(
    "--keypoint-noise",
    type=click.FloatRange(0, 0.2),
    default=None,
    help="detector-like 2D errors, the average joint's standard deviation as a share of the person's height "
    "(default: the preset's recipe; cpu: 0.02)",
)
@click.option(
    "--eval",
    "eval_data",
    type=FILE,
    default=None,
    help="labelled validation clip file, scored into metrics.jsonl during training (the training curve)",
)
@click.option(
    "--causal", is_flag=True,
    help="a causal lifter: no output depends on a later frame, so `lift --stream` returns each frame as it comes "
    "(zero look-ahead; one window per frame)",
)  # fmt: skip
@click.option("--eval-every", type=POSITIVE_INT, default=500, show_default=True, help="steps between --eval scores")
@device_option()
@precision_option
@compile_option
@threads_option
@quiet_option
def pretrain(
    data_path,
    preset,
    steps,
    out,
    resume,
    seed,
    batch_size,
    lr,
    checkpoint_every,
    view_prob,
    view_pitch,
    view_roll,
    keypoint_noise,
    eval_data,
    causal,
    eval_every,
    device,
    precision,
    compile_model,
    quiet,
):
    """Train a diffusion denoiser on a labelled source domain (under torchrun: data-parallel, --batch-size global)."""
    check_precision(precision, resolve_device(device))  # a bad pair fails before any folder is made
    if launched_by_torchrun() and not out:
        raise click.UsageError("under torchrun give --out (every process must write into the same run directory)")
    recipe = {"batch_size": batch_size, "lr": lr, "checkpoint_every": checkpoint_every, "view_prob": view_prob,
              "view_pitch_degrees": view_pitch, "view_roll_degrees": view_roll,
              "keypoint_noise": keypoint_noise}  # fmt: skip
    out_dir = run_dir(out, "pretrain", resume)
    overrides = {k: v for k, v in recipe.items() if v is not None}
    command = " ".join(["posynda", *sys.argv[1:]])
    model = pretrain_file(
        data_path, preset, steps, out_dir, overrides, resume=resume, seed=seed, progress=not quiet, command=command,
        eval_data=eval_data, eval_every=eval_every, device=device, precision=precision, compile=compile_model,
        causal=causal,
    )  # fmt: skip
    if is_main_process():
        click.echo(f"wrote {model}")
