"""The .png picture: a contact sheet of frames evenly spaced over the whole file (so over its sequences), each
its 2D input above its lifted 3D skeleton, one 3D scale for all, titled per frame, the side colours' legend.
"""

from __future__ import annotations

import math
import os

import numpy as np

from posynda.data.clips import ClipSet
from posynda.skeleton import ROOT
from posynda.viz.background import Background, FrameSource
from posynda.viz.colours import legend_handles
from posynda.viz.figures import pyplot, save_figure
from posynda.viz.limits import Cube, to_view
from posynda.viz.panels import Pose2DPanel, Pose3DPanel

SHEET_COLUMNS = 4
SHEET_CELL_INCHES = (3.4, 3.1)  # one panel, width x height
SHEET_DPI = 90


def frame_label(clips: ClipSet, i: int) -> str:
    """``"<sequence> · frame 120/469 · 4.80 s · source frame 312"`` for clip frame ``i`` (the frame counted in its
    sequence; the time only when the sequence's fps is known; the source's frame number -- the video frame, the
    detector file's frame or ``image_id`` -- when the clips carry it, the ``source_frame`` of the written rows)."""
    s = int(clips.seq_index[i])
    start, stop = (int(v) for v in clips.sequence_bounds()[s])
    text = f"{clips.sequence_names()[s]} · frame {i - start}/{stop - start}"
    if clips.fps is not None and np.isfinite(clips.fps[s]) and clips.fps[s] > 0:
        text += f" · {(i - start) / float(clips.fps[s]):.2f} s"
    if clips.source_frame is not None:
        text += f" · source frame {int(clips.source_frame[i])}"
    return text


def draw_lift(
    clips: ClipSet,
    poses_mm: np.ndarray,
    path: str | os.PathLike,
    frames: int = 8,
    background: Background | None = None,
) -> list[int]:
    """Write a PNG of ``frames`` frames evenly spaced over the whole file (so over its sequences).

    Per frame: the 2D input cropped to the person, px, y down, with the whole image in an inset (dashed: the
    image bounds; ``background`` pictures under both, see the module), above the lifted skeleton
    (root-relative, camera -y drawn up; every 3D panel on one scale). Returns the frame indices drawn (into
    ``clips``)."""
    plt = pyplot()
    n = clips.num_frames
    picks = sorted({int(i) for i in np.linspace(0, n - 1, min(frames, n))})
    source = FrameSource(background, clips)
    cols = min(SHEET_COLUMNS, len(picks))
    pair_rows = math.ceil(len(picks) / cols)
    cw, ch = SHEET_CELL_INCHES
    top, bottom = 0.75, 0.65  # inches for the title and the legend
    fig = plt.figure(figsize=(cw * cols, ch * 2 * pair_rows + top + bottom))
    height = fig.get_figheight()
    grid = fig.add_gridspec(
        2 * pair_rows,
        cols,
        left=0.06,
        right=0.955,
        top=1 - top / height,
        bottom=bottom / height,
        hspace=0.38,
        wspace=0.32,
    )
    view = to_view(poses_mm - poses_mm[:, ROOT : ROOT + 1])
    cube = Cube.around(view[picks])
    for k, i in enumerate(picks):
        row, col = divmod(k, cols)
        s = int(clips.seq_index[i])
        ax2 = fig.add_subplot(grid[2 * row, col])
        panel = Pose2DPanel(ax2, clips.image_size[s], clips.keypoints_2d[i : i + 1], small=True)  # cropped to the frame
        panel.show(clips.keypoints_2d[i], source(i))
        ax2.set_title(frame_label(clips, i), fontsize=8)
        ax3 = fig.add_subplot(grid[2 * row + 1, col], projection="3d")
        Pose3DPanel(ax3, cube, small=True).show(view[i])
        ax3.set_title("lifted 3D (root-relative)", fontsize=8, pad=0)
    spread = f"{clips.num_sequences} sequences" if clips.num_sequences > 1 else "1 sequence"
    fig.suptitle(
        f"posynda lift: {len(picks)} frames evenly spaced over {n} frames ({spread}); 2D input above, "
        "lifted 3D below (camera frame, -y up, mm)",
        fontsize=10,
        y=1 - 0.2 / height,
    )
    fig.legend(handles=legend_handles(), loc="lower center", ncol=3, fontsize=8, frameon=False)
    save_figure(fig, path, dpi=SHEET_DPI, tight=False)
    return picks


def write_sheet(
    path: str | os.PathLike, clips: ClipSet, poses_mm: np.ndarray, background: Background | None = None
) -> str:
    """:func:`draw_lift` of 8 frames of ``clips`` (``poses_mm [N, 17, 3]``, camera frame, mm) into ``path``; returns
    what was written, for ``posynda lift`` to print."""
    picks = draw_lift(clips, poses_mm, path, background=background)
    return f"{path} (contact sheet, frames {', '.join(map(str, picks))} of the file)"
