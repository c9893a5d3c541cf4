"""Converters from public dataset layouts to clip sets (H36M-17 order, camera-frame mm, pixels).

Each converter reads one public layout and returns a validated :class:`~posynda.data.clips.ClipSet`
(DESIGN.md section 4); ``save_clips`` writes it. Bad input (missing file or key, wrong joint count,
a truncated or non-npz file, 2D that does not match the 3D) raises a one-line
:class:`~posynda.errors.InputError` naming the file and the key; nothing is written.

* :func:`convert_h36m` -- VideoPose3D ``data_3d_h36m.npz`` (+ optional ``data_2d_h36m_*.npz``):
  world metres -> camera-frame mm with the published calibration (:mod:`posynda.data.h36m_cameras`);
  2D from the 2D file (truncated to the mocap length) or the exact projection of the 3D.
* :func:`convert_3dhp` -- MPI-INF-3DHP ``data_{train,test}_3dhp*.npz`` (P-STMO / D3DP "_ori" layouts):
  3DHP-17 -> H36M-17; test intrinsics from the published table, train intrinsics fitted to the
  2D-3D pairs by linear least squares.
* :func:`convert_3dpw` -- SPIN-style 3DPW npz (``imgname``, ``part``, ``S``): SPIN-24 -> H36M-17,
  one sequence per person track.

These public layouts store Python dicts inside object arrays, so they are read with
``allow_pickle=True``: only convert files from a source you trust.
"""

from __future__ import annotations

import logging
import pickle
import re
import zipfile
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np

from posynda import camera
from posynda.data import h36m_cameras
from posynda.data.clips import ClipSet, validate
from posynda.errors import InputError
from posynda.skeleton import convert_joints

__all__ = [
    "H36M_KEPT_JOINTS",
    "MAX_FIT_RESIDUAL_PX",
    "MPI_INF_3DHP_TEST_CAMERAS",
    "THREEDPW_INTRINSICS",
    "convert_3dhp",
    "convert_3dpw",
    "convert_h36m",
    "detect_3dhp_split",
    "fit_pinhole",
    "h36m_intrinsics",
    "h36m_world_to_camera",
    "quaternion_to_matrix",
    "reprojection_rms",
]

log = logging.getLogger(__name__)

# VideoPose3D keeps 17 of the 32 Human3.6M mocap joints (Human36mDataset.remove_joints).
H36M_DROPPED_JOINTS = (4, 5, 9, 10, 11, 16, 20, 21, 22, 23, 24, 28, 29, 30, 31)
H36M_KEPT_JOINTS = tuple(j for j in range(32) if j not in H36M_DROPPED_JOINTS)
H36M_FPS = 50.0

# MPI-INF-3DHP test cameras from the calibration files: (fx = fy, cx, cy, width, height), pixels.
MPI_INF_3DHP_TEST_CAMERAS = {
    **{f"TS{i}": (1500.172, 1017.387, 1043.032, 2048, 2048) for i in (1, 2, 3, 4)},
    **{f"TS{i}": (1683.983, 939.858, 560.141, 1920, 1080) for i in (5, 6)},
}
MPI_INF_3DHP_TRAIN_SIZE = (2048, 2048)
MPI_INF_3DHP_TRAIN_FPS = 25.0  # used only when a training entry carries no frame rate
MPI_INF_3DHP_PELVIS = 14  # root joint of the 3DHP-17 order
MAX_FIT_RESIDUAL_PX = 20.0  # RMS 2D-3D residual above which 2D and 3D are taken not to correspond

# Default 3DPW camera (fx, fy, cx, cy in pixels; portrait 1080x1920 phone video): the value commonly
# quoted for the `cam_intrinsics` K stored in 3DPW's sequenceFiles/*.pkl. It could not be checked
# against those files here; sequences may differ slightly -- pass `intrinsics` (read from the pkl).
THREEDPW_INTRINSICS = (1961.886, 1969.2, 540.0, 960.0)
THREEDPW_FPS = 30.0
ROOT_CENTRED_MM = 100.0  # a 3DPW pelvis closer than this to the camera centre means "root-centred 3D"


