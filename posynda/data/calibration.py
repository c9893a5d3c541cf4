"""Calibrated cameras of a multi-view recording: Qualisys ``.qca.txt`` (XML) and Pose2Sim's ``Calib*.toml``.

Every camera becomes a :class:`CalibratedCamera` in posynda's conventions (``posynda.camera``): intrinsics
``[fx, fy, cx, cy, k1, k2, k3, p1, p2]`` in pixels, and the world -> camera map ``x_cam = R @ x_world + t``
with ``t`` in mm (OpenCV's camera axes: x right, y down, z forward).

* **QCA** (Qualisys Track Manager's export, as Pose2Sim reads it, ``Pose2Sim/calibration.py``): intrinsics are
  stored in 1/64 pixel (``focalLengthU``, ``centerPointU``, ...) and relative to the video window
  (``fov_video``: its ``left``/``top`` offset, its size); the lens distortions are also divided by 64 (Pose2Sim
  does this too); ``transform`` holds the camera's position (mm) and a rotation ``M`` whose turn by pi about x
  is the world -> camera rotation: ``R = diag(1, -1, -1) @ M``, ``t = -R @ position``.
* **Pose2Sim TOML** (``[cam_01]`` tables): ``matrix`` (3 x 3 px), ``distortions`` (k1, k2, p1, p2),
  ``rotation`` (a Rodrigues vector, world -> camera), ``translation`` (m), ``size`` (w, h); ``metadata`` is
  skipped.

Files are read with the standard library (``xml.etree``: Python's expat refuses entity expansion attacks;
``tomllib``), refused beyond :data:`MAX_CALIBRATION_BYTES` and :data:`MAX_CAMERAS`.
"""

from __future__ import annotations

import math
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import numpy as np

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, before it joined the standard library
    import tomli as tomllib

from posynda.camera import check_intrinsics
from posynda.errors import InputError

MAX_CALIBRATION_BYTES = 4 << 20  # a calibration of hundreds of cameras is a few hundred kB
MAX_CAMERAS = 256
QCA_UNITS_PER_PIXEL = 64.0  # Qualisys stores intrinsics in sub-pixel units


@dataclass(frozen=True)
class CalibratedCamera:
    """One calibrated camera.

    Attributes:
        name: the file's name of it (``cam01``).
        intrinsics: ``[9]`` ``fx, fy, cx, cy, k1, k2, k3, p1, p2`` (px).
        rotation: ``[3, 3]`` world -> camera.
        translation: ``[3]`` mm, so that ``x_cam = rotation @ x_world + translation``.
        image_size: ``(width, height)`` px.
    """

    name: str
    intrinsics: np.ndarray
    rotation: np.ndarray
    translation: np.ndarray
    image_size: tuple[int, int]

    def to_camera(self, points_world: np.ndarray) -> np.ndarray:
        """World points ``[..., 3]`` mm -> this camera's frame, mm."""
        return np.asarray(points_world, np.float64) @ self.rotation.T + self.translation

    @property
    def centre(self) -> np.ndarray:
        """``[3]`` the camera's position in the world, mm."""
        return -self.rotation.T @ self.translation


UP_AXES = ("z", "y", "x", "-z", "-y", "-x")
_AXES = {"x": (1.0, 0.0, 0.0), "y": (0.0, 1.0, 0.0), "z": (0.0, 0.0, 1.0)}


def axis_vector(name: str) -> np.ndarray:
    """``"z"`` -> (0, 0, 1), ``"-y"`` -> (0, -1, 0): a calibration world's up axis."""
    sign, axis = (-1.0, name[1:]) if name.startswith("-") else (1.0, name)
    if axis not in _AXES:
        raise InputError(f"world_up must be one of x, y, z, -x, -y, -z, got {name!r}", parameter="world_up")
    return sign * np.array(_AXES[axis])


def rodrigues(vector) -> np.ndarray:
    """The rotation matrix ``[3, 3]`` of a rotation vector (axis times angle, radians)."""
    v = np.asarray(vector, np.float64).reshape(3)
    angle = float(np.linalg.norm(v))
    if angle < 1e-12:
        return np.eye(3)
    k = v / angle
    cross = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + math.sin(angle) * cross + (1 - math.cos(angle)) * cross @ cross


def _checked(name: str, intrinsics, rotation, translation, size, source) -> CalibratedCamera:
    rotation = np.asarray(rotation, np.float64)
    translation = np.asarray(translation, np.float64).reshape(3)
    if rotation.shape != (3, 3) or not np.isfinite(rotation).all() or not np.isfinite(translation).all():
        raise InputError(f"{source}: camera {name!r} has a non-finite or misshapen rotation/translation")
    if not np.allclose(rotation @ rotation.T, np.eye(3), atol=1e-4) or np.linalg.det(rotation) < 0:
        raise InputError(f"{source}: camera {name!r}: the rotation is not a rotation (R R^T != I or det < 0)")
    width, height = (int(round(float(v))) for v in size)
    if not (1 <= width <= 32768 and 1 <= height <= 32768):
        raise InputError(f"{source}: camera {name!r}: image size {width}x{height} px is out of range")
    check_intrinsics(intrinsics, f"{source}: camera {name!r} intrinsics")
    return CalibratedCamera(name, np.asarray(intrinsics, np.float64), rotation, translation, (width, height))


