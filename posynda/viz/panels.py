"""The two panels of every picture: the 2D input (pixels, y down, cropped, whole-image inset, a background
frame under it) and the lifted 3D skeleton (mm, fixed limits, a steady view); bones in the side colours.

matplotlib must be importable (:func:`posynda.viz.figures.pyplot` checks it first).
"""

from __future__ import annotations

import numpy as np

from posynda.viz.colours import bone_colours
from posynda.viz.limits import CORNERS, INSET, Cube, inset_corner, person_box


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