# ------------------------------------------------------------------------------------ helpers
def _load_npz(path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    """Read ``required`` (and present ``optional``) keys of an npz file.

    Raises:
        InputError: the file is missing, not an npz archive, truncated/corrupt, or lacks a key.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        npz = np.load(path, allow_pickle=True)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, pickle.UnpicklingError) as exc:
        raise InputError(f"{path}: not a readable .npz file ({_one_line(exc)})") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise InputError(f"{path}: not an .npz archive (a single array or pickle; expected keys {list(required)})")
    with npz:
        missing = [k for k in required if k not in npz.files]
        if missing:
            raise InputError(f"{path}: missing key '{missing[0]}' (has {sorted(npz.files)})")
        out = {}
        for key in required + tuple(k for k in optional if k in npz.files):
            try:
                out[key] = npz[key]
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, pickle.UnpicklingError, zlib.error) as exc:
                raise InputError(
                    f"{path}: key '{key}' is unreadable (truncated or corrupt: {_one_line(exc)})"
                ) from None
    return out


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _as_dict(value, path, key: str) -> dict:
    """The dict pickled inside a 0-d object array (how ``np.savez`` stores a dict)."""
    obj = value.item() if isinstance(value, np.ndarray) and value.dtype == object and value.shape == () else value
    if not isinstance(obj, dict):
        raise InputError(f"{path}: key '{key}' must hold a dict, got {type(obj).__name__}")
    return obj


def _joints(value, path, key: str, joints: int, channels: int, frames: int | None = None) -> np.ndarray:
    """``value`` as float64 ``[N, joints, channels]``; InputError naming ``key`` otherwise."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{path}: key '{key}' is not a numeric array") from None
    n = "N" if frames is None else str(frames)
    if arr.ndim != 3 or arr.shape[1:] != (joints, channels) or (frames is not None and len(arr) != frames):
        raise InputError(f"{path}: key '{key}' has shape {list(arr.shape)}, expected [{n}, {joints}, {channels}]")
    return arr


def _intrinsics(fx, fy, cx, cy, k=(0.0, 0.0, 0.0), p=(0.0, 0.0)) -> np.ndarray:
    """The 9-vector ``[fx, fy, cx, cy, k1, k2, k3, p1, p2]`` (pixels) as float64."""
    return np.array([fx, fy, cx, cy, *k, *p], np.float64)


def _sequence(name: str, kp, cam, size, **extra) -> dict:
    """One converted sequence: per-frame arrays (``keypoints_2d`` [F, 17, 2] px, optional
    ``joints_3d`` [F, 17, 3] mm, ``confidence`` [F, 17], ``valid`` [F]) and per-sequence values.

    Float arrays are stored as float32 right away (the clip-file dtype) to halve peak memory on
    large datasets (Human3.6M: ~3.6 M frames over all cameras)."""
    seq = dict(name=name, keypoints_2d=np.asarray(kp, np.float32), camera=cam, image_size=tuple(int(v) for v in size))
    for key, value in extra.items():
        seq[key] = np.asarray(value, np.float32) if key in ("joints_3d", "confidence") else value
    return seq


def _assemble(seqs: list[dict], source) -> ClipSet:
    """Converted sequences -> one validated ClipSet (optional keys kept when any sequence has them)."""
    if not seqs:
        raise InputError(f"{source}: no sequence to convert")
    counts = [len(s["keypoints_2d"]) for s in seqs]
    out = dict(
        keypoints_2d=np.concatenate([s["keypoints_2d"] for s in seqs]).astype(np.float32),
        seq_index=np.repeat(np.arange(len(seqs)), counts).astype(np.int32),
        camera=np.stack([s["camera"] for s in seqs]).astype(np.float32),
        image_size=np.array([s["image_size"] for s in seqs], np.int32),
        seq_name=np.array([s["name"] for s in seqs]),
    )
    if all("fps" in s for s in seqs):
        out["fps"] = np.array([s["fps"] for s in seqs], np.float32)
    if all("joints_3d" in s for s in seqs):
        out["joints_3d"] = np.concatenate([s["joints_3d"] for s in seqs]).astype(np.float32)
    if any("confidence" in s for s in seqs):
        out["confidence"] = np.concatenate([s.get("confidence", np.ones((c, 17))) for s, c in zip(seqs, counts)])
        out["confidence"] = out["confidence"].astype(np.float32)
    if any("valid" in s for s in seqs):
        out["valid"] = np.concatenate([s.get("valid", np.ones(c, bool)) for s, c in zip(seqs, counts)])
    return validate(ClipSet(**out), source=str(source))


