"""What the commands share: parameter types, option blocks whose help is the same, run folders, progress.

Choices come from the ``typing.Literal`` fields of the settings they fill (:func:`choice`), and
values are checked by click parameter types, so a bad value is a usage error (exit 2) before any
work starts.
"""

from __future__ import annotations

import functools
import math
import os
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, get_args

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from posynda.cli import cleanup
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
from posynda.limits import MAX_FOCAL_PX, MAX_IMAGE_SIDE, MIN_FOCAL_PX
from posynda.models import PRESETS
from posynda.runtime import SamplingSettings
from posynda.threads import MAX_THREADS, use_threads


def choice(literal) -> click.Choice:
    """A click Choice of the values of a ``typing.Literal``."""
    return click.Choice(get_args(literal))


class NumberList(click.ParamType):
    """Comma-separated numbers: ``cast`` each, every one at least ``least`` (``exclusive``: above it)."""

    name = "X,X,..."
    cast, least, exclusive, kind, example = float, 0.0, True, "numbers", "0.5,1,2"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            values = tuple(self.cast(v) for v in str(value).split(",") if v.strip())
        except ValueError:
            self.fail(f"{value!r}: expected comma-separated {self.kind}, e.g. {self.example}", param, ctx)
        if not values or min(values) < self.least or (self.exclusive and min(values) == self.least):
            self.fail(f"{value!r}: values must be {'>' if self.exclusive else '>='} {self.least:g}", param, ctx)
        return values


class IntList(NumberList):
    """``"1,8,32"`` -> ``(1, 8, 32)``: comma-separated integers >= 1."""

    name = "N,N,..."
    cast, least, exclusive, kind, example = int, 1, False, "integers", "1,8,32"


class PositiveList(NumberList):
    """``"0.5,1,2"`` -> ``(0.5, 1.0, 2.0)``: comma-separated positive numbers."""


class NameList(click.ParamType):
    """Comma-separated names out of ``choices``, e.g. ``"tiny,paper"`` -> ``("tiny", "paper")``."""

    name = "NAME,NAME,..."

    def __init__(self, choices, what: str, allow_empty: bool = False):
        self.choices, self.what, self.allow_empty = tuple(choices), what, allow_empty

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        names = tuple(v.strip() for v in str(value).split(",") if v.strip())
        unknown = [n for n in names if n not in self.choices]
        if unknown or not (names or self.allow_empty):
            self.fail(f"{value!r}: unknown {self.what}(s) {unknown}; choose from {', '.join(self.choices)}", param, ctx)
        return names


class PresetName(click.ParamType):
    """A denoiser preset name (:data:`posynda.models.PRESETS`); ``what`` names it in the error."""

    name = "PRESET"

    def __init__(self, what: str = "preset"):
        self.what = what

    def convert(self, value, param, ctx):
        if value not in PRESETS:
            self.fail(f"unknown {self.what} {value!r}; choose one of {', '.join(PRESETS)}", param, ctx)
        return value

    def shell_complete(self, ctx, param, incomplete):
        return [click.shell_completion.CompletionItem(p) for p in PRESETS if p.startswith(incomplete)]


class FloatVector(click.ParamType):
    """``"fx,fy,cx,cy"`` -> a tuple of ``size`` floats."""

    def __init__(self, size: int, meaning: str):
        self.size, self.meaning = size, meaning
        self.name = meaning

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            values = tuple(float(v) for v in str(value).split(","))
        except ValueError:
            values = ()
        if len(values) != self.size:
            self.fail(f"must be {self.size} numbers {self.meaning}, got {value!r}", param, ctx)
        return values


