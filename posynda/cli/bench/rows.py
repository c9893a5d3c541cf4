"""``posynda bench ...``: every benchmark, each writing JSON + Markdown into its run directory.

``--save`` also copies the files into ``bench/results/<machine>/`` (:mod:`posynda.bench.results`). Every
bench takes ``--threads`` (PyTorch's and ONNX Runtime's CPU threads, :func:`posynda.threads.use_threads`) and
``--quick`` (a smaller run for a first look; the values it changes are those the command line was not given,
and a quick run is never saved into bench/results). Benches that measure row after row write their JSON and
Markdown after every finished row, marked ``"complete": false`` until the end
(:class:`posynda.bench.results.RowWriter`): a run that is stopped keeps what it measured.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click
from click.core import ParameterSource

from posynda.adapt import AdaptSettings
from posynda.bench import adapt_step, curves, engine, flops, footage, kernels, latency, plots, suite, throughput, video
from posynda.bench import threads as threads_bench
from posynda.bench import training_step as train_bench
from posynda.bench.accuracy import references_markdown, run_accuracy, save_names
from posynda.bench.latency_backends import LATENCY_BACKENDS
from posynda.bench.plots import plot_if_available
from posynda.bench.realmotion import suite_files
from posynda.bench.realmotion_run import realmotion_markdown, run_realmotion
from posynda.bench.results import QUICK_NOT_SAVED, RowWriter, completed, measured_device, save_copies, write_results
from posynda.cli.adapt import adapt_settings_options, adaptation_data_options
from posynda.cli.lazy import LazyGroup
from posynda.cli.options import (
    FILE,
    FOLDER,
    ImageSize,
    IntList,
    NameList,
    PositiveList,
    PresetName,
    device_option,
    quiet_option,
    run_dir,
    threads_option,
)
from posynda.data import load_clips
from posynda.defaults import default_clips_path, shipped_checkpoint
from posynda.devices import PRECISIONS, check_precision, resolve_device
from posynda.errors import InputError
from posynda.fileio import atomic_write_text
from posynda.models import PRESETS
from posynda.pretrain import pretrain_file
from posynda.threads import chosen_threads

SAVE_HELP = "also write the results into bench/results/<machine>/ (root: $POSYNDA_BENCH_RESULTS)"
POSITIVE = click.IntRange(min=1)
QUICK_ADAPT_STEPS = 50  # --quick: adaptation steps of accuracy's and footage's runs
QUICK_TRAIN_STEPS = 200  # --quick: pretraining steps (the MLP baseline, the oracle, the real-motion base)


def out_option(name: str):
    return click.option("--out", type=FOLDER, default=None, help=f"run directory (default: runs/bench-{name}-<time>)")


def save_option(extra: str = ""):
    return click.option("--save", is_flag=True, help=SAVE_HELP + extra)


def json_option(fn):
    return click.option("--json", "json_path", type=FILE, default=None, help="also write the JSON here")(fn)


def quick_option(what: str):
    """``--quick``: a smaller run (``what`` it changes), never saved into the results folder."""
    return click.option("--quick", is_flag=True, help=f"a smaller run, never saved: {what} (options you give win)")


def quick_or(quick: bool, name: str, value, quick_value):
    """``quick_value`` under ``--quick`` when the option ``name`` was not given on the command line, else ``value``."""
    if not quick:
        return value
    source = click.get_current_context().get_parameter_source(name)
    return quick_value if source in (None, ParameterSource.DEFAULT) else value


def save_or_say(files, quick: bool, rename=None, device=None) -> None:
    """With ``--save``: copy ``files`` into the results folder, unless the run was ``--quick`` (then say why not)."""
    if quick:
        log_err(f"not saved: {QUICK_NOT_SAVED}")
        return
    click.echo(f"saved {', '.join(str(p) for p in save_copies(files, rename=rename, device=device))}")


def finish(
    out_dir: Path, stem: str, result: dict, markdown: str, json_path=None, save=False, plot=None, quick=False
) -> None:
    """Write ``stem.json`` / ``stem.md`` (+ ``stem.png`` from ``plot(result, path)``) of the finished run
    (``"complete": true``), print, copy to ``--json`` and, with ``save`` (not ``quick``), into the results folder."""
    result = completed(result)
    files = write_results(out_dir, stem, result, markdown)
    if plot is not None:
        files += plot_if_available(plot, result, out_dir / f"{stem}.png", log_err)
    click.echo(markdown)
    click.echo(f"wrote {', '.join(str(f) for f in files)}")
    if json_path:
        atomic_write_text(json_path, json.dumps(result, indent=2) + "\n")
        click.echo(f"wrote {json_path}")
    if save:
        save_or_say(files, quick, device=measured_device(result))


def require_data_dir(suite: str, data_dir) -> None:
    """The Bandai suites render their clips from ``--data-dir``: refuse them without it (before any folder)."""
    if suite == "bandai" and not data_dir:
        raise InputError("--suite bandai needs --data-dir (the Bandai-Namco-Research-Motiondataset-1 folder)")


def precisions_option(what: str):
    """``--precisions fp32,bf16,...`` (the autocast of ``what``), checked names, as a tuple."""
    return click.option(
        "--precisions", type=NameList(PRECISIONS, "precision"), default="fp32", show_default=True,
        help=f"comma-separated autocast of {what}: fp32, bf16, fp16 (CUDA)",
    )  # fmt: skip


def compiles_option(what: str):
    """``--compile off|on|off,on`` (torch.compile of ``what``) as a tuple of booleans in ``compiles``."""
    return click.option(
        "--compile", "compiles", type=NameList(("off", "on"), "compile setting"), default="off", show_default=True,
        callback=lambda _ctx, _param, names: tuple(n == "on" for n in names),
        help=f"off, on or off,on: torch.compile of {what}",
    )  # fmt: skip


def log_err(line: str) -> None:
    click.echo(line, err=True)


@click.group(cls=LazyGroup)
def bench():
    """Benchmarks (committed results live under bench/results/)."""


@bench.command("kernels")
@quick_option("fewer sizes and repeats (N in 1k, 16k)")
@click.option(
    "--compile/--no-compile",
    "use_compile",
    default=False,
    show_default=True,
    help="include torch.compile of the reference (minutes of compilation: opt-in)",
)
@threads_option
@click.option("--device", default=None, help="cuda, cuda:1 or cpu (default: cuda when available)")
@click.option("--sizes", type=IntList(), default=None, help="frame counts N (default: 1024,16384,262144)")
@click.option("--hypotheses", "-H", type=IntList(), default=None, help="hypothesis counts H (default: 1,3,5,20)")
@click.option(
    "--max-call-s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="skip calls extrapolated to take longer (default: 20 s on a CPU, 5 s with --quick, 60 s on a GPU)",
)
@out_option("kernels")
@save_option()
def bench_kernels(quick, use_compile, device, sizes, hypotheses, max_call_s, out, save):
    """reproject_select: Triton kernel vs PyTorch reference vs torch.compile (ms, GB/s, % of copy bandwidth)."""
    out_dir = run_dir(out, "bench-kernels")
    result = kernels.run(device, sizes=sizes, hypotheses=hypotheses or kernels.HYPOTHESES, quick=quick,
                         use_compile=use_compile, max_call_s=max_call_s, log=log_err,
                         on_row=RowWriter(out_dir, "kernels", kernels.markdown))  # fmt: skip
    finish(out_dir, "kernels", result, kernels.markdown(result), save=save, quick=quick)


@bench.command("flops")
@click.option("--config", type=PresetName("config"), default="paper", show_default=True, help="denoiser preset")
@click.option("--hypotheses", "-H", type=int, default=3, show_default=True, help="hypotheses per clip (paper: 3)")
@click.option("--steps", "-K", type=int, default=1, show_default=True, help="DDIM steps of one inference")
@click.option("--flip/--no-flip", default=True, show_default=True, help="flip augmentation: 2 evaluations per step")
@click.option("--rank", type=int, default=4, show_default=True, help="LoRA rank")
@threads_option
@json_option
@out_option("flops")
@save_option()
def bench_flops(config, hypotheses, steps, flip, rank, json_path, out, save):
    """Parameters and FLOPs of one denoiser evaluation: paper convention and full count, next to the paper."""
    result = flops.count_flops(config, hypotheses=hypotheses, steps=steps, flip=flip, rank=rank)
    finish(run_dir(out, "bench-flops"), f"flops-{config}", result, flops.markdown(result), json_path, save)


@bench.command("latency")
@click.option(
    "--config",
    "configs",
    type=NameList(PRESETS, "preset"),
    default="tiny,paper",
    show_default=True,
    help="comma-separated denoiser presets",
)
@click.option(
    "--backends",
    type=NameList(LATENCY_BACKENDS, "backend", allow_empty=True),
    default=None,
    help=f"comma-separated: {', '.join(LATENCY_BACKENDS)} (default: all; torch-compile only with CUDA)",
)
@click.option(
    "--batch",
    "batches",
    type=IntList(),
    default=None,
    help="comma-separated batch sizes (default: tiny 1,8,32; paper 1)",
)
@click.option("--repeats", type=POSITIVE, default=None, help="timed repeats per backend (default: tiny 30, paper 3)")
@click.option(
    "--warmup", type=click.IntRange(min=0), default=None, help="warm-up calls per backend (default: tiny 3, paper 1)"
)
@click.option("--e2e/--no-e2e", default=True, show_default=True, help="also time a 500-frame Lifter run")
@quick_option("tiny only, batch 1, 1 warm-up and 5 repeats")
@threads_option(keep=True)
@device_option("where the torch backends run (auto: CUDA when PyTorch sees a GPU)")
@json_option
@out_option("latency")
@save_option()
def bench_latency(configs, backends, batches, repeats, warmup, e2e, quick, threads, device, json_path, out, save):
    """Denoiser latency per backend and batch (median, p90, clips/s, poses/s) and a 10 s Lifter run end to end."""
    configs = quick_or(quick, "configs", configs, ("tiny",))
    batches = quick_or(quick, "batches", batches, (1,))
    repeats, warmup = quick_or(quick, "repeats", repeats, 5), quick_or(quick, "warmup", warmup, 1)
    out_dir = run_dir(out, "bench-latency")
    result = latency.run(configs, batches, repeats, threads, backends, warmup, e2e, log=log_err, device=device,
                         on_row=RowWriter(out_dir, "latency", latency.markdown))  # fmt: skip
    finish(out_dir, "latency", result, latency.markdown(result), json_path, save, plot=plots.plot_latency, quick=quick)


@bench.command("throughput")
@click.option(
    "--presets",
    type=NameList(PRESETS, "preset"),
    default=",".join(throughput.DEFAULT_PRESETS),
    show_default=True,
    help="comma-separated denoiser presets (ratios against the first)",
)
@click.option("--repeats", type=POSITIVE, default=5, show_default=True, help="timed repeats per preset")
@quick_option(f"presets {','.join(throughput.QUICK_PRESETS)}, 2 repeats")
@threads_option
@json_option
@out_option("throughput")
@save_option()
def bench_throughput(presets, repeats, quick, json_path, out, save):
    """Training-step time and sampling frames/s of each preset on the CPU, as ratios against the first."""
    presets = quick_or(quick, "presets", presets, throughput.QUICK_PRESETS)
    repeats = quick_or(quick, "repeats", repeats, 2)
    out_dir = run_dir(out, "bench-throughput")
    result = throughput.run(presets, repeats, log=log_err, on_row=RowWriter(out_dir, "throughput", throughput.markdown))
    finish(out_dir, "throughput", result, throughput.markdown(result), json_path, save, quick=quick)


@bench.command("adapt-step")
@click.option(
    "--presets",
    type=NameList(PRESETS, "preset"),
    default="cpu",
    show_default=True,
    help="comma-separated denoiser presets (cpu: the shipped model; others: random weights)",
)
@click.option("--hypotheses", "-H", type=IntList(), default="1,3,5", show_default=True, help="teacher hypotheses H")
@click.option("--repeats", type=POSITIVE, default=20, show_default=True, help="timed repeats per row")
@precisions_option("the student's forward")
@compiles_option("the student")
@quick_option("H 1,3, 1 warm-up and 3 repeats")
@threads_option
@device_option()
@json_option
@out_option("adapt-step")
@save_option()
def bench_adapt_step(presets, hypotheses, repeats, precisions, compiles, quick, device, json_path, out, save):
    """Cost of one adaptation step (GPA, teacher with H hypotheses, student step) and of its teacher alone."""
    for precision in precisions:
        check_precision(precision, resolve_device(device))  # before any folder
    hypotheses = quick_or(quick, "hypotheses", hypotheses, (1, 3))
    repeats, warmup = quick_or(quick, "repeats", repeats, 3), 1 if quick else 3
    out_dir = run_dir(out, "bench-adapt-step")
    writer = RowWriter(out_dir, "adapt_step", adapt_step.markdown)
    result = adapt_step.run(presets, hypotheses, repeats, warmup, device, precisions, compiles, on_row=writer)
    finish(out_dir, "adapt_step", result, adapt_step.markdown(result), json_path, save, quick=quick)


@bench.command("train")
@click.option(
    "--presets",
    type=NameList(PRESETS, "preset"),
    default=",".join(train_bench.DEFAULT_PRESETS),
    show_default=True,
    help="comma-separated denoiser presets (random weights, the recipe's batch)",
)
@precisions_option("the forward")
@compiles_option("the denoiser")
@click.option(
    "--world-sizes", type=IntList(), default="1,2", show_default=True,
    help="processes per row (torchrun for > 1; on CUDA one GPU each)",
)  # fmt: skip
@click.option("--repeats", type=POSITIVE, default=10, show_default=True, help="timed steps per row")
@click.option("--warmup", type=POSITIVE, default=3, show_default=True, help="untimed steps first (compilation)")
@quick_option("tiny only, world size 1, 1 warm-up and 3 timed steps")
@threads_option
@device_option()
@out_option("train")
@save_option()
def bench_train(presets, precisions, compiles, world_sizes, repeats, warmup, quick, device, out, save):
    """Training throughput and memory: frames/s, step ms, peak memory per preset, precision, compile, world size."""
    presets = quick_or(quick, "presets", presets, ("tiny",))
    world_sizes = quick_or(quick, "world_sizes", world_sizes, (1,))
    repeats, warmup = quick_or(quick, "repeats", repeats, 3), quick_or(quick, "warmup", warmup, 1)
    train_bench.check_rows(presets, precisions, world_sizes, device)  # before any folder
    out_dir = run_dir(out, "bench-train")
    result = train_bench.run_train(presets, precisions, compiles, world_sizes, device, repeats, warmup, log=click.echo,
                                   on_row=RowWriter(out_dir, "train", train_bench.markdown))  # fmt: skip
    finish(out_dir, "train", result, train_bench.markdown(result), save=save, quick=quick)


@bench.command("accuracy")
@adaptation_data_options
@adapt_settings_options(("steps", "hypotheses", "source_batch", "target_batch", "seed"))
@click.option(
    "--suite",
    type=click.Choice(["embedded", "bandai"]),
    default="embedded",
    show_default=True,
    help="embedded: the Table 3 ablation on the synthetic pair (or the given files); bandai: the real-motion "
    "benchmark rendered from --data-dir",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="bandai: the Bandai-Namco-Research-Motiondataset-1 folder (CC BY-NC; rendered clips go to the cache)",
)
@click.option("--variants", is_flag=True, help="bandai: every adaptation variant, scored on target-val (the study)")
@click.option("--mlp-steps", type=POSITIVE, default=3000, show_default=True, help="training steps of the MLP baseline")
@quick_option(f"{QUICK_ADAPT_STEPS} adaptation steps per row, {QUICK_TRAIN_STEPS} steps for the MLP, the oracle and "
              "the bandai base")  # fmt: skip
@threads_option
@device_option("where the lifters train and adapt (auto: CUDA when PyTorch sees a GPU)")
@out_option("accuracy")
@save_option("; the embedded pair as ablation-studio-wild.*, bandai as realmotion[-variants].*")
@quiet_option
def bench_accuracy(
    checkpoint, source, target, eval_path, settings, suite, data_dir, variants, mlp_steps, quick, device, out, save,
    quiet,
):  # fmt: skip
    """Accuracy against baselines: the Table 3 ablation, or the real-motion benchmark (--suite bandai)."""
    device = resolve_device(device)
    settings = dataclasses.replace(settings, steps=quick_or(quick, "steps", settings.steps, QUICK_ADAPT_STEPS))
    mlp_steps = quick_or(quick, "mlp_steps", mlp_steps, QUICK_TRAIN_STEPS)
    pretrain_steps = QUICK_TRAIN_STEPS if quick else None
    if suite == "bandai":
        require_data_dir(suite, data_dir)
        out_dir = run_dir(out, "bench-accuracy")
        run_realmotion(data_dir, out_dir, settings, variants=variants, log=click.echo, checkpoint=checkpoint,
                       pretrain_steps=pretrain_steps, mlp_steps=mlp_steps, device=device,
                       on_row=RowWriter(out_dir, "realmotion", realmotion_markdown))  # fmt: skip
        written = [out_dir / "realmotion.json", out_dir / "realmotion.md"]
        click.echo((out_dir / "realmotion.md").read_text())
        click.echo(f"wrote {', '.join(str(f) for f in written)}")
        if save:
            stem = "realmotion-variants" if variants else "realmotion"
            save_or_say(written, quick, rename={f.name: f"{stem}{f.suffix}" for f in written}, device=device)
        return
    files = dict(checkpoint=checkpoint, source=source, target=target, test=eval_path)
    out_dir = run_dir(out, "bench-accuracy")
    written = run_accuracy(out_dir, settings, log=click.echo, progress=not quiet, mlp_steps=mlp_steps, device=device,
                           pretrain_steps=pretrain_steps, on_row=RowWriter(out_dir, "ablation", references_markdown),
                           **files)  # fmt: skip
    click.echo(f"wrote {', '.join(str(f) for f in written)}")
    if save:
        save_or_say(written, quick, rename=save_names(files), device=device)


@bench.command("curves")
@click.option(
    "--suite",
    type=click.Choice(["embedded", "bandai"]),
    default="embedded",
    show_default=True,
    help="embedded: studio/train, validated on studio/test (or --train/--val); bandai: source-train, validated "
    "on target-val, rendered from --data-dir",
)
@click.option(
    "--data-dir", type=click.Path(file_okay=False, exists=True), default=None, help="bandai: the dataset folder"
)
@click.option("--train", "train_path", type=FILE, default=None, help="labelled training clip file")
@click.option("--val", "val_path", type=FILE, default=None, help="labelled validation clip file")
@click.option("--steps", type=POSITIVE, default=3000, show_default=True, help="training steps per variant")
@click.option("--eval-every", type=POSITIVE, default=250, show_default=True, help="steps between validation scores")
@click.option("--seed", type=int, default=0, show_default=True)
@quick_option(f"{QUICK_TRAIN_STEPS} steps per variant, validation every 50")
@threads_option
@device_option("where the variants train (auto: CUDA when PyTorch sees a GPU)")
@out_option("curves")
@save_option()
def bench_curves(suite, data_dir, train_path, val_path, steps, eval_every, seed, quick, device, out, save):
    """Training curves (validation MPJPE vs steps and seconds) of MixSTE / VideoPose x screen / root-normalised 2D."""
    steps = quick_or(quick, "steps", steps, QUICK_TRAIN_STEPS)
    eval_every = quick_or(quick, "eval_every", eval_every, 50)
    if suite == "bandai":
        require_data_dir(suite, data_dir)
        files = suite_files(data_dir, log=click.echo)
        train_path, val_path = train_path or files["source-train"], val_path or files["target-val"]
        data = {"train": "bandai source-train", "val": "bandai target-val"}
    else:
        data = {"train": str(train_path or "embedded studio/train"), "val": str(val_path or "embedded studio/test")}
        train_path = train_path or default_clips_path("studio", "train")
        val_path = val_path or default_clips_path("studio", "test")
    train, val = load_clips(train_path), load_clips(val_path)
    out_dir = run_dir(out, "bench-curves")
    device = resolve_device(device)
    result = curves.run_curves(train, val, out_dir, steps, eval_every, seed=seed, log=click.echo, data=data,
                               device=device, on_row=RowWriter(out_dir, "curves", curves.markdown))  # fmt: skip
    result["device"] = device
    finish(out_dir, "curves", result, curves.markdown(result), save=save, plot=plots.plot_curves, quick=quick)


@bench.command("footage")
@click.option(
    "--suite",
    type=click.Choice(["embedded", "bandai"]),
    default="embedded",
    show_default=True,
    help="embedded: shipped model, studio/train -> wild/train, scored on wild/test; bandai: source-train -> "
    "target-train, scored on target-val, rendered from --data-dir",
)
@click.option("--data-dir", type=click.Path(file_okay=False, exists=True), default=None, help="bandai: the dataset")
@click.option("--checkpoint", type=FILE, default=None, help="source-trained base (bandai default: pretrained here)")
@click.option(
    "--minutes",
    type=PositiveList(),
    default=",".join(f"{m:g}" for m in footage.DEFAULT_MINUTES),
    show_default=True,
    help="amounts of target 2D to adapt with (then all of it)",
)
@click.option("--seed", type=int, default=0, show_default=True, help="order in which target sequences are taken")
@quick_option(f"{','.join(f'{m:g}' for m in footage.QUICK_MINUTES)} minutes then all, {QUICK_ADAPT_STEPS} adaptation "
              f"steps each, a {QUICK_TRAIN_STEPS}-step bandai base")  # fmt: skip
@threads_option
@device_option("where the adaptations run (auto: CUDA when PyTorch sees a GPU)")
@out_option("footage")
@save_option()
def bench_footage(suite, data_dir, checkpoint, minutes, seed, quick, device, out, save):
    """Adaptation vs amount of unlabelled target footage: validation MPJPE against minutes of target 2D."""
    require_data_dir(suite, data_dir)
    minutes = quick_or(quick, "minutes", minutes, footage.QUICK_MINUTES)
    settings = AdaptSettings(steps=QUICK_ADAPT_STEPS) if quick else AdaptSettings()
    device = resolve_device(device)
    out_dir = run_dir(out, "bench-footage")
    if suite == "bandai":
        files = suite_files(data_dir, log=click.echo)
        source, target, val = (load_clips(files[k]) for k in ("source-train", "target-train", "target-val"))
        if checkpoint is None:
            click.echo("pretraining the default lifter on source-train (posynda pretrain --data source-train.npz)")
            checkpoint = pretrain_file(files["source-train"], "cpu", QUICK_TRAIN_STEPS if quick else None,
                                       out_dir / "source-only", progress=False, device=device)  # fmt: skip
        data = {"source": "bandai source-train", "target": "bandai target-train (2D)", "val": "bandai target-val"}
    else:
        source, target, val = (load_clips(default_clips_path(*k)) for k in (("studio", "train"), ("wild", "train"),
                                                                              ("wild", "test")))  # fmt: skip
        checkpoint = checkpoint or shipped_checkpoint()
        data = {"source": "embedded studio/train", "target": "embedded wild/train (2D)", "val": "embedded wild/test"}
    result = footage.run_footage(Path(checkpoint), source, target, val, out_dir, minutes, settings, seed=seed,
                                 log=click.echo, data=data, device=device,
                                 on_row=RowWriter(out_dir, "footage", footage.markdown))  # fmt: skip
    result["device"] = device
    finish(out_dir, "footage", result, footage.markdown(result), save=save, plot=plots.plot_footage, quick=quick)


@bench.command("engine")
@click.option("--sequences", type=POSITIVE, default=6, show_default=True, help="embedded wild/test sequences")
@click.option("--repeats", type=POSITIVE, default=5, show_default=True, help="runs per sequence (median)")
@quick_option("2 sequences, 1 run each, H1 K1 only")
@threads_option(keep=True)
@out_option("engine")
@save_option()
def bench_engine(sequences, repeats, quick, threads, out, save):
    """libposynda (C) vs the Python runtime per sequence and per streamed frame; int8 vs fp32 speed and MPJPE."""
    sequences, repeats = quick_or(quick, "sequences", sequences, 2), quick_or(quick, "repeats", repeats, 1)
    settings = ("H1 K1 flip",) if quick else tuple(engine.SETTINGS)
    out_dir = run_dir(out, "bench-engine")
    result = engine.run_engine(sequences, repeats, threads or chosen_threads(), log=click.echo, settings=settings,
                               on_row=RowWriter(out_dir, "engine", engine.markdown))  # fmt: skip
    finish(out_dir, "engine", result, engine.markdown(result), save=save, quick=quick)


@bench.command("threads")
@click.option(
    "--load", type=click.IntRange(0, 64), default=None,
    help="busy processes during the loaded half (default: one per physical core)",
)  # fmt: skip
@click.option("--repeats", type=POSITIVE, default=None, help="timed repeats per cell (default: per workload)")
@quick_option(f"workloads {','.join(threads_bench.QUICK_WORKLOADS)}, fewer repeats")
@out_option("threads")
@save_option()
def bench_threads(load, repeats, quick, out, save):
    """posynda's thread default vs PyTorch's vs one thread, idle and with busy processes (each in a fresh process).

    It sets the threads of every worker itself, so it has no --threads."""
    out_dir = run_dir(out, "bench-threads")
    result = threads_bench.run(quick=quick, load=load, repeats=repeats, log=log_err,
                               on_row=RowWriter(out_dir, "threads", threads_bench.markdown))  # fmt: skip
    finish(out_dir, "threads", result, threads_bench.markdown(result), save=save, quick=quick)


@bench.command("plot")
@click.option("--ablation", type=click.Path(dir_okay=False, exists=True), default=None, help="an ablation.json")
@click.option(
    "--latency", "latency_json", type=click.Path(dir_okay=False, exists=True), default=None, help="a latency.json"
)
@click.option("--out", type=FILE, default=None, help="PNG (default: the JSON path, .png)")
@threads_option
def bench_plot(ablation, latency_json, out):
    """PNG of an ablation (MPJPE per row) or of a latency run (latency vs batch per backend)."""
    if bool(ablation) == bool(latency_json):
        raise InputError("give exactly one of --ablation FILE.json and --latency FILE.json")
    source = Path(ablation or latency_json)
    target = Path(out) if out else source.with_suffix(".png")
    written = plots.plot_ablation(source, target) if ablation else plots.plot_latency(source, target)
    click.echo(f"wrote {written}")


@bench.command("all")
@click.option("--quick", is_flag=True, help="quick sizes: latency of tiny only, 5 repeats")
@click.option(
    "--with-accuracy", is_flag=True, help="also run the Table 3 ablation (references + six adaptation runs; long)"
)
@click.option("--accuracy-steps", type=int, default=None, help="steps per ablation row (default: as adapt)")
@click.option(
    "--skip",
    type=NameList(suite.BENCHES, "bench", allow_empty=True),
    default="",
    help="comma-separated benches not to run: " + ", ".join(suite.BENCHES),
)
@threads_option
@out_option("all")
@save_option(" (not the runs --quick shortens)")
def bench_all(quick, with_accuracy, accuracy_steps, skip, out, save):
    """Every benchmark that fits this machine (FLOPs, kernels, latency; accuracy on request); says what it skipped."""
    summary = suite.run_all(run_dir(out, "bench-all"), quick, with_accuracy, skip, save, accuracy_steps, log=log_err)
    click.echo(suite.summary_markdown(summary))
    if save:
        click.echo(f"saved into {summary['saved_to']}")


@bench.command("video")
@click.option(
    "--suite",
    type=click.Choice(["embedded", "bandai"]),
    default="embedded",
    show_default=True,
    help="embedded: wild/test with the shipped model; bandai: target-test (real motion), rendered from --data-dir",
)
@click.option("--data-dir", type=click.Path(file_okay=False, exists=True), default=None, help="bandai: the dataset")
@click.option(
    "--checkpoint",
    "checkpoints",
    type=click.Path(dir_okay=False, exists=True),
    multiple=True,
    help="model(s) to score, repeatable (embedded default: the shipped model; bandai: required)",
)
@click.option("--frames", type=POSITIVE, default=video.DEFAULT_FRAMES, show_default=True, help="frames per sequence")
@click.option("--sequences", type=POSITIVE, default=None, help="at most this many sequences (default: all)")
@click.option(
    "--size", type=ImageSize(), default="x".join(map(str, video.DEFAULT_SIZE)), show_default=True, help="video WxH"
)
@quick_option("2 sequences of 50 frames")
@threads_option
@out_option("video")
@save_option()
def bench_video(suite, data_dir, checkpoints, frames, sequences, size, quick, out, save):
    """The video path: labelled poses filmed as a mannequin, BlazePose, lifted; true vs detected 2D."""
    require_data_dir(suite, data_dir)
    frames, sequences = quick_or(quick, "frames", frames, 50), quick_or(quick, "sequences", sequences, 2)
    if suite == "bandai":
        if not checkpoints:
            raise InputError(
                "--suite bandai needs --checkpoint (a model trained on its source, e.g. bench realmotion's)"
            )
        clips, data = load_clips(suite_files(data_dir, log=click.echo)["target-test"]), "bandai target-test"
    else:
        clips, data = load_clips(default_clips_path("wild", "test")), "embedded wild/test"
    models = {str(Path(c)): Path(c) for c in checkpoints} or {"shipped": shipped_checkpoint()}
    out_dir = run_dir(out, "bench-video")
    result = video.run_video(models, clips, out_dir, frames, size, sequences, log=click.echo, data=data,
                             on_row=RowWriter(out_dir, "video", video.markdown))  # fmt: skip
    finish(out_dir, "video", result, video.markdown(result), save=save, quick=quick)