def reprojection_rms(joints_mm: np.ndarray, keypoints: np.ndarray, intrinsics: np.ndarray, mask=None) -> float:
    """RMS distance (px) between ``keypoints [F, J, 2]`` and the projection of ``joints_mm [F, J, 3]``.

    Only finite keypoints of the frames in ``mask [F]`` (default all) count; NaN when none does.
    """
    proj = camera.project(np.asarray(joints_mm, np.float64), np.asarray(intrinsics, np.float64))
    err = np.linalg.norm(proj - np.asarray(keypoints, np.float64), axis=-1)
    if mask is not None:
        err = err[np.asarray(mask, bool)]
    err = err[np.isfinite(err)]
    return float(np.sqrt(np.mean(err**2))) if err.size else float("nan")


# ---------------------------------------------------------------------------------- Human3.6M
def quaternion_to_matrix(q) -> np.ndarray:
    """Unit quaternion ``(w, x, y, z)`` -> rotation matrix ``[3, 3]`` that rotates vectors by q."""
    w, x, y, z = np.asarray(q, np.float64) / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def h36m_world_to_camera(world_m: np.ndarray, subject: str, cam: int) -> np.ndarray:
    """World joints ``[..., 3]`` (metres) -> camera-frame joints ``[..., 3]`` (mm), float64.

    The calibration stores each camera's orientation q and centre t in the world, so
    ``X_cam = R(q)^T (X_world - t)``: VideoPose3D's ``world_to_camera`` (rotation by the inverse
    quaternion), in mm instead of metres. ``cam`` indexes :data:`h36m_cameras.CAMERA_IDS`.
    """
    q, t = h36m_cameras.EXTRINSICS[subject][cam]
    return (np.asarray(world_m, np.float64) * 1000.0 - np.asarray(t, np.float64)) @ quaternion_to_matrix(q)


def h36m_intrinsics(cam: int) -> tuple[np.ndarray, tuple[int, int]]:
    """9-vector (pixels, float64) and ``(width, height)`` of Human3.6M camera index ``cam`` (0..3)."""
    fx, fy, cx, cy, k1, k2, k3, p1, p2, w, h = h36m_cameras.INTRINSICS[h36m_cameras.CAMERA_IDS[cam]]
    return _intrinsics(fx, fy, cx, cy, (k1, k2, k3), (p1, p2)), (int(w), int(h))


def _h36m_subjects(positions: dict, subjects, path) -> list[str]:
    """The subjects to convert, in file order (or the order asked for); InputError on unknown ones."""
    if subjects is None:
        wanted = list(positions)
    elif isinstance(subjects, str):
        wanted = [s.strip() for s in subjects.split(",") if s.strip()]
    else:
        wanted = [str(s) for s in subjects]
    for s in wanted:
        if s not in positions:
            raise InputError(f"{path}: key 'positions_3d' has no subject {s!r} (has {sorted(positions)})")
        if s not in h36m_cameras.EXTRINSICS:
            raise InputError(
                f"{path}: no camera calibration for subject {s!r} (known: {list(h36m_cameras.EXTRINSICS)})"
            )
    return wanted


def _h36m_2d_layout(metadata, path) -> str:
    """Joint order of a VideoPose3D 2D file from its ``metadata`` (``layout_name``; default "h36m")."""
    meta = {} if metadata is None else _as_dict(metadata, path, "metadata")
    if meta.get("num_joints", 17) != 17:
        raise InputError(f"{path}: key 'metadata' says num_joints={meta['num_joints']}, expected 17")
    layout = str(meta.get("layout_name", "h36m"))
    if layout not in ("h36m", "coco"):
        raise InputError(f"{path}: key 'metadata' has layout_name {layout!r}; supported: 'h36m', 'coco'")
    return layout


def _h36m_keypoints(kp_all: dict, subject: str, action: str, cam: int, frames: int, path, layout: str):
    """2D ``[frames, 17, 2]`` px (H36M order) and confidence ``[frames, 17]`` or None, from the 2D file.

    Like VideoPose3D, the 2D is truncated to the mocap length (``frames``); it must not be shorter.
    """
    key = f"positions_2d[{subject}][{action}][{cam}]"
    try:
        raw = kp_all[subject][action][cam]
    except (KeyError, IndexError, TypeError):
        raise InputError(f"{path}: key '{key}' is missing") from None
    kp = _joints(raw, path, key, 17, 2)
    if len(kp) < frames:
        raise InputError(f"{path}: key '{key}' has {len(kp)} frames, fewer than the {frames} of the mocap")
    kp = kp[:frames]
    if layout == "h36m":
        return kp, None
    return convert_joints(kp, layout)