class BatchProfile(click.ParamType):
    """``"MIN:OPT:MAX"`` (or one number N = N:N:N) -> ints with 1 <= min <= opt <= max."""

    name = "MIN:OPT:MAX"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            values = [int(p) for p in str(value).split(":")]
        except ValueError:
            self.fail(f"{value!r}: must be MIN:OPT:MAX integers", param, ctx)
        values = values * 3 if len(values) == 1 else values
        if len(values) != 3:
            self.fail(f"{value!r}: must be MIN:OPT:MAX", param, ctx)
        low, opt, high = values
        if low < 1:
            self.fail(f"{value}: min must be >= 1", param, ctx)
        if low > high:
            self.fail(f"{value}: min {low} > max {high}", param, ctx)
        if not low <= opt <= high:
            self.fail(f"{value}: opt {opt} must lie in [min {low}, max {high}]", param, ctx)
        return low, opt, high


class ImageSize(click.ParamType):
    """``"1920x1080"`` -> ``(1920, 1080)``: a positive width and height in pixels."""

    name = "WxH"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        parts = str(value).lower().replace(",", "x").split("x")
        try:
            size = tuple(int(p) for p in parts)
        except ValueError:
            size = ()
        if len(size) != 2 or min(size) <= 0:
            self.fail(f"{value!r}: expected WxH in pixels, e.g. 1920x1080", param, ctx)
        if max(size) > MAX_IMAGE_SIDE:
            self.fail(f"{value!r}: at most {MAX_IMAGE_SIDE} pixels per side", param, ctx)
        return size


class Intrinsics(click.ParamType):
    """``"fx,fy,cx,cy[,k1,k2,k3,p1,p2]"`` -> 4 to 9 floats (pixels; missing distortion terms are 0)."""

    name = "fx,fy,cx,cy[,k1,k2,k3,p1,p2]"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            values = tuple(float(v) for v in str(value).split(","))
        except ValueError:
            values = ()
        if not 4 <= len(values) <= 9:
            self.fail(f"{value!r}: expected 4 to 9 numbers fx,fy,cx,cy[,k1,k2,k3,p1,p2] in pixels", param, ctx)
        if not all(MIN_FOCAL_PX <= f <= MAX_FOCAL_PX for f in values[:2]) or not all(map(math.isfinite, values)):
            self.fail(f"{value!r}: the focal lengths fx, fy must be in [{MIN_FOCAL_PX:g}, {MAX_FOCAL_PX:g}] px and "
                      "every number finite", param, ctx)  # fmt: skip
        return values


def unwritable(path: Path) -> str | None:
    """Why ``path`` cannot be created or replaced (its nearest existing ancestor is a file, or not writable),
    or None. Atomic writes replace a file through its folder, so the folder decides."""
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is a file, not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot write into {parent} (permission denied)"
    return None


class OutputPath(click.Path):
    """An output file (``dir_okay=False``) or folder (``file_okay=False``) checked when the command line is
    parsed: not the other kind, and in a place this process can write (:func:`unwritable`), so a
    command fails before its work, not after."""

    def convert(self, value, param, ctx):
        path = Path(super().convert(value, param, ctx))
        if self.file_okay and not self.dir_okay and path.is_dir():
            self.fail(f"{value!r} is a folder; give a file name", param, ctx)
        if self.dir_okay and not self.file_okay and path.exists() and not path.is_dir():
            self.fail(f"{value!r} is a file; give a folder", param, ctx)
        if path.is_dir() and not os.access(path, os.W_OK | os.X_OK):
            self.fail(f"cannot write into {value!r} (permission denied)", param, ctx)
        problem = unwritable(path)
        if problem:
            self.fail(f"{value!r}: {problem}", param, ctx)
        return str(path)


PRESET_HELP = f"denoiser preset: {', '.join(PRESETS)}"
FILE = click.Path(dir_okay=False)
FOLDER = click.Path(file_okay=False)
FILE_OR_FOLDER = click.Path()  # a keypoint input: a file, or a folder of per-frame JSON (OpenPose)
OUT_FILE = OutputPath(dir_okay=False)  # a file a command writes
OUT_FOLDER = OutputPath(file_okay=False)  # a folder a command writes into


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
                          "detector files, none for posynda's own)"),
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
