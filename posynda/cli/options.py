"""What the commands share: option blocks whose help is the same, run folders, progress. The parameter types
are in :mod:`posynda.cli.param_types` (re-exported here, where the commands import them from)."""

from __future__ import annotations

import functools
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from posynda.cli import cleanup
from posynda.cli.param_types import (  # noqa: F401 -- re-exported for the commands
    FILE,
    FILE_OR_FOLDER,
    FOLDER,
    OUT_FILE,
    OUT_FOLDER,
    PRESET_HELP,
    BatchProfile,
    FloatVector,
    ImageSize,
    IntList,
    Intrinsics,
    NameList,
    NumberList,
    OutputPath,
    PositiveList,
    PresetName,
    choice,
    unwritable,
)
from posynda.data.calibration import UP_AXES
from posynda.data.clips import ClipSet
from posynda.data.detections import (
    DEFAULT_MIN_CONFIDENCE,
    DETECTION_FORMATS,
    KEYPOINT_ORDERS,
    DetectionFormat,
    DetectionReport,
    KeypointWarning,
    ReadOptions,
    Tracking,
    read_detections,
)
from posynda.defaults import new_run_dir
from posynda.devices import Device, Precision
from posynda.distributed import is_main_process
from posynda.errors import InputError
from posynda.hypotheses import Aggregation
from posynda.runtime import SamplingSettings
from posynda.threads import MAX_THREADS, use_threads


def run_dir(out: str | None, command: str, resume: bool = False) -> Path:
    """``--out``, or a fresh ``runs/<command>-<time>/`` (created); printed either way. A given ``--out``
    is left for the command to create once its inputs have been checked.

    ``--resume`` continues a run, so it needs the ``--out`` of that run.
    """
    if resume and not out:
        raise InputError("--resume needs --out (the run directory to continue)")
    if out and not Path(out).exists():
        cleanup.note(Path(out))  # the command creates it; a failure before anything is in it removes it
    path = Path(out) if out else new_run_dir(command)
    if not out:
        cleanup.note(path)
    if is_main_process():  # under torchrun only rank 0 speaks
        click.echo(f"run directory: {path}")
    return path


