"""Motion capture -> clip files: BVH and DeepMimic takes seen by virtual cameras (``posynda data render``).

Each BVH file is read (:mod:`posynda.data.bvh`), mapped to H36M-17 (:mod:`posynda.data.mocap`),
converted to metres (``units``; ``auto`` picks mm / cm / m / inches from the leg length), each DeepMimic motion
file by its humanoid's kinematics (:mod:`posynda.data.deepmimic`, metres); every take is resampled
to ``fps`` by linear interpolation of the joint positions, optionally cut into segments of
``segment_s`` seconds, and seen by cameras:

* ``studio`` -- the Human3.6M-like 4-camera rig of :func:`posynda.data.rigs.studio_cameras`
  around the segment (recentred on its mean floor position; the cameras move back as far as they must
  to keep the whole segment in view, :func:`studio_reach`);
* ``wild`` -- one random 3DHP-like camera per segment (:func:`posynda.data.rigs.wild_camera`; a
  segment no draw can frame is skipped and counted);
* a camera file (JSON, :func:`load_cameras`) -- fixed cameras in the file's world (converted to
  metres, y up, not recentred).

The 2D is the exact projection of the 3D (confidence 1), or with ``noise_px`` > 0 / ``drop`` > 0
detector-like AR(1) pixel noise and dropped joints (:func:`posynda.data.rigs.detections`). The
result is deterministic by ``seed``. World axes: y up, as BVH files from CMU, Mixamo and Bandai
Namco are.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import numpy as np

from posynda import camera
from posynda.data.bvh import read_bvh
from posynda.data.clips import ClipSet
from posynda.data.convert.arrays import assemble, sequence_record
from posynda.data.deepmimic import read_deepmimic
from posynda.data.mocap import Rule, h36m_positions, resolve_mapping
from posynda.data.rigs import Camera, detections, studio_cameras, to_camera_mm, wild_camera
from posynda.errors import InputError
from posynda.reading import read_json

Rig = Literal["studio", "wild"]
RIGS: tuple[str, ...] = get_args(Rig)
Unit = Literal["auto", "mm", "cm", "m", "in"]
UNITS: tuple[str, ...] = get_args(Unit)
METRES_PER_UNIT = {"mm": 0.001, "cm": 0.01, "m": 1.0, "in": 0.0254}
LEG_RANGE_M = (0.55, 1.3)  # hip -> knee -> ankle of an adult or a child, metres
# The studio cameras (4.5-6 m away, f 1145 px on 1000 px: a half field of view of 0.437 of the
# distance) move back until a root ``radius`` m from the centre, plus a body's half-width, stays in
# STUDIO_FRAME_FRACTION of the half-width they see from their nearest distance to it.
STUDIO_FRAME_FRACTION = 0.42
STUDIO_NEAREST_M = 4.5
BODY_HALF_WIDTH_M = 0.3
MAX_TAKE_S = 6 * 3600.0  # a take is refused beyond this duration (resampled to 50 fps: 1.1 M frames, 0.4 GB)
WILD_SEGMENT_TRIES = 10  # random wild cameras per segment (each tries 20 poses) before it is skipped
_R_LEG = (1, 2, 3)  # r_hip, r_knee, r_ankle


@dataclass
class RenderReport:
    """What :func:`render_motions` did: per file the frames read, the detected unit and mapping, and
    the segments skipped because no camera could frame them."""

    files: list[dict]
    skipped_segments: int


def guess_unit(h36m: np.ndarray, source: str) -> str:
    """The unit (``mm``/``cm``/``m``/``in``) in which the median right-leg length of ``h36m [F, 17, 3]``
    (file units) is a human leg (:data:`LEG_RANGE_M`)."""
    leg = np.median(
        np.linalg.norm(h36m[:, _R_LEG[1]] - h36m[:, _R_LEG[0]], axis=-1)
        + np.linalg.norm(h36m[:, _R_LEG[2]] - h36m[:, _R_LEG[1]], axis=-1)
    )
    for unit, scale in METRES_PER_UNIT.items():
        if LEG_RANGE_M[0] <= leg * scale <= LEG_RANGE_M[1]:
            return unit
    raise InputError(
        f"units: cannot tell the length unit of {source}: the leg is {leg:.3g} file units long; "
        "give units (one of mm, cm, m, in)",
        parameter="units",
    )


def resample_at(positions: np.ndarray, times_s: np.ndarray, fps: float) -> np.ndarray:
    """``positions [F, J, 3]`` at the frame times ``times_s [F]`` (s, increasing) -> ``[F', J, 3]`` at ``fps`` from
    the first time to the last (linear interpolation in time)."""
    grid = times_s[0] + np.arange(0.0, times_s[-1] - times_s[0] + 1e-9, 1.0 / fps)
    flat = positions.reshape(len(times_s), -1)
    columns = [np.interp(grid, times_s, flat[:, k]) for k in range(flat.shape[1])]
    return np.stack(columns, axis=-1).reshape(len(grid), *positions.shape[1:])


def resample(positions: np.ndarray, source_fps: float, fps: float) -> np.ndarray:
    """``positions [F, J, 3]`` at ``source_fps`` -> ``[F', J, 3]`` at ``fps`` (linear interpolation in time)."""
    return resample_at(positions, np.arange(len(positions)) / source_fps, fps)


def studio_views(take: np.ndarray, rng: np.random.Generator) -> list[Camera]:
    """A draw of the studio's four cameras for ``take [F, 17, 3]`` (m, recentred), moved back as far as it needs."""
    radius = float(np.linalg.norm(take[:, 0, [0, 2]], axis=-1).max())
    return studio_cameras(rng, reach=studio_reach(radius))


def filmed(take: np.ndarray, cam: Camera, name: str, fps: float, noise_px: float = 0.0, drop: float = 0.0,
           rng: np.random.Generator | None = None) -> dict:  # fmt: skip
    """One sequence record of ``take [F, 17, 3]`` (world m) seen by ``cam``: camera-frame mm and the exact 2D, or
    detector-like 2D with ``noise_px`` / ``drop`` (drawn from ``rng``)."""
    intrinsics, rotation, position, size = cam
    joints = to_camera_mm(take, rotation, position)
    if joints[..., 2].min() < 100.0:
        raise InputError(f"{name}: the motion passes behind or within 10 cm of the camera")
    if noise_px > 0 or drop > 0:
        keypoints, confidence = detections(joints, intrinsics, noise_px, drop, rng)
    else:
        keypoints = camera.project(joints, intrinsics).astype(np.float32)
        confidence = np.ones(joints.shape[:2], np.float32)
    return sequence_record(name, keypoints, intrinsics, size, confidence=confidence, joints_3d=joints, fps=fps)


def load_cameras(path: str | os.PathLike) -> list[Camera]:
    """Cameras from a JSON file: ``{"cameras": [{"intrinsics": [fx, fy, cx, cy(, k1, k2, k3, p1, p2)],
    "image_size": [w, h], "rotation": 3x3 world->camera, "position": [x, y, z] m}, ...]}`` (world: the
    BVH world in metres, y up; camera frame x right, y down, z forward)."""
    path = Path(path)
    try:
        data = read_json(path, "camera file")
        cams = []
        for k, c in enumerate(data["cameras"]):
            intr = np.zeros(9)
            given = np.asarray(c["intrinsics"], float)
            if given.shape not in ((4,), (9,)):
                raise InputError(f"{path}: camera {k}: intrinsics must have 4 or 9 numbers, got {given.size}")
            intr[: given.size] = given
            rot = np.asarray(c["rotation"], float)
            pos = np.asarray(c["position"], float)
            size = tuple(int(v) for v in c["image_size"])
            if rot.shape != (3, 3) or pos.shape != (3,) or len(size) != 2 or min(size) <= 0:
                raise InputError(f"{path}: camera {k}: rotation must be 3x3, position 3 numbers, image_size [w, h] > 0")
            if not np.allclose(rot @ rot.T, np.eye(3), atol=1e-4):
                raise InputError(f"{path}: camera {k}: rotation is not a rotation matrix")
            cams.append((intr, rot, pos, size))
    except FileNotFoundError:
        raise InputError(f"{path}: no such camera file") from None
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{path}: not a camera file ({type(exc).__name__}: {exc})") from None
    if not cams:
        raise InputError(f"{path}: the camera file lists no cameras")
    return cams


def studio_reach(radius: float) -> float:
    """How far (m) the studio cameras move back so that a root up to ``radius`` m from the rig's
    centre stays in view: ``(radius + body) / fraction <= nearest + reach - radius``."""
    return max(0.0, (radius + BODY_HALF_WIDTH_M) / STUDIO_FRAME_FRACTION - STUDIO_NEAREST_M + radius)


def _segments(n: int, frames: int | None) -> list[slice]:
    """``n`` frames cut into runs of ``frames`` (the last run merged into the previous when shorter than half)."""
    if not frames or n <= frames:
        return [slice(0, n)]
    starts = list(range(0, n, frames))
    if n - starts[-1] < frames // 2:
        starts.pop()
    return [slice(s, starts[i + 1] if i + 1 < len(starts) else n) for i, s in enumerate(starts)]


def recentre(world: np.ndarray) -> np.ndarray:
    """Move ``world [F, 17, 3]`` (m) so that its mean root floor position (x, z) is the origin."""
    out = world.copy()
    out[..., 0] -= world[:, 0, 0].mean()
    out[..., 2] -= world[:, 0, 2].mean()
    return out


def render_motions(
    paths,
    rig: Rig | str = "studio",
    *,
    mapping: str | dict[str, Rule] = "auto",
    fps: float = 50.0,
    units: Unit = "auto",
    segment_s: float | None = None,
    noise_px: float = 0.0,
    drop: float = 0.0,
    seed: int = 0,
    deepmimic=(),
) -> tuple[ClipSet, RenderReport]:
    """Render BVH files and DeepMimic motion files as one clip set (``joints_3d``: camera-frame mm) and say what
    was done.

    Args:
        paths: BVH files.
        deepmimic: DeepMimic motion files (:mod:`posynda.data.deepmimic`: metres, their own skeleton's H36M-17;
            ``mapping`` and ``units`` do not apply), rendered after the BVH files.
        rig: ``"studio"``, ``"wild"`` or the path of a camera JSON file (:func:`load_cameras`).
        mapping: a preset name of :data:`posynda.data.mocap.MAPPINGS`, ``"auto"`` or a mapping dict.
        fps: output frame rate.
        units: the files' length unit (``auto``: from the leg length).
        segment_s: cut takes into segments of this many seconds (each its own sequence and, for
            the random rigs, its own cameras); None keeps whole takes.
        noise_px: standard deviation of the detector-like 2D noise, pixels (0: exact projection).
        drop: probability that a joint is missing in a frame.
        seed: seeds the cameras and the noise.
    """
    paths, deepmimic = [Path(p) for p in paths], [Path(p) for p in deepmimic]
    if not paths and not deepmimic:
        raise InputError("give at least one BVH or DeepMimic motion file")
    if fps <= 0:
        raise InputError(f"fps must be > 0, got {fps}", parameter="fps")
    if noise_px < 0:
        raise InputError(f"noise_px must be >= 0, got {noise_px}", parameter="noise_px")
    if not 0 <= drop < 1:
        raise InputError(f"drop must be in [0, 1), got {drop}", parameter="drop")
    fixed = None
    if rig not in RIGS:
        if not Path(rig).suffix.lower() == ".json":
            raise InputError(f"unknown rig {rig!r}; choose studio, wild or a CAMERAS.json file")
        fixed = load_cameras(rig)
    motions = [read_bvh(p) for p in paths]  # every file is checked before anything is rendered
    rules = [resolve_mapping(m, mapping) for m in motions]
    mimics = [read_deepmimic(p) for p in deepmimic]
    takes = []  # (path, world [F, 17, 3] m at fps, the file's frames, its fps, its unit)
    durations = [(m.num_frames - 1) * m.frame_time for m in motions] + [float(m.times_s[-1]) for m in mimics]
    for path, duration in zip([*paths, *deepmimic], durations):
        if duration > MAX_TAKE_S:  # its frames at `fps` would be allocated without a bound
            raise InputError(
                f"{path}: the take lasts {duration:.0f} s, more than the {MAX_TAKE_S:.0f} s a take may last"
            )
    for path, motion, rule in zip(paths, motions, rules):
        h36m = h36m_positions(motion, motion.kinematics(), rule)
        unit = guess_unit(h36m, str(path)) if units == "auto" else units
        world = resample(h36m * METRES_PER_UNIT[unit], motion.fps, fps)
        takes.append((path, world, motion.num_frames, motion.fps, unit))
    for path, mimic in zip(deepmimic, mimics):
        takes.append((path, resample_at(mimic.positions_m, mimic.times_s, fps), len(mimic.times_s), mimic.fps, "m"))
    rng = np.random.default_rng([int(seed), 0x8B7A])
    seqs, files, skipped = [], [], 0
    for path, world, frames, source_fps, unit in takes:
        segments = _segments(len(world), int(round(segment_s * fps)) if segment_s else None)
        files.append(dict(file=str(path), frames=frames, fps=source_fps, unit=unit, segments=len(segments)))
        for k, part in enumerate(segments):
            take = world[part] if fixed is not None else recentre(world[part])
            stem = path.stem if len(segments) == 1 else f"{path.stem}.seg{k + 1}"
            if fixed is not None:
                views = [(c, f"{stem}.cam{i}") for i, c in enumerate(fixed)]
            elif rig == "studio":
                views = [(c, f"{stem}.cam{i}") for i, c in enumerate(studio_views(take, rng))]
            else:
                cam = next((c for c in (wild_camera(take, rng) for _ in range(WILD_SEGMENT_TRIES)) if c), None)
                if cam is None:
                    skipped += 1
                    continue
                views = [(cam, stem)]
            seqs += [filmed(take, cam, name, fps, noise_px, drop, rng) for cam, name in views]
    if not seqs:
        raise InputError("no segment could be framed by the rig's cameras; try --segment-s with a shorter length")
    return assemble(seqs, "render"), RenderReport(files, skipped)
