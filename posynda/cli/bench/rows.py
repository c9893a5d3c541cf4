"""The table of ``posynda bench`` commands: one :class:`BenchRow` per benchmark.

A row names the command, the function that runs it (``run(out_dir, on_row, quick, **options) -> result``,
calling into :mod:`posynda.bench`), the options of that bench alone, what ``--quick`` changes, the results
file stem and its Markdown. :mod:`posynda.cli.bench` turns each row into a click command and adds the
block every bench shares (``--quick``, ``--threads``, ``--device``, ``--json``, ``--out``, ``--save``).
Adding a bench is a module in ``bench/`` plus a row here (and, where its run needs preparing, the small
function that prepares it, below its row's neighbours).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click

from posynda.bench import (
    adapt_step,
    curves,
    engine,
    flops,
    flops_report,
    footage,
    kernels,
    latency,
    live,
    plots,
    realvideo,
    suite,
    throughput,
    video,
)
from posynda.bench import threads as threads_bench
from posynda.bench import training_step as train_bench
from posynda.bench.latency_backends import LATENCY_BACKENDS
from posynda.cli.adapt import adapt_settings_options, adaptation_data_options
from posynda.cli.bench.common import (
    POSITIVE,
    QUICK_ADAPT_STEPS,
    QUICK_TRAIN_STEPS,
    compiles_option,
    data_dir_option,
    log_err,
    precisions_option,
    require_data_dir,
    suite_option,
)
from posynda.cli.bench.suites import (
    check_video,
    run_accuracy_command,
    run_all,
    run_curves,
    run_footage,
    run_plot,
    run_video,
)
from posynda.cli.options import (
    FILE,
    ImageSize,
    IntList,
    NameList,
    PositiveList,
    PresetName,
    quiet_option,
    world_up_option,
)
from posynda.devices import check_precision, resolve_device
from posynda.limits import MAX_HYPOTHESES, MAX_STEPS
from posynda.models import PRESETS
from posynda.threads import chosen_threads


@dataclass(frozen=True)
class BenchRow:
    """One ``posynda bench <name>`` command.

    Attributes:
        name: the command name.
        run: ``run(out_dir, on_row, quick, **options) -> result dict`` (``finished=False``: the command body
            itself, called with the options as given and ``out_dir`` / ``quick`` where the row has them).
        help: the first line of ``--help``.
        options: click options of this bench alone, in help order.
        stem: the results file stem (or a function of the options).
        markdown: ``markdown(result) -> str`` of the results file.
        quick: option name -> its value under ``--quick`` (when the option was not given).
        quick_help: what ``--quick`` changes (None: no ``--quick``).
        check: ``check(**options)``: refusals known before any folder is made.
        plot: ``plot(result, path)``, a PNG beside the results.
        json: the row takes ``--json``.
        device: the help of ``--device`` (None: no ``--device``, or the row's own).
        threads: "set" (``--threads`` sets the threads), "keep" (also hands ``threads`` to the run), "none".
        save_help: appended to ``--save``'s help (None: no ``--save``).
        out: the row takes ``--out``.
        finished: the generated command writes the results (``finish``); False: ``run`` does everything.
    """

    name: str
    run: Callable[..., dict | None]
    help: str
    options: tuple = ()
    stem: str | Callable[[dict], str] = ""
    markdown: Callable[[dict], str] | None = None
    quick: Mapping[str, object] = field(default_factory=dict)
    quick_help: str | None = None
    check: Callable[..., None] | None = None
    plot: Callable | None = None
    json: bool = False
    device: str | None = None
    threads: str = "set"
    save_help: str | None = ""
    out: bool = True
    finished: bool = True

    def stem_of(self, options: dict) -> str:
        return self.stem(options) if callable(self.stem) else (self.stem or self.name.replace("-", "_"))


def _kernels(out_dir, on_row, quick, use_compile, device, sizes, hypotheses, max_call_s):
    return kernels.run(device, sizes=sizes, hypotheses=hypotheses or kernels.HYPOTHESES, quick=quick,
                       use_compile=use_compile, max_call_s=max_call_s, log=log_err, on_row=on_row)  # fmt: skip


def _flops(out_dir, on_row, quick, config, hypotheses, steps, flip, rank):
    return flops.count_flops(config, hypotheses=hypotheses, steps=steps, flip=flip, rank=rank)


def _latency(out_dir, on_row, quick, configs, backends, batches, repeats, warmup, e2e, threads, device):
    return latency.run(configs, batches, repeats, threads, backends, warmup, e2e, log=log_err, device=device,
                       on_row=on_row)  # fmt: skip


def _throughput(out_dir, on_row, quick, presets, repeats):
    return throughput.run(presets, repeats, log=log_err, on_row=on_row)


def _check_adapt_step(precisions, device, **_):
    for precision in precisions:
        check_precision(precision, resolve_device(device))


def _adapt_step(out_dir, on_row, quick, presets, hypotheses, repeats, precisions, compiles, device):
    warmup = 1 if quick else 3
    return adapt_step.run(presets, hypotheses, repeats, warmup, device, precisions, compiles, on_row=on_row)


def _check_train(presets, precisions, world_sizes, device, **_):
    train_bench.check_rows(presets, precisions, world_sizes, device)


def _train(out_dir, on_row, quick, presets, precisions, compiles, world_sizes, repeats, warmup, device):
    return train_bench.run_train(presets, precisions, compiles, world_sizes, device, repeats, warmup, log=click.echo,
                                 on_row=on_row)  # fmt: skip


def _engine(out_dir, on_row, quick, sequences, repeats, threads):
    settings = ("H1 K1 flip",) if quick else tuple(engine.SETTINGS)
    return engine.run_engine(sequences, repeats, threads or chosen_threads(), log=click.echo, settings=settings,
                             on_row=on_row)  # fmt: skip


def _threads(out_dir, on_row, quick, load, repeats):
    return threads_bench.run(quick=quick, load=load, repeats=repeats, log=log_err, on_row=on_row)


def _realvideo(out_dir, on_row, quick, data_dir, checkpoint, hypotheses, steps, frames, max_px, seed, adapt,
               adapt_steps, world_up):  # fmt: skip
    return realvideo.run(data_dir, checkpoint, hypotheses, steps, frames, max_px, seed, quick, log=log_err,
                         on_row=on_row, adapt_to=Path(out_dir) / "adapted" if adapt else None,
                         adapt_steps=adapt_steps, world_up=world_up)  # fmt: skip


def _live(out_dir, on_row, quick, videos, frames, size, idle_only):
    return live.run(out_dir, list(videos), frames, size, ("idle",) if idle_only else live.LOADS, log=log_err,
                    on_row=on_row)  # fmt: skip


def _realvideo_stem(options: dict) -> str:
    """``realvideo`` for the shipped model, ``realvideo-<run folder>`` for ``--checkpoint <run>/model...``."""
    checkpoint = options.get("checkpoint")
    return "realvideo" if not checkpoint else f"realvideo-{Path(checkpoint).resolve().parent.name}"


def _check_realvideo(data_dir, **_):
    realvideo.find_recording(data_dir)  # the calibration and one video per camera, before any folder


def _require_data_dir(suite, data_dir, **_):
    require_data_dir(suite, data_dir)


BANDAI_SUITE = "bandai: the real-motion benchmark rendered from --data-dir"

BENCHES: tuple[BenchRow, ...] = (
    BenchRow(
        "kernels", _kernels,
        "reproject_select: Triton kernel vs PyTorch reference vs torch.compile (ms, GB/s, % of copy bandwidth).",
        options=(
            click.option("--compile/--no-compile", "use_compile", default=False, show_default=True,
                         help="include torch.compile of the reference (minutes of compilation: opt-in)"),
            click.option("--device", default=None, help="cuda, cuda:1 or cpu (default: cuda when available)"),
            click.option("--sizes", type=IntList(), default=None, help="frame counts N (default: 1024,16384,262144)"),
            click.option("--hypotheses", "-H", type=IntList(), default=None,
                         help="hypothesis counts H (default: 1,3,5,20)"),
            click.option("--max-call-s", type=click.FloatRange(min=0, min_open=True), default=None,
                         help="skip calls extrapolated to take longer (default: 20 s on a CPU, 5 s with --quick, "
                         "60 s on a GPU)"),
        ),
        markdown=kernels.markdown, quick_help="fewer sizes and repeats (N in 1k, 16k)",
    ),
    BenchRow(
        "flops", _flops,
        "Parameters and FLOPs of one denoiser evaluation: paper convention and full count, next to the paper.",
        options=(
            click.option("--config", type=PresetName("config"), default="paper", show_default=True,
                         help="denoiser preset"),
            click.option("--hypotheses", "-H", type=int, default=3, show_default=True,
                         help="hypotheses per clip (paper: 3)"),
            click.option("--steps", "-K", type=int, default=1, show_default=True, help="DDIM steps of one inference"),
            click.option("--flip/--no-flip", default=True, show_default=True,
                         help="flip augmentation: 2 evaluations per step"),
            click.option("--rank", type=int, default=4, show_default=True, help="LoRA rank"),
        ),
        stem=lambda options: f"flops-{options['config']}", markdown=flops_report.markdown, json=True,
    ),
    BenchRow(
        "latency", _latency,
        "Denoiser latency per backend and batch (median, p90, clips/s, poses/s) and a 10 s Lifter run end to end.",
        options=(
            click.option("--config", "configs", type=NameList(PRESETS, "preset"), default="tiny,paper",
                         show_default=True, help="comma-separated denoiser presets"),
            click.option("--backends", type=NameList(LATENCY_BACKENDS, "backend", allow_empty=True), default=None,
                         help=f"comma-separated: {', '.join(LATENCY_BACKENDS)} (default: all; torch-compile only "
                         "with CUDA)"),
            click.option("--batch", "batches", type=IntList(), default=None,
                         help="comma-separated batch sizes (default: tiny 1,8,32; paper 1)"),
            click.option("--repeats", type=POSITIVE, default=None,
                         help="timed repeats per backend (default: tiny 30, paper 3)"),
            click.option("--warmup", type=click.IntRange(min=0), default=None,
                         help="warm-up calls per backend (default: tiny 3, paper 1)"),
            click.option("--e2e/--no-e2e", default=True, show_default=True, help="also time a 500-frame Lifter run"),
        ),
        markdown=latency.markdown, plot=plots.plot_latency, json=True, threads="keep",
        quick={"configs": ("tiny",), "batches": (1,), "repeats": 5, "warmup": 1},
        quick_help="tiny only, batch 1, 1 warm-up and 5 repeats",
        device="where the torch backends run (auto: CUDA when PyTorch sees a GPU)",
    ),
    BenchRow(
        "throughput", _throughput,
        "Training-step time and sampling frames/s of each preset on the CPU, as ratios against the first.",
        options=(
            click.option("--presets", type=NameList(PRESETS, "preset"), default=",".join(throughput.DEFAULT_PRESETS),
                         show_default=True, help="comma-separated denoiser presets (ratios against the first)"),
            click.option("--repeats", type=POSITIVE, default=5, show_default=True, help="timed repeats per preset"),
        ),
        markdown=throughput.markdown, json=True, quick={"presets": throughput.QUICK_PRESETS, "repeats": 2},
        quick_help=f"presets {','.join(throughput.QUICK_PRESETS)}, 2 repeats",
    ),
    BenchRow(
        "adapt-step", _adapt_step,
        "Cost of one adaptation step (GPA, teacher with H hypotheses, student step) and of its teacher alone.",
        options=(
            click.option("--presets", type=NameList(PRESETS, "preset"), default="cpu", show_default=True,
                         help="comma-separated denoiser presets (cpu: the shipped model; others: random weights)"),
            click.option("--hypotheses", "-H", type=IntList(), default="1,3,5", show_default=True,
                         help="teacher hypotheses H"),
            click.option("--repeats", type=POSITIVE, default=20, show_default=True, help="timed repeats per row"),
            precisions_option("the student's forward"),
            compiles_option("the student"),
        ),
        markdown=adapt_step.markdown, json=True, check=_check_adapt_step, device="",
        quick={"hypotheses": (1, 3), "repeats": 3}, quick_help="H 1,3, 1 warm-up and 3 repeats",
    ),
    BenchRow(
        "train", _train,
        "Training throughput and memory: frames/s, step ms, peak memory per preset, precision, compile, world size.",
        options=(
            click.option("--presets", type=NameList(PRESETS, "preset"), default=",".join(train_bench.DEFAULT_PRESETS),
                         show_default=True,
                         help="comma-separated denoiser presets (random weights, the recipe's batch)"),
            precisions_option("the forward"),
            compiles_option("the denoiser"),
            click.option("--world-sizes", type=IntList(), default="1,2", show_default=True,
                         help="processes per row (torchrun for > 1; on CUDA one GPU each)"),
            click.option("--repeats", type=POSITIVE, default=10, show_default=True, help="timed steps per row"),
            click.option("--warmup", type=POSITIVE, default=3, show_default=True,
                         help="untimed steps first (compilation)"),
        ),
        markdown=train_bench.markdown, check=_check_train, device="",
        quick={"presets": ("tiny",), "world_sizes": (1,), "repeats": 3, "warmup": 1},
        quick_help="tiny only, world size 1, 1 warm-up and 3 timed steps",
    ),
    BenchRow(
        "accuracy", run_accuracy_command,
        "Accuracy against baselines: the Table 3 ablation, or the real-motion benchmark (--suite bandai).",
        options=(
            adaptation_data_options,
            adapt_settings_options(("steps", "hypotheses", "source_batch", "target_batch", "seed")),
            suite_option("embedded: the Table 3 ablation on the synthetic pair (or the given files); "
                         + BANDAI_SUITE),
            data_dir_option("bandai: the Bandai-Namco-Research-Motiondataset-1 folder (CC BY-NC; rendered clips go "
                            "to the cache)"),
            click.option("--variants", is_flag=True,
                         help="bandai: every adaptation variant, scored on target-val (the study)"),
            click.option("--causal", is_flag=True,
                         help="bandai: also the causal lifters (pretrain --causal: zero look-ahead) in the same run"),
            click.option("--mlp-steps", type=POSITIVE, default=3000, show_default=True,
                         help="training steps of the MLP baseline"),
            quiet_option,
        ),
        quick={"mlp_steps": QUICK_TRAIN_STEPS},
        quick_help=f"{QUICK_ADAPT_STEPS} adaptation steps per row, {QUICK_TRAIN_STEPS} steps for the MLP, the "
        "oracle and the bandai base",
        check=_require_data_dir, device="where the lifters train and adapt (auto: CUDA when PyTorch sees a GPU)",
        save_help="; the embedded pair as ablation-studio-wild.*, bandai as realmotion[-variants][-causal].*",
        finished=False,
    ),
    BenchRow(
        "curves", run_curves,
        "Training curves (validation MPJPE vs steps and seconds) of MixSTE / VideoPose x screen / root-normalised 2D.",
        options=(
            suite_option("embedded: studio/train, validated on studio/test (or --train/--val); bandai: "
                         "source-train, validated on target-val, rendered from --data-dir"),
            data_dir_option(),
            click.option("--train", "train_path", type=FILE, default=None, help="labelled training clip file"),
            click.option("--val", "val_path", type=FILE, default=None, help="labelled validation clip file"),
            click.option("--steps", type=POSITIVE, default=3000, show_default=True, help="training steps per variant"),
            click.option("--eval-every", type=POSITIVE, default=250, show_default=True,
                         help="steps between validation scores"),
            click.option("--seed", type=int, default=0, show_default=True),
        ),
        markdown=curves.markdown, plot=plots.plot_curves, check=_require_data_dir,
        quick={"steps": QUICK_TRAIN_STEPS, "eval_every": 50},
        quick_help=f"{QUICK_TRAIN_STEPS} steps per variant, validation every 50",
        device="where the variants train (auto: CUDA when PyTorch sees a GPU)",
    ),
    BenchRow(
        "footage", run_footage,
        "Adaptation vs amount of unlabelled target footage: validation MPJPE against minutes of target 2D.",
        options=(
            suite_option("embedded: shipped model, studio/train -> wild/train, scored on wild/test; bandai: "
                         "source-train -> target-train, scored on target-val, rendered from --data-dir"),
            data_dir_option(),
            click.option("--checkpoint", type=FILE, default=None,
                         help="source-trained base (bandai default: pretrained here)"),
            click.option("--minutes", type=PositiveList(), default=",".join(f"{m:g}" for m in footage.DEFAULT_MINUTES),
                         show_default=True, help="amounts of target 2D to adapt with (then all of it)"),
            click.option("--seed", type=int, default=0, show_default=True,
                         help="order in which target sequences are taken"),
        ),
        markdown=footage.markdown, plot=plots.plot_footage, check=_require_data_dir,
        quick={"minutes": footage.QUICK_MINUTES},
        quick_help=f"{','.join(f'{m:g}' for m in footage.QUICK_MINUTES)} minutes then all, {QUICK_ADAPT_STEPS} "
        f"adaptation steps each, a {QUICK_TRAIN_STEPS}-step bandai base",
        device="where the adaptations run (auto: CUDA when PyTorch sees a GPU)",
    ),
    BenchRow(
        "engine", _engine,
        "libposynda (C) vs the Python runtime per sequence and per streamed frame; int8 vs fp32 speed and MPJPE.",
        options=(
            click.option("--sequences", type=POSITIVE, default=6, show_default=True,
                         help="embedded wild/test sequences"),
            click.option("--repeats", type=POSITIVE, default=5, show_default=True, help="runs per sequence (median)"),
        ),
        markdown=engine.markdown, threads="keep", quick={"sequences": 2, "repeats": 1},
        quick_help="2 sequences, 1 run each, H1 K1 only",
    ),
    BenchRow(
        "threads", _threads,
        "posynda's thread default vs PyTorch's vs one thread, idle and with busy processes (each in a fresh "
        "process).\n\nIt sets the threads of every worker itself, so it has no --threads.",
        options=(
            click.option("--load", type=click.IntRange(0, 64), default=None,
                         help="busy processes during the loaded half (default: one per physical core)"),
            click.option("--repeats", type=POSITIVE, default=None,
                         help="timed repeats per cell (default: per workload)"),
        ),
        markdown=threads_bench.markdown, threads="none",
        quick_help=f"workloads {','.join(threads_bench.QUICK_WORKLOADS)}, fewer repeats",
    ),
    BenchRow(
        "plot", run_plot, "PNG of an ablation (MPJPE per row) or of a latency run (latency vs batch per backend).",
        options=(
            click.option("--ablation", type=click.Path(dir_okay=False, exists=True), default=None,
                         help="an ablation.json"),
            click.option("--latency", "latency_json", type=click.Path(dir_okay=False, exists=True), default=None,
                         help="a latency.json"),
            click.option("--out", type=FILE, default=None, help="PNG (default: the JSON path, .png)"),
        ),
        save_help=None, out=False, finished=False,
    ),
    BenchRow(
        "all", run_all,
        "Every benchmark that fits this machine (FLOPs, kernels, latency; accuracy on request); says what it skipped.",
        options=(
            click.option("--with-accuracy", is_flag=True,
                         help="also run the Table 3 ablation (references + six adaptation runs; long)"),
            click.option("--accuracy-steps", type=int, default=None,
                         help="steps per ablation row (default: as adapt)"),
            click.option("--skip", type=NameList(suite.BENCHES, "bench", allow_empty=True), default="",
                         help="comma-separated benches not to run: " + ", ".join(suite.BENCHES)),
        ),
        quick_help="latency of tiny only, 5 repeats", save_help=" (not the runs --quick shortens)", finished=False,
    ),
    BenchRow(
        "video", run_video,
        "The video path: labelled poses filmed as a mannequin, BlazePose, lifted; true vs detected 2D.",
        options=(
            suite_option("embedded: wild/test with the shipped model; bandai: target-test (real motion), rendered "
                         "from --data-dir"),
            data_dir_option(),
            click.option("--checkpoint", "checkpoints", type=click.Path(dir_okay=False, exists=True), multiple=True,
                         help="model(s) to score, repeatable (embedded default: the shipped model; bandai: "
                         "required)"),
            click.option("--frames", type=POSITIVE, default=video.DEFAULT_FRAMES, show_default=True,
                         help="frames per sequence"),
            click.option("--sequences", type=POSITIVE, default=None, help="at most this many sequences (default: all)"),
            click.option("--size", type=ImageSize(), default="x".join(map(str, video.DEFAULT_SIZE)), show_default=True,
                         help="video WxH"),
        ),
        markdown=video.markdown, check=check_video, quick={"frames": 50, "sequences": 2},
        stem=lambda options: "video" if options.get("suite", "embedded") == "embedded" else f"video-{options['suite']}",
        quick_help="2 sequences of 50 frames",
    ),
    BenchRow(
        "realvideo", _realvideo,
        "Real multi-view video: every person lifted per camera vs their multi-view triangulation, beside "
        "BlazePose's own 3D and a constant pose.",
        options=(
            click.option("--data-dir", type=click.Path(file_okay=False, exists=True), required=True,
                         help="a calibrated recording: calibration/*.toml|*.qca.txt and videos/<camera>.mp4 "
                         "(Pose2Sim's Demo_MultiPerson)"),
            click.option("--checkpoint", type=click.Path(dir_okay=False, exists=True), default=None,
                         help="the lifter to score (default: the shipped model); results realvideo-<its folder>.*"),
            click.option("-H", "--hypotheses", type=click.IntRange(1, MAX_HYPOTHESES), default=5, show_default=True,
                         help="hypotheses of the lifter"),
            click.option("-K", "--steps", type=click.IntRange(1, MAX_STEPS), default=5, show_default=True,
                         help="DDIM steps of the lifter"),
            click.option("--frames", type=POSITIVE, default=None, help="at most this many frames per view"),
            click.option("--max-px", type=click.FloatRange(min=1.0), default=50.0, show_default=True,
                         help="largest median epipolar distance (px) of two views' tracks of one person"),
            click.option("--seed", type=int, default=0, show_default=True),
            click.option("--adapt", is_flag=True, help="also adapt the lifter to the footage's 2D (`posynda adapt` "
                         "defaults, no 3D; the run in <out>/adapted) and score it as a row of its own"),
            click.option("--adapt-steps", type=POSITIVE, default=None, help="--adapt: its steps (default: adapt's)"),
            world_up_option("the calibration world's up axis (the levelled rows)"),
        ),
        markdown=realvideo.markdown, check=_check_realvideo, quick={"frames": 30}, stem=_realvideo_stem,
        quick_help="the first 30 frames of each view",
    ),
    BenchRow(
        "live", _live,
        "Pixels to 3D at camera rate: the live pipeline (detector, tracker, lifter) end to end, per stage and its "
        "latency, beside MediaPipe's own BlazePose, on an idle and a busy machine.",
        options=(
            click.option("--video", "videos", type=click.Path(dir_okay=False, exists=True), multiple=True,
                         help="also time this video, repeatable (e.g. Demo_MultiPerson/videos/cam01.mp4)"),
            click.option("--frames", type=POSITIVE, default=live.DEFAULT_FRAMES, show_default=True,
                         help="frames per video"),
            click.option("--size", type=ImageSize(), default="x".join(map(str, live.DEFAULT_SIZE)), show_default=True,
                         help="size of the filmed mannequin videos, WxH"),
            click.option("--idle-only", is_flag=True, help="skip the busy-machine runs"),
        ),
        markdown=live.markdown, quick={"frames": 30, "idle_only": True}, stem="live",
        quick_help="30 frames per video, idle only",
    ),
)  # fmt: skip

assert len({row.name for row in BENCHES}) == len(BENCHES), "bench names must be unique"