@contextmanager
def window_progress(label: str, enabled: bool = True, unit: str = "windows") -> Iterator:
    """A transient progress bar on stderr; yields the ``(done, total, label=None)`` callback the lifting
    loops (or a detector, ``unit="frames"``) call; a new ``label`` replaces the bar's text. The bar
    starts at the first call, so a command that fails (or a reader that never reports) prints nothing."""
    bar: Progress | None = None
    task = None

    def report(done: int, total: int, label_now: str | None = None) -> None:
        nonlocal bar, task
        if not enabled:
            return
        if bar is None:
            bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn(f"{{task.completed}}/{{task.total}} {unit}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            bar.start()
            task = bar.add_task(label, total=None)
        bar.update(task, completed=done, total=total, **({"description": label_now} if label_now else {}))

    try:
        yield report
    finally:
        if bar is not None:
            bar.stop()


def device_option(help_text: str = "where the model runs (auto: CUDA when PyTorch sees a GPU)"):
    return click.option("--device", type=choice(Device), default="auto", show_default=True, help=help_text)


def world_up_option(help_text: str = "--calibration: the calibration world's up axis (Qualisys and Pose2Sim: z)",
                    default: str | None = "z"):  # fmt: skip
    """``--world-up``: the up axis of a calibration's world (:data:`posynda.data.calibration.UP_AXES`)."""
    return click.option("--world-up", type=click.Choice(UP_AXES), default=default, show_default=default is not None,
                        help=help_text)  # fmt: skip


def precision_option(fn):
    """--precision fp32|bf16|fp16: the forward's autocast (fp32 master weights; fp16 on CUDA, with a grad scaler)."""
    return click.option(
        "--precision",
        type=choice(Precision),
        default="fp32",
        show_default=True,
        help="autocast of the forward: bf16 / fp16 mixed precision with fp32 master weights (fp16: CUDA only)",
    )(fn)


def compile_option(fn):
    return click.option(
        "--compile/--no-compile", "compile_model", default=False, show_default=True,
        help="torch.compile the denoiser (first steps slower while it compiles)",
    )(fn)  # fmt: skip


def threads_option(fn=None, *, keep: bool = False):
    """``--threads N``: the CPU threads of PyTorch and ONNX Runtime (:func:`posynda.threads.use_threads`), set
    before the command runs; ``keep`` also hands ``threads`` (None = the default) to the command."""
    if fn is None:
        return functools.partial(threads_option, keep=keep)

    @functools.wraps(fn)
    def wrapper(*args, threads, **kwargs):
        use_threads(threads)
        return fn(*args, **kwargs, **({"threads": threads} if keep else {}))

    return click.option(
        "--threads", type=click.IntRange(1, MAX_THREADS), default=None,
        help="CPU threads of PyTorch and ONNX Runtime (default: $OMP_NUM_THREADS, else the physical cores)",
    )(wrapper)  # fmt: skip


def quiet_option(fn):
    return click.option("--quiet", is_flag=True, help="no progress bar")(fn)


def apply_options(options, fn):
    """``fn`` decorated by every click option of ``options``, in the listed order."""
    for option in reversed(options):
        fn = option(fn)
    return fn


def sampling_options(fn):
    """-H, -K, --aggregate, --flip, --seed and --batch-size, collected into one ``settings`` argument
    (a :class:`~posynda.runtime.SamplingSettings`, whose defaults they show); ``eval`` and ``lift``
    share them (``lift`` adds ``--stride``)."""
    default = SamplingSettings()
    options = [
        click.option("--hypotheses", "-H", type=int, default=default.hypotheses, show_default=True,
                     help="pose hypotheses per clip"),
        click.option("--steps", "-K", type=int, default=default.steps, show_default=True, help="DDIM steps"),
        click.option("--aggregate", type=choice(Aggregation), default=default.aggregate, show_default=True,
                     help="hypothesis aggregation: reprojection-selected per joint / per frame, or the mean"),
        click.option("--flip/--no-flip", default=default.flip, show_default=True, help="flip test-time augmentation"),
        click.option("--seed", type=int, default=default.seed, show_default=True,
                     help="sampling noise seed (the same seed gives the same poses on every backend)"),
        click.option("--batch-size", type=int, default=default.batch_size, show_default=True,
                     help="windows per forward"),
    ]  # fmt: skip

    @functools.wraps(fn)
    def wrapper(*args, hypotheses, steps, aggregate, flip, seed, batch_size, stride=None, **kwargs):
        settings = SamplingSettings(hypotheses, steps, flip, aggregate, batch_size, seed, stride)
        return fn(*args, settings=settings, **kwargs)

    return apply_options(options, wrapper)


@dataclass(frozen=True)
class KeypointInput:
    """How the command reads its keypoint input: the ``format`` and the reading ``options``."""

    format: DetectionFormat
    options: ReadOptions

    def read(
        self, path, echo: Callable[[str], None] = click.echo, progress: bool = True
    ) -> tuple[ClipSet, DetectionReport]:
        """Read ``path`` (:func:`posynda.data.detections.read_detections`) and print its report, one line
        per sequence (warnings appear there, not as Python warnings); a video shows a progress bar of the
        frames the detector has seen unless ``progress`` is False."""
        label = f"finding people in {Path(path).name}"
        with warnings.catch_warnings(), window_progress(label, enabled=progress, unit="frames") as frames:
            warnings.simplefilter("ignore", KeypointWarning)
            clips, report = read_detections(path, self.format, self.options, progress=frames)
        for line in report.lines():
            echo(line)
        return clips, report


def keypoint_input_options(what: str):
    """--format, --image-size, --intrinsics, --fov, --min-confidence, --joint-order and --tracking of the
    keypoint input ``what`` (e.g. "--input"), collected into one ``keypoints`` argument (a
    :class:`KeypointInput`); ``lift`` and ``adapt`` (for ``--target``) share them."""
    options = [
        click.option("--format", "input_format", type=click.Choice(DETECTION_FORMATS), default="auto",
                     show_default=True, help=f"format of {what} (auto: from the content; see posynda.data.detections)"),
        click.option("--image-size", type=ImageSize(), default=None,
                     help=f"image size of {what}, pixels (needed by COCO, AlphaPose, OpenPose and MMPose files; "
                          "a video has its own)"),
        click.option("--intrinsics", type=Intrinsics(), default=None,
                     help=f"camera of {what}, pixels (default: the file's, else f = max(w, h), centred)"),
        click.option("--fov", type=click.FloatRange(0, 180, min_open=True, max_open=True), default=None,
                     help=f"camera of {what} as a horizontal field of view, degrees (instead of --intrinsics)"),
        click.option("--min-confidence", type=click.FloatRange(0, 1), default=None,
                     help=f"joints of {what} scored under it are missing (default: {DEFAULT_MIN_CONFIDENCE} for "
                          "detector files, none for a video's BlazePose landmarks and for posynda's own files)"),
        click.option("--joint-order", type=click.Choice(KEYPOINT_ORDERS), default=None,
                     help=f"joint order of {what} (default: the format's own, the JSON file's joint_order, or h36m)"),
        click.option("--tracking", type=choice(Tracking), default="auto", show_default=True,
                     help=f"people of {what}: the file's track ids when every detection has one (auto), or the "
                          "greedy keypoint-box tracker"),
    ]  # fmt: skip

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, input_format, image_size, intrinsics, fov, min_confidence, joint_order, tracking, **kwargs):
            if intrinsics is not None and fov is not None:
                raise click.UsageError("--intrinsics and --fov both set the camera: give one of them")
            reading = ReadOptions(
                image_size=image_size,
                intrinsics=intrinsics,
                fov=fov,
                min_confidence=min_confidence,
                joint_order=joint_order,
                tracking=tracking,
            )
            return fn(*args, keypoints=KeypointInput(input_format, reading), **kwargs)

        return apply_options(options, wrapper)

    return decorate
