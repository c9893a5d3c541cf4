"""Rotated square regions of an image and the bilinear warp that cuts them out, as BlazePose uses them.

A region (:class:`Region`) is a square of ``size`` pixels centred at ``centre``, turned by ``rotation``
radians (positive: clockwise on the screen, image y pointing down). :func:`crop_transform` gives the affine
map from a crop's pixels to the image's, :func:`warp` samples the image through it (bilinear, zero outside the
image) -- written out in numpy so that libposynda's C port computes the same numbers -- and
:func:`to_image` maps points of the crop back. Pixel coordinates are continuous with pixel ``i`` centred at
``i`` (OpenCV's convention), as in MediaPipe's CPU path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Region:
    """A rotated square: ``centre`` (x, y) px, side ``size`` px, ``rotation`` rad."""

    centre: tuple[float, float]
    size: float
    rotation: float


def normalise_angle(angle: float) -> float:
    """``angle`` in [-pi, pi)."""
    return (angle + math.pi) % (2 * math.pi) - math.pi


def aligned_region(start: np.ndarray, end: np.ndarray, scale: float = 1.25) -> Region:
    """The region BlazePose fits to two alignment points (MediaPipe's ``AlignmentPointsRectsCalculator`` then
    ``RectTransformationCalculator``): centred at ``start`` (the mid-hip), turned so that ``start -> end`` (the
    point above the head) points up, side ``2 |end - start| * scale``."""
    dx, dy = float(end[0] - start[0]), float(end[1] - start[1])
    rotation = normalise_angle(math.pi / 2 - math.atan2(-dy, dx))  # target angle 90 degrees
    return Region((float(start[0]), float(start[1])), 2.0 * math.hypot(dx, dy) * scale, rotation)


def crop_transform(region: Region, side: int) -> np.ndarray:
    """``[2, 3]`` affine map from the pixels of a ``side x side`` crop of ``region`` to image pixels (written out
    term by term: a matrix product through BLAS may fuse multiply-adds, which libposynda's port does not)."""
    c, s, k = math.cos(region.rotation), math.sin(region.rotation), region.size / side
    a, b, d, e, half = c * k, -s * k, s * k, c * k, side / 2
    cx, cy = float(region.centre[0]), float(region.centre[1])
    return np.array([[a, b, cx - (a * half + b * half)], [d, e, cy - (d * half + e * half)]])


def letterbox_transform(width: int, height: int, side: int) -> np.ndarray:
    """``[2, 3]`` map from a ``side x side`` letterboxed copy of a ``width x height`` image to its pixels (the
    image scaled to fit, centred, the rest zero)."""
    scale = max(width, height) / side
    return np.array([[scale, 0.0, (width - side * scale) / 2], [0.0, scale, (height - side * scale) / 2]])


def to_image(points: np.ndarray, transform: np.ndarray) -> np.ndarray:
    """Points ``[..., 2]`` of a crop -> image pixels through the crop's ``transform``: ``x' = (x m00 + y m01) +
    m02`` element by element (no BLAS: the same rounding as libposynda's port, which the tracker's feedback from
    one frame's landmarks to the next frame's crop would amplify)."""
    points = np.asarray(points, np.float64)
    x, y = points[..., 0], points[..., 1]
    m = transform
    return np.stack([x * m[0, 0] + y * m[0, 1] + m[0, 2], x * m[1, 0] + y * m[1, 1] + m[1, 2]], axis=-1)


_GRIDS: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}


def warp(image: np.ndarray, transform: np.ndarray, width: int, height: int) -> np.ndarray:
    """The ``[height, width, C]`` float32 crop whose pixel (u, v) is ``image`` bilinearly sampled at
    ``transform @ (u, v, 1)`` (zero outside the image); ``image`` ``[H, W, C]`` (uint8 or float).

    The four neighbours of every sample are gathered by linear index (``np.take``) and summed with their
    bilinear weights: from the image itself when every neighbour is inside it, else from a zero canvas holding
    the part of the image the samples cover (so a neighbour outside the image reads zero without a test).
    About 2x faster than four masked taps on a 256 x 256 crop of a 1080p frame."""
    if (width, height) not in _GRIDS:
        v, u = np.mgrid[0:height, 0:width]
        _GRIDS[(width, height)] = (u.astype(np.float64).ravel(), v.astype(np.float64).ravel())
    u, v = _GRIDS[(width, height)]
    x = transform[0, 0] * u + transform[0, 1] * v + transform[0, 2]
    y = transform[1, 0] * u + transform[1, 1] * v + transform[1, 2]
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = (x - x0).astype(np.float32), (y - y0).astype(np.float32)
    rows, cols = image.shape[:2]
    channels = image.shape[2] if image.ndim == 3 else 1
    # every sample's 2 x 2 neighbours; a sample with both neighbours of an axis off the image is clamped to
    # two pixels before it or one beyond it, where the canvas is zero
    x0 = np.clip(x0, -2, cols).astype(np.int64)
    y0 = np.clip(y0, -2, rows).astype(np.int64)
    left, top = int(x0.min()), int(y0.min())
    canvas_w, canvas_h = int(x0.max()) - left + 2, int(y0.max()) - top + 2
    if left >= 0 and top >= 0 and left + canvas_w <= cols and top + canvas_h <= rows:
        flat, canvas_w, left, top = image.reshape(rows * cols, channels), cols, 0, 0  # inside: no copy
    else:
        canvas = np.zeros((canvas_h, canvas_w, channels), image.dtype)
        a, b = max(left, 0), min(left + canvas_w, cols)  # the image columns and rows inside the canvas
        c, d = max(top, 0), min(top + canvas_h, rows)
        if a < b and c < d:
            canvas[c - top : d - top, a - left : b - left] = image[c:d, a:b].reshape(d - c, b - a, channels)
        flat = canvas.reshape(-1, channels)
    index = (y0 - top) * canvas_w + (x0 - left)
    wx0, wy0 = 1 - fx, 1 - fy
    out = np.take(flat, index, axis=0) * (wx0 * wy0)[:, None]
    out += np.take(flat, index + 1, axis=0) * (fx * wy0)[:, None]
    out += np.take(flat, index + canvas_w, axis=0) * (wx0 * fy)[:, None]
    out += np.take(flat, index + canvas_w + 1, axis=0) * (fx * fy)[:, None]
    return out.reshape(height, width, channels)
