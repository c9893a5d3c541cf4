"""The click parameter types of posynda's options: number and name lists, presets, image sizes, intrinsics,
batch profiles, and output paths checked when the command line is parsed (a bad value is a usage error, exit 2,
before any work starts). Choices come from the ``typing.Literal`` fields of the settings they fill
(:func:`choice`)."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import get_args

import click

from posynda.limits import MAX_FOCAL_PX, MAX_IMAGE_SIDE, MIN_FOCAL_PX
from posynda.models import PRESETS


def choice(literal) -> click.Choice:
    """A click Choice of the values of a ``typing.Literal``."""
    return click.Choice(get_args(literal))


def split_numbers(value, separator: str = ",", cast=float) -> tuple:
    """``value`` split at ``separator`` and each part ``cast``; ``()`` when a part is not a number."""
    try:
        return tuple(cast(v) for v in str(value).split(separator))
    except ValueError:
        return ()


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
        values = split_numbers(value)
        if len(values) != self.size:
            self.fail(f"must be {self.size} numbers {self.meaning}, got {value!r}", param, ctx)
        return values


class BatchProfile(click.ParamType):
    """``"MIN:OPT:MAX"`` (or one number N = N:N:N) -> ints with 1 <= min <= opt <= max."""

    name = "MIN:OPT:MAX"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        values = split_numbers(value, ":", int)
        if not values:
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
        size = split_numbers(str(value).lower().replace(",", "x"), "x", int)
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
        values = split_numbers(value)
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
