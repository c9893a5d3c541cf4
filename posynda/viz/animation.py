"""The .gif / .mp4 picture: one sequence animated, the 2D input beside the lifted 3D, a frame counter.

Axis limits are fixed over the clip and the view does not turn, so only the person moves. Animations play in
real time at the sequence's frame rate (:data:`DEFAULT_FPS` when the file has none); a sequence longer than
:data:`MAX_FRAMES` frames is subsampled to every k-th frame (k = ceil(frames / MAX_FRAMES)) and played at
fps / k, and a GIF shows at most :data:`GIF_MAX_FPS` frames a second (browsers slow shorter GIF delays
down). The file is written atomically (:func:`posynda.fileio.atomic_path`) by the encoders of
:mod:`posynda.viz.encoders`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posynda.data.clips import ClipSet
from posynda.errors import InputError
from posynda.fileio import atomic_path
from posynda.skeleton import ROOT
from posynda.viz.background import Background, FrameSource
from posynda.viz.colours import legend_handles
from posynda.viz.encoders import MP4_HINT, DrawnCanvas, encoder, ffmpeg_exe
from posynda.viz.figures import pyplot
from posynda.viz.limits import Cube, to_view
from posynda.viz.panels import Pose2DPanel, Pose3DPanel

MAX_FRAMES = 300
DEFAULT_FPS = 25.0
GIF_MAX_FPS = 50.0
ANIMATION_SIZE = (10.0, 5.0)  # inches
ANIMATION_DPI = 96  # 960 x 480 px


@dataclass(frozen=True)
class Animated:
    """An animation written: the file, its sequence, the clip frames drawn and the playback rate."""

    path: Path
    sequence: str
    frames: tuple[int, ...]
    step: int
    fps: float
    sequence_frames: int

    def summary(self) -> str:
        """``lift.gif (animation of wild/test/TS1/squat_1: 235 of 469 frames, every 2nd, 25 fps)``."""
        every = f", every {self.step}{_ordinal(self.step)}" if self.step > 1 else ""
        return (
            f"{self.path} (animation of {self.sequence}: {len(self.frames)} of {self.sequence_frames} frames"
            f"{every}, {self.fps:.4g} fps)"
        )


def _ordinal(k: int) -> str:
    return "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")


def pick_sequence(clips: ClipSet, sequence: int | str | None = None) -> int:
    """The sequence to animate: its index or name, or (None) the longest, the first of the longest on a tie."""
    names = clips.sequence_names()
    if sequence is None:
        lengths = np.diff(clips.sequence_bounds(), axis=1)[:, 0]
        return int(np.argmax(lengths))
    if isinstance(sequence, str):
        if sequence not in names:
            listed = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
            raise InputError(f"no sequence named {sequence!r}; the file has {listed}", parameter="sequence")
        return names.index(sequence)
    if not 0 <= int(sequence) < clips.num_sequences:
        raise InputError(f"sequence {sequence}: the file has {clips.num_sequences} sequences", parameter="sequence")
    return int(sequence)


def animation_plan(
    clips: ClipSet, sequence: int, max_frames: int = MAX_FRAMES, max_fps: float | None = None
) -> tuple[list[int], int, float]:
    """``(clip frames to draw, step, playback fps)`` of ``sequence``: every ``step``-th frame so that at most
    ``max_frames`` are drawn and (with ``max_fps``) at most ``max_fps`` play a second, at fps / step."""
    start, stop = (int(v) for v in clips.sequence_bounds()[sequence])
    fps = DEFAULT_FPS
    if clips.fps is not None and np.isfinite(clips.fps[sequence]) and clips.fps[sequence] > 0:
        fps = float(clips.fps[sequence])
    step = max(1, math.ceil((stop - start) / max_frames))
    if max_fps:
        step = max(step, math.ceil(fps / max_fps - 1e-9))
    return list(range(start, stop, step)), step, fps / step


def animate_lift(
    clips: ClipSet,
    poses_mm: np.ndarray,
    path: str | os.PathLike,
    sequence: int | str | None = None,
    max_frames: int = MAX_FRAMES,
    background: Background | None = None,
) -> Animated:
    """Write a GIF or MP4 (by ``path``'s extension) of one sequence (the longest unless named, see
    :func:`pick_sequence`): the 2D input cropped to the person of the whole sequence, px, y down, the whole
    image in an inset (``background`` pictures under both, see the module), beside the lifted
    root-relative skeleton (camera -y up), a frame counter and the side colours' legend. Atomic; which frames
    and how fast: see the module."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise InputError(f"{path}: an animation is .gif or .mp4")
    exe = ffmpeg_exe() if suffix == ".mp4" else None
    if suffix == ".mp4" and exe is None:
        raise InputError(MP4_HINT, parameter="viz")
    plt = pyplot()
    import matplotlib
    from matplotlib.animation import FuncAnimation

    s = pick_sequence(clips, sequence)
    picks, step, fps = animation_plan(clips, s, max_frames, GIF_MAX_FPS if suffix == ".gif" else None)
    start, stop = (int(v) for v in clips.sequence_bounds()[s])
    name, size = clips.sequence_names()[s], clips.image_size[s]
    source = FrameSource(background, clips)
    view = to_view(poses_mm - poses_mm[:, ROOT : ROOT + 1])

    fig = plt.figure(figsize=ANIMATION_SIZE, dpi=ANIMATION_DPI)
    rect2 = (0.07, 0.16, 0.40, 0.72)
    ax2 = fig.add_axes(rect2)
    ax3 = fig.add_axes((0.52, 0.10, 0.44, 0.80), projection="3d")
    panel2 = Pose2DPanel(
        ax2, size, clips.keypoints_2d[start:stop], aspect=rect2[2] * ANIMATION_SIZE[0] / (rect2[3] * ANIMATION_SIZE[1])
    )
    panel3 = Pose3DPanel(ax3, Cube.around(view[picks]))
    ax2.set_title(f"2D input ({int(size[0])}x{int(size[1])} px image)", fontsize=9)
    ax3.set_title("lifted 3D (root-relative, camera frame, -y up)", fontsize=9)
    fig.suptitle(f"posynda lift: {name}", fontsize=11, y=0.975)
    fig.legend(
        handles=legend_handles(), loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=3, fontsize=8, frameon=False
    )
    counter = fig.text(0.015, 0.025, "", fontsize=9, family="monospace")
    known_fps = clips.fps is not None and np.isfinite(clips.fps[s]) and clips.fps[s] > 0

    def draw(k: int):
        i = picks[k]
        panel2.show(clips.keypoints_2d[i], source(i))
        panel3.show(view[i])
        local = i - start
        time = f"  {local / float(clips.fps[s]):6.2f} s" if known_fps else ""
        source_number = f"  source frame {int(clips.source_frame[i])}" if clips.source_frame is not None else ""
        counter.set_text(f"frame {local:>{len(str(stop - start))}}/{stop - start}{time}{source_number}")
        return []

    anim = FuncAnimation(
        fig, draw, frames=len(picks), init_func=lambda: [], blit=False, repeat=False, cache_frame_data=False
    )
    try:
        with atomic_path(path) as tmp, matplotlib.rc_context({"animation.ffmpeg_path": exe or "ffmpeg"}):
            anim.save(
                str(tmp), writer=encoder(suffix, fps, DrawnCanvas(fig), background is not None), dpi=ANIMATION_DPI
            )
    finally:
        plt.close(fig)
    return Animated(path, name, tuple(picks), step, fps, stop - start)


def write_animation(
    path: str | os.PathLike, clips: ClipSet, poses_mm: np.ndarray, background: Background | None = None
) -> str:
    """:func:`animate_lift` of the longest sequence of ``clips`` (``poses_mm [N, 17, 3]``, camera frame, mm) into
    ``path``; returns what was written, for ``posynda lift`` to print."""
    return animate_lift(clips, poses_mm, path, background=background).summary()
