"""The picture table: a picture file's extension picks what is drawn, checked before any work, then drawn.

One table, :data:`VIZ_FORMATS`, drives both the check (:func:`viz_format`: unknown extension, no matplotlib,
``.mp4`` without ffmpeg, before any lifting) and the drawing (:func:`write_viz`). A new picture is one module
with ``write_<picture>(path, clips, poses_mm, background) -> str`` (what was written) and one row here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from posynda.data.clips import ClipSet
from posynda.errors import InputError
from posynda.viz.animation import write_animation
from posynda.viz.background import Background
from posynda.viz.encoders import MP4_HINT, ffmpeg_exe
from posynda.viz.figures import pyplot
from posynda.viz.sheet import write_sheet

# (path, clips, poses_mm [N, 17, 3] camera-frame mm, background or None) -> what was written
Draw = Callable[[Path, ClipSet, np.ndarray, "Background | None"], str]


@dataclass(frozen=True)
class VizFormat:
    """One picture file type: its extension, what it shows, what draws it, and whether it needs ffmpeg."""

    suffix: str
    what: str
    draw: Draw
    ffmpeg: bool = False


VIZ_FORMATS: dict[str, VizFormat] = {
    f.suffix: f
    for f in (
        VizFormat(".png", "contact sheet of 8 frames", write_sheet),
        VizFormat(".gif", "animation", write_animation),
        VizFormat(".mp4", "animation, needs ffmpeg", write_animation, ffmpeg=True),
    )
}


def viz_format(path: str | os.PathLike) -> VizFormat:
    """The picture ``path`` asks for, by its extension (case-insensitive), checked before any work.

    Raises:
        InputError: (parameter ``viz``) an unknown extension (naming the known ones), no matplotlib, or an
            ``.mp4`` without ffmpeg.
    """
    suffix = Path(path).suffix.lower()
    fmt = VIZ_FORMATS.get(suffix)
    if fmt is None:
        known = ", ".join(f"{f.suffix} ({f.what})" for f in VIZ_FORMATS.values())
        got = f"extension {suffix!r}" if suffix else "no extension"
        raise InputError(f"viz {path}: unknown picture format ({got}); known: {known}", parameter="viz")
    pyplot("viz", parameter="viz")
    if fmt.ffmpeg and ffmpeg_exe() is None:
        raise InputError(MP4_HINT, parameter="viz")
    return fmt


def write_viz(
    path: str | os.PathLike, clips: ClipSet, poses_mm: np.ndarray, background: Background | None = None
) -> str:
    """Draw the lift ``poses_mm [N, 17, 3]`` (camera frame, mm; drawn root-relative) of ``clips`` into ``path``
    as its extension says, over ``background`` frames if given (:mod:`posynda.viz.background`); returns what was
    written, for ``posynda lift`` to print."""
    return viz_format(path).draw(Path(path), clips, poses_mm, background)
