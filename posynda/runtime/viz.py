"""``posynda lift --viz``: pictures of a lift; the file's extension picks what is drawn.

| extension | what (drawn by) |
|-----------|-----------------|
| ``.png``  | contact sheet: 8 frames evenly spaced over the file (so over its sequences), each its 2D input |
|           | above its lifted 3D skeleton (:func:`draw_lift`) |
| ``.gif``  | animation of one sequence (the longest): 2D input beside lifted 3D, a frame counter |
|           | (:func:`animate_lift`, matplotlib's ``PillowWriter``) |
| ``.mp4``  | the same as H.264 video (``FFMpegWriter``, the ffmpeg of :func:`ffmpeg_exe`: imageio-ffmpeg's or PATH's) |

Every picture colours the subject's left side blue, the right red, the centre grey
(:func:`bone_colours`, from H36M_LEFT / H36M_RIGHT) and says so in a legend. The 2D panel is in pixels,
y down as in the image, cropped to the person (no limb cut off, also where it leaves the image) with the
whole image and its bounds in an inset. The 3D panel draws the lifted pose root-relative in the camera
frame turned up (camera x right, depth z into the picture, camera -y up: docs/CONVENTIONS.md), in mm on
equal-aspect axes whose floor is the lowest joint, from a steady view.

Animations: axis limits are fixed over the clip and the view does not turn, so only the person moves.
They play in real time at the sequence's frame rate (:data:`DEFAULT_FPS` when the file has none); a
sequence longer than :data:`MAX_FRAMES` frames is subsampled to every k-th frame (k = ceil(frames /
MAX_FRAMES)) and played at fps / k, and a GIF shows at most :data:`GIF_MAX_FPS` frames a second
(browsers slow shorter GIF delays down).

``background`` puts pictures under the 2D keypoints: the video frames they were detected on (``posynda
lift --video`` passes :func:`posynda.data.detections.video.clip_frames`). It is indexed like the clip
file's frames (frame ``i`` of the ``ClipSet``) and is an array ``[N, H, W, 3]`` (or ``[N, H, W]`` grey,
``[N, H, W, 4]`` RGBA; uint8, or float in [0, 1]) or any sequence of such frames with ``len`` = N (a lazy
reader with ``__getitem__`` works), a callable ``frame_index -> image or None``, or any other iterable of
frames, read forwards once.
Every frame must be the clip's image size (W x H): the keypoints are drawn in its pixels.

:func:`viz_format` checks a path before any lifting (unknown extension, no matplotlib, ``.mp4`` without
ffmpeg: InputError); :func:`write_viz` draws. matplotlib is imported only when a picture is drawn (extra
``[viz]``), on the non-interactive Agg backend; every file is written atomically (:func:`save_figure`,
:func:`atomic_path`).

>>> viz_format("lift.mov")                         # InputError naming .png, .gif, .mp4
>>> write_viz("lift.gif", clips, result.root_relative_mm)
'lift.gif (animation of wild/test/TS6/run_2: 249 of 498 frames, every 2nd, 12.5 fps)'
"""

from __future__ import annotations

import io
import math
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import numpy as np

from posynda.data.clips import ClipSet
from posynda.errors import InputError
from posynda.fileio import atomic_path, atomic_write_bytes
from posynda.skeleton import H36M_LEFT, H36M_PARENTS, H36M_RIGHT, ROOT

# --------------------------------------------------------------- matplotlib and atomic figure files


def pyplot(purpose: str = "--viz"):
    """``matplotlib.pyplot`` on the non-interactive Agg backend; InputError naming ``purpose`` without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        raise InputError(f"{purpose} needs matplotlib: pip install 'posynda[viz]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str | os.PathLike, dpi: int, tight: bool = True) -> Path:
    """Lay out ``fig`` (``tight_layout`` unless ``tight`` is False), write it as a PNG atomically and close it;
    returns the path."""
    plt = pyplot()
    if tight:
        fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())
    return Path(path)


# ---------------------- what every picture shares: colours, legend, limits, the 2D and the 3D panel


SIDE_COLOURS: dict[str, str] = {"left": "tab:blue", "right": "tab:red", "centre": "0.45"}
SIDE_LABELS: dict[str, str] = {"left": "left side (blue)", "right": "right side (red)", "centre": "centre (grey)"}


def joint_side(j: int) -> str:
    """``"left"``, ``"right"`` or ``"centre"``: the subject's side of H36M joint ``j``."""
    return "left" if j in H36M_LEFT else "right" if j in H36M_RIGHT else "centre"


