"""Synthetic footage: 3D poses filmed as a flat-shaded mannequin, for testing the video path end to end.

A video detector needs pictures of people, and posynda ships none; a mannequin drawn from known 3D
joints through a known camera is a video whose true 2D (the projected joints) and 3D are known, so
``posynda bench video`` can score detector + lifter against the truth, and the tests can film a whole
body without a download. The drawing is deliberately simple: every bone a round-capped stroke of a
limb's thickness (mm, scaled by the joint's depth), the torso a filled quadrilateral of shoulders and
hips, an oval head; trousers, shirt and skin colours; drawn far to near; a slight blur. BlazePose
finds it (mean landmark visibility about 0.9). It is not a photograph: detector error on it says
little about detector error on real footage.

>>> intrinsics = framing_camera(joints_3d_mm, (1280, 720))             # the person fills 60 % of the height
>>> frames = render_mannequin(joints_3d_mm, intrinsics, (1280, 720))   # iterator of [720, 1280, 3] uint8
>>> write_video("mannequin.mp4", frames, fps=25, size=(1280, 720))
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from posynda.camera import project
from posynda.errors import InputError
from posynda.skeleton import H36M_PARENTS, NUM_JOINTS

# Half the thickness of the bone ending at each joint, mm (index = the child joint).
LIMB_RADIUS_MM = {1: 80, 2: 60, 3: 45, 4: 80, 5: 60, 6: 45, 7: 110, 8: 100, 9: 50, 10: 70}
LIMB_RADIUS_MM.update({11: 55, 12: 45, 13: 35, 14: 55, 15: 45, 16: 35})
HEAD_RADIUS_MM = 100.0
TROUSERS, TROUSERS_LEFT = (40, 60, 120), (50, 70, 140)
SHIRT, SKIN = (180, 60, 50), (222, 182, 152)
COLOURS = {1: TROUSERS, 2: TROUSERS, 3: TROUSERS, 4: TROUSERS_LEFT, 5: TROUSERS_LEFT, 6: TROUSERS_LEFT}
COLOURS.update({7: SHIRT, 8: SHIRT, 9: SKIN, 10: SKIN, 11: SHIRT, 12: SHIRT, 13: SKIN, 14: SHIRT, 15: SHIRT, 16: SKIN})
BACKGROUND = (200, 205, 210)


def framing_camera(
    joints_3d_mm: np.ndarray, image_size: tuple[int, int], fill: float = 0.6, distortion=None
) -> np.ndarray:
    """``[9]`` float32 intrinsics of a camera at the origin (looking down +z) that films ``joints_3d_mm
    [T, 17, 3]`` (camera frame, mm) with the person centred in ``image_size = (W, H)`` and as tall as
    ``fill`` of the frame's height (their median height over the frames): fx = fy, the principal point
    moved so that the median of their joints' rays lands mid-frame. ``distortion``: ``(k1, k2, k3, p1, p2)``
    (default none)."""
    joints = np.asarray(joints_3d_mm, np.float64)
    width, height = (int(v) for v in image_size)
    rays = joints[..., :2] / joints[..., 2:3]  # x/z, y/z: the normalised image coordinates
    tall = np.median(rays[..., 1].max(-1) - rays[..., 1].min(-1))
    focal = fill * height / max(float(tall), 1e-6)
    centre = np.median(rays.reshape(-1, 2), axis=0)
    cx, cy = width / 2.0 - focal * centre[0], height / 2.0 - focal * centre[1]
    extra = [0.0] * 5 if distortion is None else [float(v) for v in distortion]
    return np.array([focal, focal, cx, cy, *extra], np.float32)


def _pil():
    try:
        from PIL import Image, ImageDraw, ImageFilter
    except ImportError:
        raise InputError("drawing footage needs Pillow: pip install 'posynda[viz]'") from None
    return Image, ImageDraw, ImageFilter


def render_mannequin(
    joints_3d_mm: np.ndarray,
    intrinsics: np.ndarray,
    image_size: tuple[int, int],
    background: tuple[int, int, int] = BACKGROUND,
) -> Iterator[np.ndarray]:
    """Film ``joints_3d_mm [T, 17, 3]`` (H36M, camera frame, mm, in front of the camera) through
    ``intrinsics [9]`` (pixels, distortion included) into ``image_size = (W, H)`` frames.

    Yields:
        ``[H, W, 3]`` uint8 RGB frames, one per pose.

    Raises:
        InputError: wrong shapes, or a joint at or behind the camera (z <= 0).
    """
    joints = np.asarray(joints_3d_mm, np.float64)
    if joints.ndim != 3 or joints.shape[1:] != (NUM_JOINTS, 3):
        raise InputError(f"render_mannequin takes [T, {NUM_JOINTS}, 3] joints, got {list(joints.shape)}")
    if not np.isfinite(joints).all() or (joints[..., 2] <= 0).any():
        raise InputError("render_mannequin: every joint must be finite and in front of the camera (z > 0)")
    cam = np.asarray(intrinsics, np.float64)
    width, height = (int(v) for v in image_size)
    uv = project(joints, cam)
    focal = float(cam[0] + cam[1]) / 2.0
    Image, ImageDraw, ImageFilter = _pil()
    for t in range(len(joints)):
        img = Image.new("RGB", (width, height), background)
        draw = ImageDraw.Draw(img)
        p, z = uv[t], joints[t, :, 2]
        torso = [tuple(p[j]) for j in (11, 14, 1, 4)]  # shoulders and hips
        for j in sorted(range(1, NUM_JOINTS), key=lambda j: -z[j]):  # far to near
            a, b = p[H36M_PARENTS[j]], p[j]
            r = LIMB_RADIUS_MM[j] * focal / z[j]
            draw.line([tuple(a), tuple(b)], fill=COLOURS[j], width=max(2, int(2 * r)))
            draw.ellipse([b[0] - r, b[1] - r, b[0] + r, b[1] + r], fill=COLOURS[j])
            if j == 8:  # the spine-to-thorax bone: the torso goes with it
                draw.polygon(torso, fill=SHIRT)
        head, r = p[10], HEAD_RADIUS_MM * focal / z[10]
        draw.ellipse([head[0] - 0.8 * r, head[1] - r, head[0] + 0.8 * r, head[1] + r], fill=SKIN)
        yield np.asarray(img.filter(ImageFilter.GaussianBlur(1)))