def _attribute(element, key: str, source) -> float:
    try:
        value = float(element.attrib[key])
    except (KeyError, ValueError):
        raise InputError(f"{source}: <{element.tag}> needs a number {key}=") from None
    if not math.isfinite(value):
        raise InputError(f"{source}: <{element.tag}> {key}= is not finite")
    return value


def read_qca(text: str, source) -> list[CalibratedCamera]:
    """The cameras of a Qualisys ``.qca.txt`` calibration (see the module's notes on its units)."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise InputError(f"{source}: not a readable QCA calibration (XML: {error})") from None
    cameras = []
    for element in root.findall("cameras/camera"):
        name = element.attrib.get("serial", f"camera{len(cameras)}")
        fov, intrinsic, transform = (element.find(tag) for tag in ("fov_video", "intrinsic", "transform"))
        if fov is None or intrinsic is None or transform is None:
            raise InputError(f"{source}: camera {name!r} needs <fov_video>, <intrinsic> and <transform>")
        get = lambda e, k: _attribute(e, k, source)  # noqa: E731
        left, top = get(fov, "left"), get(fov, "top")
        size = (get(fov, "right") - left + 1, get(fov, "bottom") - top + 1)
        u = QCA_UNITS_PER_PIXEL
        intrinsics = [
            get(intrinsic, "focalLengthU") / u,
            get(intrinsic, "focalLengthV") / u,
            get(intrinsic, "centerPointU") / u - left,
            get(intrinsic, "centerPointV") / u - top,
            get(intrinsic, "radialDistortion1") / u,
            get(intrinsic, "radialDistortion2") / u,
            get(intrinsic, "radialDistortion3") / u,
            get(intrinsic, "tangentalDistortion1") / u,
            get(intrinsic, "tangentalDistortion2") / u,
        ]
        turn = np.array([[get(transform, f"r{i}{j}") for j in (1, 2, 3)] for i in (1, 2, 3)])
        rotation = np.diag([1.0, -1.0, -1.0]) @ turn
        position = np.array([get(transform, k) for k in ("x", "y", "z")])
        cameras.append(_checked(name, intrinsics, rotation, -rotation @ position, size, source))
    return cameras


def read_pose2sim_toml(text: str, source) -> list[CalibratedCamera]:
    """The cameras of a Pose2Sim ``Calib*.toml`` (every table but ``metadata``)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{source}: not a readable Pose2Sim calibration (TOML: {error})") from None
    cameras = []
    for key, table in doc.items():
        if key == "metadata" or not isinstance(table, dict):
            continue
        name = str(table.get("name", key))
        try:
            matrix = np.asarray(table["matrix"], np.float64)
            dist = [float(v) for v in table["distortions"]]
            rotation = rodrigues(table["rotation"])
            translation = np.asarray(table["translation"], np.float64) * 1000.0  # m -> mm
            size = [float(v) for v in table["size"]]
        except (KeyError, TypeError, ValueError):
            needs = "matrix, distortions, rotation, translation, size"
            raise InputError(f"{source}: camera {name!r} needs {needs}") from None
        if matrix.shape != (3, 3) or len(dist) < 4 or len(size) != 2:
            raise InputError(f"{source}: camera {name!r}: matrix must be 3x3, distortions 4+ numbers, size 2")
        if table.get("fisheye", False):
            raise InputError(f"{source}: camera {name!r} is a fisheye camera; posynda's lens model is Brown's")
        k3 = dist[4] if len(dist) > 4 else 0.0
        intrinsics = [matrix[0, 0], matrix[1, 1], matrix[0, 2], matrix[1, 2], dist[0], dist[1], k3, dist[2], dist[3]]
        cameras.append(_checked(name, intrinsics, rotation, translation, size, source))
    return cameras


def read_calibration(path: str | Path) -> list[CalibratedCamera]:
    """The cameras of a calibration file: ``.toml`` (Pose2Sim) or QCA (``.qca.txt`` / ``.qca`` / XML text).

    Raises:
        InputError: missing, too large, unreadable, no camera, or a camera that does not check out.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such calibration file")
    if path.stat().st_size > MAX_CALIBRATION_BYTES:
        raise InputError(f"{path}: a calibration larger than {MAX_CALIBRATION_BYTES >> 20} MiB is refused")
    text = path.read_text(encoding="utf-8", errors="replace")
    cameras = read_pose2sim_toml(text, path) if path.suffix.lower() == ".toml" else read_qca(text, path)
    if not cameras:
        raise InputError(f"{path}: no camera in the calibration")
    if len(cameras) > MAX_CAMERAS:
        raise InputError(f"{path}: {len(cameras)} cameras; at most {MAX_CAMERAS} are read")
    names = [c.name for c in cameras]
    if len(set(names)) != len(names):
        raise InputError(f"{path}: camera names repeat: {names}")
    return cameras