def bone_colours() -> list[tuple[int, int, str]]:
    """``(child, parent, colour)`` of every H36M bone; a bone takes its child joint's side."""
    return [(j, p, SIDE_COLOURS[joint_side(j)]) for j, p in enumerate(H36M_PARENTS) if p >= 0]


def legend_handles():
    """Line handles for the side colours (matplotlib must be importable)."""
    from matplotlib.lines import Line2D

    return [Line2D([], [], color=SIDE_COLOURS[s], lw=2.5, label=SIDE_LABELS[s]) for s in SIDE_COLOURS]


def to_view(poses_mm: np.ndarray) -> np.ndarray:
    """Camera-frame ``[..., 3]`` (x right, y down, z forward) -> plot axes (x, depth z, up = -y)."""
    return np.stack([poses_mm[..., 0], poses_mm[..., 2], -poses_mm[..., 1]], axis=-1)


@dataclass(frozen=True)
class Cube:
    """Equal-aspect 3D limits (plot axes, mm): a cube of half-size ``half`` around ``centre`` whose bottom face is
    the lowest joint drawn, so the person stands on the floor of the box."""

    centre: np.ndarray
    half: float

    @classmethod
    def around(cls, view_poses: np.ndarray, pad: float = 1.06, least: float = 400.0) -> "Cube":
        """The smallest such cube holding every finite joint of ``view_poses [N, 17, 3]`` (plot axes), padded."""
        pts = view_poses.reshape(-1, 3)
        pts = pts[np.isfinite(pts).all(axis=1)]
        if not len(pts):
            return cls(np.zeros(3), least)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        half = max(float((hi - lo).max()) / 2 * pad, least)
        centre = (lo + hi) / 2
        centre[2] = lo[2] + half
        return cls(centre, half)


def person_box(
    keypoints_2d: np.ndarray, image_size, aspect: float = 1.0, pad: float = 0.12
) -> tuple[float, float, float, float]:
    """``(x0, x1, y0, y1)`` pixels: a box of width / height ``aspect`` around every finite keypoint of
    ``keypoints_2d [N, 17, 2]`` (a frame or a sequence), padded, so that the person fills the 2D panel and no
    limb is cut off, also where it leaves the image. The whole image when there is no keypoint."""
    w, h = float(image_size[0]), float(image_size[1])
    pts = keypoints_2d.reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if not len(pts):
        return 0.0, w, 0.0, h
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre = (lo + hi) / 2
    half_w, half_h = np.maximum((hi - lo) * (0.5 + pad), 0.05 * max(w, h))
    half_w, half_h = max(half_w, half_h * aspect), max(half_h, half_w / aspect)
    return float(centre[0] - half_w), float(centre[0] + half_w), float(centre[1] - half_h), float(centre[1] + half_h)


INSET = 0.3  # the whole-image inset: this fraction of the 2D panel's width and height
CORNERS = {
    "upper right": (1 - INSET, 1 - INSET),
    "upper left": (0.0, 1 - INSET),
    "lower right": (1 - INSET, 0.0),
    "lower left": (0.0, 0.0),
}


def inset_corner(keypoints_2d: np.ndarray, box: tuple[float, float, float, float]) -> str:
    """The corner of the 2D panel (``box`` as from :func:`person_box`, y down) where the whole-image inset covers
    the fewest keypoints of the sequence (ties: upper right first)."""
    x0, x1, y0, y1 = box
    pts = keypoints_2d.reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    fx, fy = (pts[:, 0] - x0) / (x1 - x0), 1 - (pts[:, 1] - y0) / (y1 - y0)  # axes fractions, y up
    inside = {
        name: int(((fx >= cx) & (fx <= cx + INSET) & (fy >= cy) & (fy <= cy + INSET)).sum())
        for name, (cx, cy) in CORNERS.items()
    }
    return min(inside, key=inside.get)


def _person_height(keypoints_2d: np.ndarray) -> float:
    """The median height (px) of the person over the frames of ``keypoints_2d [N, 17, 2]`` (0 without keypoints)."""
    v = keypoints_2d[..., 1]
    seen = np.isfinite(v).any(axis=1)
    if not seen.any():
        return 0.0
    return float(np.median(np.nanmax(v[seen], axis=1) - np.nanmin(v[seen], axis=1)))


