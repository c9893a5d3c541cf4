"""The runs of the ``posynda bench`` rows that read the embedded or the Bandai suite (:func:`suite_clips`:
``curves``, ``footage``, ``video``, ``accuracy``) and of the rows that are more than one bench run
(``finished=False`` in :data:`posynda.cli.bench.rows.BENCHES`: ``accuracy`` with its two suites and file names,
``all``, ``plot``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from posynda.adapt import AdaptSettings
from posynda.bench import curves, footage, plots, suite, video
from posynda.bench.accuracy import references_markdown, run_accuracy, save_names
from posynda.bench.realmotion import suite_files
from posynda.bench.realmotion_run import realmotion_markdown, run_realmotion
from posynda.bench.results import RowWriter
from posynda.cli.bench.common import (
    QUICK_ADAPT_STEPS,
    QUICK_TRAIN_STEPS,
    log_err,
    quick_or,
    require_data_dir,
    save_or_say,
)
from posynda.data import ClipSet, load_clips
from posynda.defaults import default_clips_path, shipped_checkpoint
from posynda.devices import resolve_device
from posynda.errors import InputError
from posynda.pretrain import pretrain_file

# The clips of each suite's roles: (bandai file, embedded domain/split, what the data line adds).
CURVES_DATA = {"train": ("source-train", "studio/train", ""), "val": ("target-val", "studio/test", "")}
FOOTAGE_DATA = {
    "source": ("source-train", "studio/train", ""),
    "target": ("target-train", "wild/train", " (2D)"),
    "val": ("target-val", "wild/test", ""),
}
VIDEO_DATA = {"test": ("target-test", "wild/test", "")}


def suite_clips(
    suite_name: str, data_dir, roles: dict[str, tuple[str, str, str]], given: dict | None = None
) -> tuple[list[ClipSet], dict[str, str], dict[str, Path]]:
    """The clips of each role (``role -> (bandai file, embedded "domain/split", note)``; a path in ``given``
    wins), the data line of each (``"bandai target-val"``, ``"embedded wild/test (2D)"``) and its file."""
    files = suite_files(data_dir, log=click.echo) if suite_name == "bandai" else None
    clips, data, paths = [], {}, {}
    for role, (bandai_key, embedded, note) in roles.items():
        if given and given.get(role):
            path, name = Path(given[role]), str(given[role])
        elif files is not None:
            path, name = Path(files[bandai_key]), f"bandai {bandai_key}"
        else:
            path, name = default_clips_path(*embedded.split("/")), f"embedded {embedded}"
        clips.append(load_clips(path))
        data[role], paths[role] = name + note, path
    return clips, data, paths


def run_accuracy_command(
    out_dir, quick, save, checkpoint, source, target, eval_path, settings, suite, data_dir, variants, causal,
    mlp_steps, quiet, device,
):  # fmt: skip
    """``bench accuracy``: the Table 3 ablation on the embedded pair (or given files), or with ``suite="bandai"``
    the real-motion benchmark (``causal``: with the causal lifters too); saved under their own names
    (ablation-studio-wild.*, realmotion[-variants][-causal].*)."""
    device = resolve_device(device)
    settings = dataclasses.replace(settings, steps=quick_or(quick, "steps", settings.steps, QUICK_ADAPT_STEPS))
    pretrain_steps = QUICK_TRAIN_STEPS if quick else None
    if causal and suite != "bandai":
        raise InputError("--causal adds the causal lifters to the real-motion benchmark: give --suite bandai")
    if suite == "bandai":
        run_realmotion(data_dir, out_dir, settings, variants=variants, log=click.echo, checkpoint=checkpoint,
                       pretrain_steps=pretrain_steps, mlp_steps=mlp_steps, device=device,
                       on_row=RowWriter(out_dir, "realmotion", realmotion_markdown), causal=causal)  # fmt: skip
        written = [out_dir / "realmotion.json", out_dir / "realmotion.md"]
        click.echo((out_dir / "realmotion.md").read_text())
        click.echo(f"wrote {', '.join(str(f) for f in written)}")
        if save:
            stem = "realmotion" + ("-variants" if variants else "") + ("-causal" if causal else "")
            save_or_say(written, quick, rename={f.name: f"{stem}{f.suffix}" for f in written}, device=device)
        return
    files = dict(checkpoint=checkpoint, source=source, target=target, test=eval_path)
    written = run_accuracy(out_dir, settings, log=click.echo, progress=not quiet, mlp_steps=mlp_steps, device=device,
                           pretrain_steps=pretrain_steps, on_row=RowWriter(out_dir, "ablation", references_markdown),
                           **files)  # fmt: skip
    click.echo(f"wrote {', '.join(str(f) for f in written)}")
    if save:
        save_or_say(written, quick, rename=save_names(files), device=device)


def run_all(out_dir, quick, save, with_accuracy, accuracy_steps, skip):
    """``bench all``: every bench that fits this machine; the summary says what it skipped and why."""
    summary = suite.run_all(out_dir, quick, with_accuracy, skip, save, accuracy_steps, log=log_err)
    click.echo(suite.summary_markdown(summary))
    if save:
        click.echo(f"saved into {summary['saved_to']}")


def run_plot(ablation, latency_json, out):
    """``bench plot``: the PNG of an ablation.json or a latency.json."""
    if bool(ablation) == bool(latency_json):
        raise InputError("give exactly one of --ablation FILE.json and --latency FILE.json")
    source = Path(ablation or latency_json)
    target = Path(out) if out else source.with_suffix(".png")
    written = plots.plot_ablation(source, target) if ablation else plots.plot_latency(source, target)
    click.echo(f"wrote {written}")


def run_curves(out_dir, on_row, quick, suite, data_dir, train_path, val_path, steps, eval_every, seed, device):
    (train, val), data, _ = suite_clips(suite, data_dir, CURVES_DATA, {"train": train_path, "val": val_path})
    device = resolve_device(device)
    result = curves.run_curves(train, val, out_dir, steps, eval_every, seed=seed, log=click.echo, data=data,
                               device=device, on_row=on_row)  # fmt: skip
    return {**result, "device": device}


def run_footage(out_dir, on_row, quick, suite, data_dir, checkpoint, minutes, seed, device):
    settings = AdaptSettings(steps=QUICK_ADAPT_STEPS) if quick else AdaptSettings()
    device = resolve_device(device)
    (source, target, val), data, files = suite_clips(suite, data_dir, FOOTAGE_DATA)
    if suite == "bandai" and checkpoint is None:
        click.echo("pretraining the default lifter on source-train (posynda pretrain --data source-train.npz)")
        checkpoint = pretrain_file(files["source"], "cpu", QUICK_TRAIN_STEPS if quick else None,
                                   out_dir / "source-only", progress=False, device=device)  # fmt: skip
    checkpoint = checkpoint or shipped_checkpoint()
    result = footage.run_footage(Path(checkpoint), source, target, val, out_dir, minutes, settings, seed=seed,
                                 log=click.echo, data=data, device=device, on_row=on_row)  # fmt: skip
    return {**result, "device": device}


def check_video(suite, data_dir, checkpoints, size, **_):
    require_data_dir(suite, data_dir)
    video.check_size(size)
    if suite == "bandai" and not checkpoints:
        raise InputError("--suite bandai needs --checkpoint (a model trained on its source, e.g. bench realmotion's)")


def run_video(out_dir, on_row, quick, suite, data_dir, checkpoints, frames, sequences, size):
    (clips,), data, _ = suite_clips(suite, data_dir, VIDEO_DATA)
    models = {str(Path(c)): Path(c) for c in checkpoints} or {"shipped": shipped_checkpoint()}
    return video.run_video(models, clips, out_dir, frames, size, sequences, log=click.echo, data=data["test"],
                           on_row=on_row)  # fmt: skip