def convert_h36m(path_3d, path_2d=None, subjects=None) -> ClipSet:
    """VideoPose3D's Human3.6M files -> clips, one sequence per (subject, action, camera).

    Args:
        path_3d: ``data_3d_h36m.npz``; key ``positions_3d``: dict[subject][action] -> ``[N, 32, 3]``
            world coordinates in metres. VideoPose3D's 17 of the 32 joints are kept (already in
            H36M-17 order), moved into each camera's frame with the published extrinsics, in mm.
        path_2d: optional ``data_2d_h36m_*.npz``; key ``positions_2d``: dict[subject][action] -> list
            of 4 ``[N', 17, 2]`` pixel arrays (camera order of ``h36m_cameras.CAMERA_IDS``),
            truncated to the mocap length N as VideoPose3D does (N' < N is an error). A
            ``metadata`` with ``layout_name='coco'`` (detector keypoints) is converted to H36M
            order. Without a 2D file the 2D is the exact projection of the 3D (with the lens
            distortion): the "GT 2D" setting.
        subjects: subjects to keep (e.g. ``["S9", "S11"]`` or ``"S9,S11"``); default all in the file.

    Returns:
        ClipSet: ``joints_3d [N, 17, 3]`` camera-frame absolute mm, ``keypoints_2d [N, 17, 2]`` px,
        intrinsics with distortion, 1000x1002 / 1000x1000 images, 50 fps, names like
        ``"S9/Walking.54138969"``.

    Raises:
        InputError: unreadable file, missing key, unknown subject, wrong joint count, short 2D.
    """
    positions = _as_dict(_load_npz(path_3d, ("positions_3d",))["positions_3d"], path_3d, "positions_3d")
    kp_all, layout = None, "h36m"
    if path_2d is not None:
        arrays = _load_npz(path_2d, ("positions_2d",), ("metadata",))
        kp_all = _as_dict(arrays["positions_2d"], path_2d, "positions_2d")
        layout = _h36m_2d_layout(arrays.get("metadata"), path_2d)
    seqs = []
    for subject in _h36m_subjects(positions, subjects, path_3d):
        actions = positions[subject]
        if not isinstance(actions, dict):
            raise InputError(f"{path_3d}: key 'positions_3d[{subject}]' must hold a dict of actions")
        for action in sorted(actions):
            key = f"positions_3d[{subject}][{action}]"
            world = _joints(actions[action], path_3d, key, 32, 3)
            if not np.isfinite(world).all():
                raise InputError(f"{path_3d}: key '{key}' has non-finite values")
            world = world[:, list(H36M_KEPT_JOINTS)]
            for cam, cam_id in enumerate(h36m_cameras.CAMERA_IDS):
                intr, size = h36m_intrinsics(cam)
                joints = h36m_world_to_camera(world, subject, cam)
                if kp_all is None:
                    kp, conf = camera.project(joints, intr), None
                else:
                    kp, conf = _h36m_keypoints(kp_all, subject, action, cam, len(joints), path_2d, layout)
                extra = {} if conf is None else {"confidence": conf}
                name = f"{subject}/{action}.{cam_id}"
                seqs.append(_sequence(name, kp, intr, size, joints_3d=joints, fps=H36M_FPS, **extra))
    return _assemble(seqs, path_3d)