def _show_skeleton(bones, joints, keypoints: np.ndarray) -> None:
    for line, (j, p, _) in zip(bones, bone_colours()):
        line.set_data(keypoints[[j, p], 0], keypoints[[j, p], 1])
    if joints is not None:
        joints.set_data(keypoints[:, 0], keypoints[:, 1])


class Pose2DPanel:
    """The 2D input, px, y down as in the image: a crop around the person of the whole sequence (fixed, so it
    does not jump), and an inset with the whole image (its bounds, the crop, the skeleton). A background
    frame, when given, is drawn under both."""

    def __init__(self, ax, image_size, sequence_keypoints: np.ndarray, aspect: float = 1.0, small: bool = False):
        from matplotlib.patches import Rectangle
        from matplotlib.ticker import MaxNLocator

        self.ax = ax
        self.w, self.h = int(image_size[0]), int(image_size[1])
        x0, x1, y0, y1 = self.box = box = person_box(sequence_keypoints, image_size, aspect)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y1, y0)
        ax.set_aspect("equal")
        ax.add_patch(Rectangle((0, 0), self.w, self.h, fill=False, ls="--", lw=0.8, ec="0.55", zorder=1))
        fs = 7 if small else 8
        ax.tick_params(labelsize=fs - 1)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.set_xlabel("u (px)", fontsize=fs, labelpad=1)
        ax.set_ylabel("v (px, down)", fontsize=fs, labelpad=1)
        # a person crossing the image is small in a crop fixed over the sequence: thinner joints keep the bones visible
        tiny = _person_height(sequence_keypoints) < 0.3 * (y1 - y0)
        self.bones = [
            ax.plot([], [], color=c, lw=1.6 if tiny else 1.8 if small else 2.4, solid_capstyle="round", zorder=3)[0]
            for _, _, c in bone_colours()
        ]
        self.joints = ax.plot([], [], "o", ms=1.2 if tiny else 2.0 if small else 2.4, color="k", zorder=4)[0]
        self.inset = self.inset_bones = None
        if (x1 - x0) * (y1 - y0) < 0.5 * self.w * self.h:  # a crop: show where it lies in the whole image
            self._add_inset(box, inset_corner(sequence_keypoints, box), fs)
        self.images = None

    def _add_inset(self, box, corner: str, fs: int) -> None:
        from matplotlib.patches import Rectangle

        x0, x1, y0, y1 = box
        cx, cy = CORNERS[corner]
        inset = self.ax.inset_axes((cx, cy, INSET, INSET), zorder=5)
        inset.set_xlim(min(0.0, x0), max(float(self.w), x1))
        inset.set_ylim(max(float(self.h), y1), min(0.0, y0))
        inset.set_aspect("equal")
        inset.set_xticks([])
        inset.set_yticks([])
        inset.patch.set_alpha(0.0)
        for spine in inset.spines.values():
            spine.set_visible(False)
        inset.add_patch(Rectangle((0, 0), self.w, self.h, fc="0.94", ec="0.35", lw=0.8, alpha=0.9, zorder=0))
        inset.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="k", lw=0.6, ls=":", zorder=3))
        inset.text(
            0.5,
            0.03,
            f"{self.w}x{self.h} image",
            transform=inset.transAxes,
            ha="center",
            va="bottom",
            fontsize=fs - 1.5,
            color="0.25",
            zorder=4,
        )
        self.inset = inset
        self.inset_bones = [inset.plot([], [], color=c, lw=0.8, zorder=2)[0] for _, _, c in bone_colours()]

    def show(self, keypoints: np.ndarray, background: np.ndarray | None = None) -> None:
        """Draw ``keypoints [17, 2]`` px (NaN joints and their bones are left out) over ``background``."""
        _show_skeleton(self.bones, self.joints, keypoints)
        if self.inset is not None:
            _show_skeleton(self.inset_bones, None, keypoints)
        if background is not None:
            pictures = [self._cut(background, self.box, 1000)]
            if self.inset is not None:
                pictures.append(self._cut(background, (0.0, self.w, 0.0, self.h), 400))
            if self.images is None:
                axes = [self.ax, self.inset]
                self.images = [
                    axes[k].imshow(image, extent=extent, origin="upper", zorder=k, interpolation="bilinear")
                    for k, (image, extent) in enumerate(pictures)
                ]
            else:
                for shown, (image, _) in zip(self.images, pictures):
                    shown.set_data(image)

    def _cut(self, image: np.ndarray, box, most: int):
        """The part of ``image`` inside ``box`` (px), every k-th pixel so that at most about ``most`` remain
        across (a 4K frame is not resampled whole for a 400 px panel), and its extent."""
        x0, x1, y0, y1 = box
        ix0, ix1 = (int(np.clip(v, 0, self.w)) for v in (np.floor(x0), np.ceil(x1)))
        iy0, iy1 = (int(np.clip(v, 0, self.h)) for v in (np.floor(y0), np.ceil(y1)))
        if ix1 <= ix0 or iy1 <= iy0:  # the box lies outside the image
            ix0, ix1, iy0, iy1 = 0, 1, 0, 1
        k = max(1, max(ix1 - ix0, iy1 - iy0) // most)
        cut = image[iy0:iy1:k, ix0:ix1:k]
        return cut, (ix0, ix0 + cut.shape[1] * k, iy0 + cut.shape[0] * k, iy0)


class Pose3DPanel:
    """The lifted skeleton in 3D: fixed equal-aspect limits (:class:`Cube`), a steady view, mm."""

    ELEVATION = 12.0
    AZIMUTH = -62.0  # -90 looks along the camera's optical axis; -62 turns the view a little to show depth

    def __init__(self, ax, cube: Cube, small: bool = False):
        from matplotlib.ticker import MaxNLocator

        self.ax = ax
        c, r = cube.centre, cube.half
        ax.set_xlim(c[0] - r, c[0] + r)
        ax.set_ylim(c[1] - r, c[1] + r)
        ax.set_zlim(c[2] - r, c[2] + r)
        ax.set_box_aspect((1, 1, 1), zoom=1.05 if small else 1.0)
        ax.view_init(elev=self.ELEVATION, azim=self.AZIMUTH)
        fs = 7 if small else 8
        ax.tick_params(labelsize=fs - 1, pad=0)
        for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
            axis.set_major_locator(MaxNLocator(3 if small else 4))
        pad = -4 if small else -2
        ax.set_xlabel("x (mm)", fontsize=fs, labelpad=pad)
        ax.set_ylabel("z depth (mm)", fontsize=fs, labelpad=pad)
        ax.set_zlabel("up = -y (mm)", fontsize=fs, labelpad=pad)
        self.bones = [
            ax.plot([], [], [], color=col, lw=2.0 if small else 2.6, solid_capstyle="round")[0]
            for _, _, col in bone_colours()
        ]
        self.joints = ax.plot([], [], [], "o", ms=2.0 if small else 2.6, color="k")[0]

    def show(self, view_pose: np.ndarray) -> None:
        """Draw ``view_pose [17, 3]`` in plot axes (:func:`to_view`)."""
        for line, (j, p, _) in zip(self.bones, bone_colours()):
            seg = view_pose[[j, p]]
            line.set_data_3d(seg[:, 0], seg[:, 1], seg[:, 2])
        self.joints.set_data_3d(view_pose[:, 0], view_pose[:, 1], view_pose[:, 2])


# --------------------------------------------------------- background frames under the 2D keypoints


Background = Union[np.ndarray, Sequence, Callable[[int], "np.ndarray | None"], Iterable]


class FrameSource:
    """``source(i)``: the background image of clip frame ``i`` (``[H, W, 3|4]`` or ``[H, W]``), or None."""

    def __init__(self, background: Background | None, clips: ClipSet):
        self.clips = clips
        self._get: Callable[[int], np.ndarray | None]
        if background is None:
            self._get = lambda i: None
        elif callable(background) and not hasattr(background, "__getitem__"):
            self._get = background
        elif hasattr(background, "__getitem__") and hasattr(background, "__len__"):
            if len(background) != clips.num_frames:
                raise InputError(f"background: {len(background)} frames for a clip file of {clips.num_frames} frames")
            self._get = lambda i: background[i]
        elif isinstance(background, Iterable):
            self._get = _Forward(iter(background)).get
        else:
            raise InputError(f"background: frames expected (array, sequence, callable or iterable), got {background!r}")

    def __call__(self, i: int) -> np.ndarray | None:
        image = self._get(int(i))
        return None if image is None else self._checked(np.asarray(image), int(i))

    def _checked(self, image: np.ndarray, i: int) -> np.ndarray:
        w, h = (int(v) for v in self.clips.image_size[self.clips.seq_index[i]])
        if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
            raise InputError(f"background frame {i}: shape {image.shape}, expected [H, W], [H, W, 3] or [H, W, 4]")
        if image.shape[:2] != (h, w):
            raise InputError(f"background frame {i}: {image.shape[1]}x{image.shape[0]} px, the clip's image is {w}x{h}")
        if image.dtype != np.uint8:
            image = np.clip(np.nan_to_num(image.astype(np.float32)), 0.0, 1.0)
        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        return image


class _Forward:
    """An iterator of frames read once, forwards: frame ``i`` is the ``i``-th item (the last one is kept, so
    asking twice for the same frame works)."""

    def __init__(self, frames):
        self.frames = frames
        self.index = -1
        self.last = None

    def get(self, i: int):
        if i < self.index:
            raise ValueError(f"background iterable: frame {i} asked after frame {self.index} (forwards only)")
        while self.index < i:
            try:
                self.last = next(self.frames)
            except StopIteration:
                raise InputError(f"background: the frames end before clip frame {i}") from None
            self.index += 1
        return self.last


# -------------------------------------------------------------------------- .png: the contact sheet


SHEET_COLUMNS = 4
SHEET_CELL_INCHES = (3.4, 3.1)  # one panel, width x height
SHEET_DPI = 90


def frame_label(clips: ClipSet, i: int) -> str:
    """``"<sequence> · frame 120/469 · 4.80 s"`` for clip frame ``i`` (the frame counted in its sequence; the
    time only when the sequence's fps is known)."""
    s = int(clips.seq_index[i])
    start, stop = (int(v) for v in clips.sequence_bounds()[s])
    text = f"{clips.sequence_names()[s]} · frame {i - start}/{stop - start}"
    if clips.fps is not None and np.isfinite(clips.fps[s]) and clips.fps[s] > 0:
        text += f" · {(i - start) / float(clips.fps[s]):.2f} s"
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


# ----------------------------------------------------------------------- .gif / .mp4: the animation


MAX_FRAMES = 300
DEFAULT_FPS = 25.0
GIF_MAX_FPS = 50.0
ANIMATION_SIZE = (10.0, 5.0)  # inches
ANIMATION_DPI = 96  # 960 x 480 px
MP4_HINT = (
    "--viz .mp4 needs ffmpeg: pip install imageio-ffmpeg (in 'posynda[viz]') or put ffmpeg on PATH; or write a .gif"
)


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


def ffmpeg_exe() -> str | None:
    """An ffmpeg binary: imageio-ffmpeg's bundled one (extra ``[viz]``), else ``ffmpeg`` on PATH; None without."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        return shutil.which("ffmpeg")


def pick_sequence(clips: ClipSet, sequence: int | str | None = None) -> int:
    """The sequence to animate: its index or name, or (None) the longest, the first of the longest on a tie."""
    names = clips.sequence_names()
    if sequence is None:
        lengths = np.diff(clips.sequence_bounds(), axis=1)[:, 0]
        return int(np.argmax(lengths))
    if isinstance(sequence, str):
        if sequence not in names:
            listed = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
            raise InputError(f"no sequence named {sequence!r}; the file has {listed}")
        return names.index(sequence)
    if not 0 <= int(sequence) < clips.num_sequences:
        raise InputError(f"sequence {sequence}: the file has {clips.num_sequences} sequences")
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


class _Canvas:
    """The frame FuncAnimation has just drawn on the Agg canvas: it draws every frame before the writer grabs it,
    and the writers' own ``savefig`` would draw it a second time (half the run time)."""

    def __init__(self, fig):
        self.fig = fig
        self.fresh = False
        fig.canvas.mpl_connect("draw_event", self._drawn)

    def _drawn(self, event) -> None:
        self.fresh = True

    def rgba(self, size) -> memoryview | None:
        """The canvas' RGBA pixels if they are ``size`` (w, h) px (drawn now if not drawn since the last grab)."""
        canvas = self.fig.canvas
        if tuple(canvas.get_width_height()) != tuple(int(v) for v in size):
            return None
        if not self.fresh:
            canvas.draw()
        self.fresh = False
        return canvas.buffer_rgba()


def _writer(suffix: str, fps: float, canvas: _Canvas, photo: bool):
    """matplotlib's PillowWriter (.gif) or FFMpegWriter (.mp4, H.264), grabbing frames from ``canvas``."""
    from matplotlib import animation
    from PIL import Image

    if suffix == ".gif":

        def quantize(frame):
            """256 colours: exact on the flat colours of a plot; over photos (background frames) a median-cut
            palette, dithered (Pillow dithers only onto a given palette)."""
            if not photo:
                return frame.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
            palette = frame.quantize(256, method=Image.Quantize.MEDIANCUT)
            return frame.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG)

        class GifWriter(animation.PillowWriter):
            """PillowWriter keeping each frame as a 256-colour image (1 byte a pixel, not 3, while it collects)."""

            def grab_frame(self, **savefig_kwargs):
                pixels = canvas.rgba(self.frame_size)
                if pixels is None:
                    super().grab_frame(**savefig_kwargs)
                    canvas.fresh = False
                    frame = self._frames.pop().convert("RGB")
                else:
                    frame = Image.frombuffer("RGBA", self.frame_size, pixels, "raw", "RGBA", 0, 1).convert("RGB")
                self._frames.append(quantize(frame))

            def finish(self):
                # GIF delays are whole centiseconds: round the clock, not each delay, so the clip keeps its length
                ticks = np.round(np.arange(len(self._frames) + 1) * 100.0 / self.fps)
                durations = [int(d) * 10 for d in np.diff(ticks)]
                self._frames[0].save(
                    self.outfile, save_all=True, append_images=self._frames[1:], duration=durations, loop=0
                )

        return GifWriter(fps=fps)

    class Mp4Writer(animation.FFMpegWriter):
        """FFMpegWriter piping the frame already drawn (RGBA) to ffmpeg."""

        def grab_frame(self, **savefig_kwargs):
            pixels = canvas.rgba(self.frame_size) if self.frame_format == "rgba" else None
            if pixels is None or not hasattr(self, "_proc"):
                super().grab_frame(**savefig_kwargs)
                canvas.fresh = False
            else:
                self._proc.stdin.write(pixels)

    return Mp4Writer(fps=fps, codec="h264", extra_args=["-movflags", "+faststart"])


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
        raise InputError(MP4_HINT)
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
        counter.set_text(f"frame {local:>{len(str(stop - start))}}/{stop - start}{time}")
        return []

    anim = FuncAnimation(
        fig, draw, frames=len(picks), init_func=lambda: [], blit=False, repeat=False, cache_frame_data=False
    )
    try:
        with atomic_path(path) as tmp, matplotlib.rc_context({"animation.ffmpeg_path": exe or "ffmpeg"}):
            anim.save(str(tmp), writer=_writer(suffix, fps, _Canvas(fig), background is not None), dpi=ANIMATION_DPI)
    finally:
        plt.close(fig)
    return Animated(path, name, tuple(picks), step, fps, stop - start)


