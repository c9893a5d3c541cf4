"""Where pictures look: the camera frame turned for plotting, the 3D limits, the 2D crop and its inset corner.

3D: the camera frame (x right, y down, z forward; docs/CONVENTIONS.md) is drawn turned up (:func:`to_view`:
x, depth z, up = -y) in an equal-aspect cube whose floor is the lowest joint (:class:`Cube`), mm.
2D: pixels, y down as in the image, cropped to the person (:func:`person_box`: no limb cut off, also where it
leaves the image), with a whole-image inset in the corner that hides the fewest keypoints
(:func:`inset_corner`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