# ------------------------------------------------------------------------------- MPI-INF-3DHP
def fit_pinhole(joints_mm: np.ndarray, keypoints: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares pinhole intrinsics from 2D-3D correspondences.

    Solves ``u = fx X/Z + cx`` and ``v = fy Y/Z + cy`` (two independent 2-parameter linear
    problems) over every joint of every frame whose 2D and 3D are finite and whose depth is > 0.

    Args:
        joints_mm: ``[F, J, 3]`` camera-frame absolute positions (any unit; only X/Z, Y/Z matter).
        keypoints: ``[F, J, 2]`` pixels.

    Returns:
        ``(intrinsics [9] float64 pixels with zero distortion, RMS 2D residual in pixels)``.

    Raises:
        InputError: fewer than 4 usable correspondences, or a non-positive fitted focal length.
    """
    x = np.asarray(joints_mm, np.float64).reshape(-1, 3)
    uv = np.asarray(keypoints, np.float64).reshape(-1, 2)
    ok = np.isfinite(uv).all(1) & np.isfinite(x).all(1) & (x[:, 2] > 1e-6)
    if ok.sum() < 4:
        raise InputError(f"only {int(ok.sum())} usable 2D-3D correspondences; cannot fit camera intrinsics")
    x, uv = x[ok], uv[ok]
    params, sq_err = [], np.zeros(len(x))
    for axis in (0, 1):
        design = np.stack([x[:, axis] / x[:, 2], np.ones(len(x))], 1)
        sol, *_ = np.linalg.lstsq(design, uv[:, axis], rcond=None)
        params.append(sol)
        sq_err += (uv[:, axis] - design @ sol) ** 2
    (fx, cx), (fy, cy) = params
    if not (fx > 0 and fy > 0):
        raise InputError(f"fitted focal lengths ({fx:.1f}, {fy:.1f}) px are not positive: 2D and 3D do not correspond")
    return _intrinsics(fx, fy, cx, cy), float(np.sqrt(np.mean(sq_err)))


def _is_root_relative(joints: np.ndarray, root: int) -> bool:
    """True when the non-root joints sit near the origin while the root is far from it.

    That is the layout some 3DHP loaders write: every joint but the pelvis made relative to it,
    the pelvis keeping the absolute trajectory. In absolute data all joints are about as far from
    the camera as the root (ratio ~1); in that layout the others are ~0.1 as far (body size vs depth).
    """
    dist = np.linalg.norm(joints, axis=-1)
    others = np.nanmedian(np.delete(dist, root, axis=1))
    return bool(np.nanmedian(dist[:, root]) > 1.0 and others < 0.5 * np.nanmedian(dist[:, root]))


def _restore_absolute(joints: np.ndarray, root: int) -> np.ndarray:
    """Undo the root-relative layout (see :func:`_is_root_relative`): add the root to the others."""
    out = joints.copy()
    others = np.arange(joints.shape[1]) != root
    out[:, others] += joints[:, root : root + 1]
    return out


def _3dhp_arrays(entry, path, key: str) -> tuple[np.ndarray, np.ndarray]:
    """``(data_2d [F, 17, 2] px, data_3d [F, 17, 3] absolute mm)`` of the 3DHP entry at ``key``
    (e.g. ``"data[TS1]"``), still in the 3DHP order."""
    if not isinstance(entry, dict):
        raise InputError(f"{path}: key '{key}' must be a dict with 'data_2d' and 'data_3d'")
    for name in ("data_2d", "data_3d"):
        if name not in entry:
            raise InputError(f"{path}: key '{key}' has no '{name}'")
    kp = _joints(entry["data_2d"], path, f"{key}[data_2d]", 17, 2)
    j3d = _joints(entry["data_3d"], path, f"{key}[data_3d]", 17, 3, frames=len(kp))
    if not np.isfinite(j3d).all():
        raise InputError(f"{path}: key '{key}[data_3d]' has non-finite values")
    if _is_root_relative(j3d, MPI_INF_3DHP_PELVIS):
        log.info("%s: %s holds root-relative 3D with the pelvis trajectory; restoring absolute positions", path, key)
        j3d = _restore_absolute(j3d, MPI_INF_3DHP_PELVIS)
    return kp, j3d


def detect_3dhp_split(data: dict) -> str:
    """``"test"`` when the entries are ``{data_2d, data_3d, valid}`` dicts, else ``"train"``."""
    first = next(iter(data.values()))
    return "test" if isinstance(first, dict) and "data_2d" in first else "train"


def _3dhp_test_sequence(name: str, entry, path, residuals: dict) -> dict:
    """One test sequence ("TS1".."TS6") with the published intrinsics and its ``valid`` mask."""
    if name not in MPI_INF_3DHP_TEST_CAMERAS:
        raise InputError(f"{path}: key 'data' has unknown test sequence {name!r} (expected TS1..TS6)")
    kp, j3d = _3dhp_arrays(entry, path, f"data[{name}]")
    valid = np.asarray(entry.get("valid", np.ones(len(kp))))
    if valid.size != len(kp) or valid.dtype.kind not in "biuf":
        raise InputError(f"{path}: key 'data[{name}][valid]' has shape {list(valid.shape)}, expected [{len(kp)}]")
    valid = valid.reshape(-1) > 0.5
    f, cx, cy, w, h = MPI_INF_3DHP_TEST_CAMERAS[name]
    intr = _intrinsics(f, f, cx, cy)
    rms = reprojection_rms(j3d, kp, intr, mask=valid if valid.any() else None)
    residuals[name] = rms
    if rms > MAX_FIT_RESIDUAL_PX:
        log.warning(
            "%s: %s: 3D reprojects %.1f px RMS from the 2D with the published camera "
            "(univ_annot3 file? use the annot3 '_ori' variant)",
            path,
            name,
            rms,
        )
    kp, _ = convert_joints(kp, "3dhp")
    j3d, _ = convert_joints(j3d, "3dhp")
    return _sequence(name, kp, intr, (w, h), joints_3d=j3d, valid=valid)


def _3dhp_train_sequences(name: str, entry, path, residuals: dict) -> list[dict]:
    """The camera sequences of one training entry ``[ {camera id: {data_2d, data_3d}}, fps ]``.

    Intrinsics are fitted per camera (:func:`fit_pinhole`); InputError when the fit is poor.
    """
    if isinstance(entry, (list, tuple)) and len(entry) == 2:
        cams, fps = entry
        try:
            fps = float(np.asarray(fps))
        except (TypeError, ValueError):
            raise InputError(f"{path}: key 'data[{name}]' has a non-numeric frame rate {fps!r}") from None
    elif isinstance(entry, dict):
        cams, fps = entry, MPI_INF_3DHP_TRAIN_FPS
    else:
        raise InputError(f"{path}: key 'data[{name}]' must be [dict camera -> arrays, fps] (3DHP training layout)")
    if not isinstance(cams, dict) or not cams:
        raise InputError(f"{path}: key 'data[{name}]' must map camera ids to {{data_2d, data_3d}} dicts")
    seqs = []
    for cam_id in sorted(cams, key=lambda c: (len(str(c)), str(c))):
        seq_name = f"{name}/cam{cam_id}"
        kp, j3d = _3dhp_arrays(cams[cam_id], path, f"data[{name}][{cam_id}]")
        try:
            intr, rms = fit_pinhole(j3d, kp)
        except InputError as exc:
            raise InputError(f"{path}: {seq_name}: {exc}") from None
        residuals[seq_name] = rms
        if rms > MAX_FIT_RESIDUAL_PX:
            raise InputError(
                f"{path}: key 'data[{name}][{cam_id}]': 2D and 3D do not correspond "
                f"(pinhole fit residual {rms:.1f} px RMS > {MAX_FIT_RESIDUAL_PX:.0f})"
            )
        log.info("%s: %s: fitted fx=%.1f fy=%.1f cx=%.1f cy=%.1f, residual %.2f px", path, seq_name, *intr[:4], rms)
        kp, _ = convert_joints(kp, "3dhp")
        j3d, _ = convert_joints(j3d, "3dhp")
        seqs.append(_sequence(seq_name, kp, intr, MPI_INF_3DHP_TRAIN_SIZE, joints_3d=j3d, fps=fps))
    return seqs


def convert_3dhp(path, split: str | None = None, residuals: dict | None = None) -> ClipSet:
    """MPI-INF-3DHP npz (P-STMO layout, annot3 "_ori" variant) -> clips in H36M order.

    Layouts (key ``data``; joints in the 3DHP-17 order, remapped with ``convert_joints(.., "3dhp")``):

    * test: ``{"TS1".."TS6": {"data_2d": [F, 17, 2] px, "data_3d": [F, 17, 3] mm, "valid": [F]}}``.
      Intrinsics from the published table (TS1-4 2048x2048, TS5-6 1920x1080; zero distortion);
      ``valid`` is kept. Sequence names "TS1".."TS6".
    * train: ``{"S1 Seq1": [{camera id: {"data_2d", "data_3d"}}, fps], ...}``. The npz stores no
      calibration, so each camera's pinhole intrinsics are fitted to its 2D-3D pairs by linear
      least squares (:func:`fit_pinhole`); a residual above ``MAX_FIT_RESIDUAL_PX`` (20 px RMS)
      means the 2D and 3D do not correspond and raises InputError. 2048x2048 images. Sequence
      names like "S1 Seq1/cam0".

    3D ends up camera-frame absolute mm: a root-relative layout (the pelvis, 3DHP joint 14,
    holding the trajectory and the other joints relative to it) is detected and made absolute.

    Args:
        path: the npz file.
        split: ``"train"`` or ``"test"``; default detected from the layout (a mismatch is an error).
        residuals: optional dict, filled with sequence name -> RMS 2D residual in px (train: of the
            intrinsics fit; test: reprojection with the published camera, over valid frames, and
            a logged warning above 20 px -- e.g. a univ_annot3 file).

    Returns:
        ClipSet with ``joints_3d`` (mm), ``keypoints_2d`` (px), per-sequence intrinsics and image
        sizes; ``valid`` (test) or ``fps`` (train).
    """
    data = _as_dict(_load_npz(path, ("data",))["data"], path, "data")
    if not data:
        raise InputError(f"{path}: key 'data' is empty")
    detected = detect_3dhp_split(data)
    if split not in (None, "train", "test"):
        raise InputError(f"split must be 'train' or 'test', got {split!r}")
    if split is not None and split != detected:
        raise InputError(f"{path}: key 'data' holds the 3DHP {detected} layout, not {split}")
    residuals = {} if residuals is None else residuals
    seqs = []
    for name in sorted(data, key=_natural_key):
        if detected == "test":
            seqs.append(_3dhp_test_sequence(str(name), data[name], path, residuals))
        else:
            seqs.extend(_3dhp_train_sequences(str(name), data[name], path, residuals))
    return _assemble(seqs, path)


def _natural_key(name) -> tuple:
    """Sort "S2 Seq1" before "S10 Seq1": digit runs compare as numbers."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(name)))


# --------------------------------------------------------------------------------------- 3DPW
def _frame_number(name: str) -> int:
    """Frame number of an image path: the last digit run of its stem ("image_00012.jpg" -> 12)."""
    digits = re.findall(r"\d+", Path(name).stem)
    return int(digits[-1]) if digits else 0


def _person_tracks(rows: list[int], frames: list[int]) -> list[list[int]]:
    """Split the rows of one 3DPW sequence (file order) into per-person tracks.

    Rule: with no repeated frame number there is one person. Otherwise, if the file order splits
    into runs of increasing frame numbers and there are as many runs as the most repeated frame
    number occurs (SPIN's person-major order: all frames of person 0, then of person 1), each run
    is a person -- this stays right when a person is missing in some frames. Otherwise (frames
    interleaved) the k-th occurrence of a frame number belongs to person k. Tracks keep their
    order of appearance and are sorted by frame number.
    """
    counts: dict[int, int] = defaultdict(int)
    for f in frames:
        counts[f] += 1
    most = max(counts.values())
    if most == 1:
        return [[rows[i] for i in sorted(range(len(rows)), key=frames.__getitem__)]]
    runs = [[0]]
    for i in range(1, len(rows)):
        if frames[i] > frames[i - 1]:
            runs[-1].append(i)
        else:
            runs.append([i])
    if len(runs) != most:
        seen: dict[int, int] = defaultdict(int)
        tracks: dict[int, list[int]] = defaultdict(list)
        for i, f in enumerate(frames):
            tracks[seen[f]].append(i)
            seen[f] += 1
        runs = [sorted(tracks[k], key=lambda i: frames[i]) for k in sorted(tracks)]
    return [[rows[i] for i in run] for run in runs]


def _split_at_gaps(rows: list[int], frame_of: dict[int, int]) -> list[list[int]]:
    """Cut a track (rows sorted by frame) where frame numbers jump by more than 1."""
    parts = [[rows[0]]]
    for prev, row in zip(rows, rows[1:]):
        if frame_of[row] - frame_of[prev] > 1:
            parts.append([])
        parts[-1].append(row)
    return parts


def _3dpw_intrinsics(intrinsics) -> np.ndarray:
    """``None`` (default camera), 4 values ``(fx, fy, cx, cy)`` or a full 9-vector -> 9-vector (px)."""
    values = THREEDPW_INTRINSICS if intrinsics is None else intrinsics
    try:
        values = np.asarray(values, np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InputError(f"intrinsics must be numbers, got {intrinsics!r}") from None
    if values.size == 4:
        values = _intrinsics(*values)
    if values.size != 9 or not np.isfinite(values).all() or (values[:2] <= 0).any():
        raise InputError(f"intrinsics must be fx,fy,cx,cy (or the 9-vector) with positive focals, got {intrinsics!r}")
    return values


def _3dpw_joints_3d(s3d: np.ndarray, kp: np.ndarray, conf: np.ndarray, intr: np.ndarray):
    """SPIN-24 ``S [F, 24, 4]`` (metres + visibility) -> H36M joints ``[F, 17, 3]`` mm and ``valid [F]``.

    A root-centred ``S`` (pelvis within 100 mm of the camera centre) is placed by solving the root
    translation from the 2D (:func:`posynda.camera.solve_root_translation`). Frames with an
    invisible or non-finite 3D joint are marked invalid (those joints are filled with the pelvis).
    """
    vis = (s3d[..., 3] > 0) & np.isfinite(s3d[..., :3]).all(-1)
    joints, vis3d = convert_joints(s3d[..., :3] * 1000.0, "spin24", vis.astype(np.float32))
    ok = vis3d > 0
    valid = ok.all(1)
    root_ok = ok[:, 0]
    if root_ok.any() and np.median(np.linalg.norm(joints[root_ok, 0], axis=-1)) < ROOT_CENTRED_MM:
        rel = np.where(ok[..., None], joints - joints[:, :1], np.nan)
        trans = camera.solve_root_translation(rel, kp, intr, conf * ok)
        joints = rel + trans[:, None]
    root = np.where(np.isfinite(joints[:, :1]), joints[:, :1], 0.0)
    joints = np.where(ok[..., None] & np.isfinite(joints), joints, root)
    return joints, valid


def convert_3dpw(path, intrinsics=None, image_size=(1080, 1920)) -> ClipSet:
    """SPIN-style 3DPW npz -> clips, one sequence per person track.

    Keys: ``imgname [N]`` ("imageFiles/<sequence>/image_00012.jpg"), ``part [N, 24, 3]`` (2D px +
    visibility, SPIN-24 order), optional ``S [N, 24, 4]`` (3D metres, camera frame, + visibility;
    absent in unlabelled variants, then the result has no ``joints_3d``). ``pose``, ``shape``,
    ``center``, ``scale`` are ignored.

    Frames are grouped by the sequence folder of ``imgname`` and ordered by frame number. A
    sequence with several people (repeated frame numbers) is split into person tracks by
    :func:`_person_tracks` (SPIN's person-major order, or k-th occurrence -> person k), named
    ``"<sequence>/person<k>"`` in order of appearance; a track with missing frames is cut at each
    gap and the later parts are named ``"<sequence>/person<k>@<first frame>"``.
    Invisible 2D joints (visibility 0) become NaN with confidence 0. If ``S`` is root-centred
    (SPIN often centres it) the absolute position cannot be recovered from the file, so the root
    translation is solved from the 2D and the intrinsics (``camera.solve_root_translation``, mm).

    Args:
        path: the npz file.
        intrinsics: ``(fx, fy, cx, cy)`` or a 9-vector in pixels; default
            :data:`THREEDPW_INTRINSICS` (the usual 3DPW phone camera).
        image_size: ``(width, height)``; default portrait 1080x1920.

    Returns:
        ClipSet at 30 fps, with ``confidence`` and (when ``S`` is present) ``joints_3d`` mm and
        ``valid`` (frames whose 3D joints are all visible).
    """
    intr = _3dpw_intrinsics(intrinsics)
    arrays = _load_npz(path, ("imgname", "part"), ("S",))
    names = np.asarray(arrays["imgname"])
    if names.ndim != 1 or names.dtype.kind not in "USO" or len(names) == 0:
        raise InputError(f"{path}: key 'imgname' must be a non-empty [N] array of image paths")
    names = names.astype(str)
    part = _joints(arrays["part"], path, "part", 24, 3, frames=len(names))
    s3d = None if "S" not in arrays else _joints(arrays["S"], path, "S", 24, 4, frames=len(names))
    by_seq: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(names):
        by_seq[Path(name).parent.name].append(i)
    frame_of = {i: _frame_number(n) for i, n in enumerate(names)}
    seqs = []
    for seq in sorted(by_seq):
        rows = by_seq[seq]
        for person, track in enumerate(_person_tracks(rows, [frame_of[r] for r in rows])):
            for k, part_rows in enumerate(_split_at_gaps(track, frame_of)):
                suffix = "" if k == 0 else f"@{frame_of[part_rows[0]]}"
                seqs.append(_3dpw_sequence(f"{seq}/person{person}{suffix}", part_rows, part, s3d, intr, image_size))
    return _assemble(seqs, path)


def _3dpw_sequence(name: str, rows: list[int], part: np.ndarray, s3d, intr: np.ndarray, image_size) -> dict:
    """One 3DPW person track: 2D with NaN where invisible, confidence, and 3D when available."""
    kp = part[rows, :, :2].copy()
    vis = (part[rows, :, 2] > 0) & np.isfinite(kp).all(-1)
    kp[~vis] = np.nan
    kp, conf = convert_joints(kp, "spin24", vis.astype(np.float32))
    item = _sequence(name, kp, intr, image_size, confidence=conf, fps=THREEDPW_FPS)
    if s3d is not None:
        item["joints_3d"], item["valid"] = _3dpw_joints_3d(s3d[rows], kp, conf, intr)
    return item