# ------------------------------------------------- the formats: checked before any work, then drawn


@dataclass(frozen=True)
class VizFormat:
    """One ``--viz`` file type: its extension, what it shows, and whether it needs ffmpeg."""

    suffix: str
    what: str
    ffmpeg: bool = False


VIZ_FORMATS: dict[str, VizFormat] = {
    f.suffix: f
    for f in (
        VizFormat(".png", "contact sheet of 8 frames"),
        VizFormat(".gif", "animation"),
        VizFormat(".mp4", "animation, needs ffmpeg", ffmpeg=True),
    )
}


def viz_format(path: str | os.PathLike) -> VizFormat:
    """The picture ``path`` asks for, by its extension (case-insensitive), checked before any work: InputError
    for an unknown extension (naming the known ones), without matplotlib, or for ``.mp4`` without ffmpeg."""
    suffix = Path(path).suffix.lower()
    fmt = VIZ_FORMATS.get(suffix)
    if fmt is None:
        known = ", ".join(f"{f.suffix} ({f.what})" for f in VIZ_FORMATS.values())
        got = f"extension {suffix!r}" if suffix else "no extension"
        raise InputError(f"--viz {path}: unknown picture format ({got}); known: {known}")
    pyplot("--viz")
    if fmt.ffmpeg and ffmpeg_exe() is None:
        raise InputError(MP4_HINT)
    return fmt


def write_viz(
    path: str | os.PathLike, clips: ClipSet, poses_mm: np.ndarray, background: Background | None = None
) -> str:
    """Draw the lift ``poses_mm [N, 17, 3]`` (camera frame, mm; drawn root-relative) of ``clips`` into ``path``
    as its extension says; returns what was written, for ``posynda lift`` to print."""
    fmt = viz_format(path)
    if fmt.suffix == ".png":
        picks = draw_lift(clips, poses_mm, path, background=background)
        return f"{path} (contact sheet, frames {', '.join(map(str, picks))} of the file)"
    return animate_lift(clips, poses_mm, path, background=background).summary()
