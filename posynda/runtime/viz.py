"""``posynda lift --viz``: the input 2D skeleton and the lifted 3D skeleton for a few frames.

matplotlib is imported only when a figure is drawn (extra ``[viz]``), with the non-interactive Agg
backend; :func:`save_figure` writes every posynda figure (benchmark plots too) atomically.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from posynda.data.clips import ClipSet
from posynda.errors import InputError
from posynda.fileio import atomic_write_bytes
from posynda.skeleton import H36M_LEFT, H36M_PARENTS, H36M_RIGHT, ROOT


def _bone_colour(j: int) -> str:
    return "tab:blue" if j in H36M_LEFT else "tab:red" if j in H36M_RIGHT else "0.3"


def pyplot(purpose: str = "--viz"):
    """``matplotlib.pyplot`` on the non-interactive Agg backend; InputError naming ``purpose`` without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        raise InputError(f"{purpose} needs matplotlib: pip install 'posynda[viz]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str | os.PathLike, dpi: int) -> Path:
    """Lay out ``fig``, write it as a PNG atomically and close it; returns the path."""
    plt = pyplot()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())
    return Path(path)


def draw_lift(clips: ClipSet, poses_mm: np.ndarray, path: str | os.PathLike, frames: int = 4) -> list[int]:
    """Write a PNG with ``frames`` evenly spaced frames: input 2D (top) and lifted 3D (bottom).

    The 3D view is root-relative, seen from slightly above the camera (x right, z forward, y down
    drawn upwards). Returns the frame indices drawn.
    """
    plt = pyplot()
    n = clips.num_frames
    picks = sorted({int(i) for i in np.linspace(0, n - 1, min(frames, n))})
    fig = plt.figure(figsize=(3.2 * len(picks), 6.4))
    rel = poses_mm - poses_mm[:, ROOT : ROOT + 1]
    lim = float(np.nanmax(np.abs(rel[picks]))) or 1.0
    for col, i in enumerate(picks):
        ax = fig.add_subplot(2, len(picks), col + 1)
        kp = clips.keypoints_2d[i]
        w, h = clips.image_size[clips.seq_index[i]]
        for j, p in enumerate(H36M_PARENTS):
            if p >= 0:
                ax.plot(kp[[j, p], 0], kp[[j, p], 1], color=_bone_colour(j), lw=2)
        ax.scatter(kp[:, 0], kp[:, 1], s=6, color="k")
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)
        ax.set_aspect("equal")
        ax.set_title(f"frame {i}: 2D input", fontsize=9)
        ax3 = fig.add_subplot(2, len(picks), len(picks) + col + 1, projection="3d")
        pose = rel[i]
        for j, p in enumerate(H36M_PARENTS):
            if p >= 0:
                ax3.plot(pose[[j, p], 0], pose[[j, p], 2], -pose[[j, p], 1], color=_bone_colour(j), lw=2)
        ax3.set_xlim(-lim, lim)
        ax3.set_ylim(-lim, lim)
        ax3.set_zlim(-lim, lim)
        ax3.set_xlabel("x mm", fontsize=7)
        ax3.set_ylabel("z mm", fontsize=7)
        ax3.set_zlabel("-y mm", fontsize=7)
        ax3.tick_params(labelsize=6)
        ax3.view_init(elev=15, azim=-70)
        ax3.set_title("lifted 3D (root-relative)", fontsize=9)
    save_figure(fig, path, dpi=90)
    return picks
