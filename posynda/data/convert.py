"""Converters from public dataset layouts to clip files (H36M-17 order, camera-frame mm, pixels).

* Human3.6M: VideoPose3D ``data_3d_h36m.npz`` (+ ``data_2d_h36m_*.npz``); world metres -> camera mm
  with the published calibration; 2D from the 2D file or the exact projection.
* MPI-INF-3DHP: P-STMO/D3DP ``data_{train,test}_3dhp*.npz``; 3DHP-17 -> H36M-17; test intrinsics
  from the published table, train intrinsics fitted to the 2D-3D pairs.
* 3DPW: SPIN-style npz (``imgname``, ``part``, ``S``); SPIN-24 -> H36M-17; per-person sequences.

These public layouts store Python dicts inside object arrays, so they are read with
``allow_pickle=True``: only convert files from a source you trust.
"""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from posynda import camera
from posynda.data import h36m_cameras
from posynda.data.clips import ClipSet, validate
from posynda.errors import InputError
from posynda.skeleton import convert_joints

# VideoPose3D keeps 17 of the 32 Human3.6M mocap joints.
H36M_KEPT_JOINTS = tuple(j for j in range(32) if j not in (4, 5, 9, 10, 11, 16, 20, 21, 22, 23, 24, 28, 29, 30, 31))

# MPI-INF-3DHP test cameras (calibration files; fx = fy, principal point, image size).
MPI_INF_3DHP_TEST_CAMERAS = {
    **{f"TS{i}": (1500.172, 1017.387, 1043.032, 2048, 2048) for i in (1, 2, 3, 4)},
    **{f"TS{i}": (1683.983, 939.858, 560.141, 1920, 1080) for i in (5, 6)},
}
MPI_INF_3DHP_TRAIN_SIZE = (2048, 2048)
MPI_INF_3DHP_PELVIS = 14
MAX_FIT_RESIDUAL_PX = 20.0

# A typical 3DPW phone camera (portrait 1080x1920); sequences differ slightly -- pass --intrinsics.
THREEDPW_INTRINSICS = (1961.886, 1969.2, 540.0, 960.0)


def _load_npz(path, keys: tuple[str, ...]) -> dict:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        with np.load(path, allow_pickle=True) as npz:
            missing = [k for k in keys if k not in npz.files]
            if missing:
                raise InputError(f"{path}: missing key '{missing[0]}' (has {sorted(npz.files)})")
            return {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable .npz ({exc})") from None


def _as_dict(value, path, key: str) -> dict:
    obj = value.item() if isinstance(value, np.ndarray) and value.dtype == object and value.shape == () else value
    if not isinstance(obj, dict):
        raise InputError(f"{path}: key '{key}' must hold a dict, got {type(obj).__name__}")
    return obj


def _intrinsics(fx, fy, cx, cy, k=(0.0, 0.0, 0.0), p=(0.0, 0.0)) -> np.ndarray:
    return np.array([fx, fy, cx, cy, *k, *p], np.float32)


def _assemble(seqs: list[dict]) -> ClipSet:
    """Sequences (dicts of per-frame arrays + per-sequence values) -> validated ClipSet."""
    if not seqs:
        raise InputError("no sequence to convert")
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
        out["confidence"] = np.concatenate(
            [s.get("confidence", np.ones(c_, np.float32)[:, None].repeat(17, 1)) for s, c_ in zip(seqs, counts)]
        )
    if any("valid" in s for s in seqs):
        out["valid"] = np.concatenate([s.get("valid", np.ones(c_, bool)) for s, c_ in zip(seqs, counts)])
    return validate(ClipSet(**out))


# ---------------------------------------------------------------------------------- Human3.6M
def quaternion_to_matrix(q) -> np.ndarray:
    """Unit quaternion ``(w, x, y, z)`` -> rotation matrix ``[3, 3]`` (rotates vectors by q)."""
    w, x, y, z = np.asarray(q, np.float64) / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def h36m_world_to_camera(world_m: np.ndarray, subject: str, cam: int) -> np.ndarray:
    """World joints ``[N, J, 3]`` (m) -> camera-frame joints (mm) of camera ``cam`` of ``subject``.

    The calibration stores the camera's orientation q and centre t in the world, so
    ``X_cam = R(q)^T (X_world - t)`` (VideoPose3D ``world_to_camera``).
    """
    q, t = h36m_cameras.EXTRINSICS[subject][cam]
    rot = quaternion_to_matrix(q)
    return (world_m.astype(np.float64) * 1000.0 - np.asarray(t)) @ rot


def h36m_intrinsics(cam: int) -> tuple[np.ndarray, tuple[int, int]]:
    """9-vector (pixels) and (width, height) of Human3.6M camera index ``cam`` (0..3)."""
    fx, fy, cx, cy, k1, k2, k3, p1, p2, w, h = h36m_cameras.INTRINSICS[h36m_cameras.CAMERA_IDS[cam]]
    return _intrinsics(fx, fy, cx, cy, (k1, k2, k3), (p1, p2)), (int(w), int(h))


def convert_h36m(path_3d, path_2d=None, subjects=None) -> ClipSet:
    """VideoPose3D's Human3.6M files -> clips, one sequence per (subject, action, camera).

    Args:
        path_3d: ``data_3d_h36m.npz``; key ``positions_3d``: dict[subject][action] -> ``[N, 32, 3]``
            world metres.
        path_2d: optional ``data_2d_h36m_*.npz``; key ``positions_2d``: dict[subject][action] ->
            list of 4 ``[N', 17, 2]`` pixel arrays (truncated to the mocap length N, as VideoPose3D
            does). Without it the 2D is the exact projection of the 3D (the "GT 2D" setting).
        subjects: subjects to keep (e.g. ``["S9", "S11"]``); default all.
    """
    positions = _as_dict(_load_npz(path_3d, ("positions_3d",))["positions_3d"], path_3d, "positions_3d")
    kp_all = None
    if path_2d is not None:
        kp_all = _as_dict(_load_npz(path_2d, ("positions_2d",))["positions_2d"], path_2d, "positions_2d")
    wanted = list(positions) if subjects is None else list(subjects)
    for s in wanted:
        if s not in positions:
            raise InputError(f"{path_3d}: subject {s!r} not in the file (has {sorted(positions)})")
        if s not in h36m_cameras.EXTRINSICS:
            raise InputError(f"{path_3d}: no camera calibration for subject {s!r}")
    seqs = []
    for subject in wanted:
        for action in sorted(positions[subject]):
            world = np.asarray(positions[subject][action])
            if world.ndim != 3 or world.shape[1:] != (32, 3):
                raise InputError(
                    f"{path_3d}: positions_3d[{subject}][{action}] has shape {list(world.shape)}, expected [N, 32, 3]"
                )
            world = world[:, list(H36M_KEPT_JOINTS)]
            for cam in range(4):
                intr, size = h36m_intrinsics(cam)
                joints = h36m_world_to_camera(world, subject, cam)
                if kp_all is None:
                    kp = camera.project(joints, intr.astype(np.float64))
                else:
                    try:
                        kp = np.asarray(kp_all[subject][action][cam])
                    except (KeyError, IndexError, TypeError):
                        raise InputError(f"{path_2d}: positions_2d has no entry [{subject}][{action}][{cam}]") from None
                    if kp.ndim != 3 or kp.shape[1:] != (17, 2):
                        raise InputError(
                            f"{path_2d}: positions_2d[{subject}][{action}][{cam}] has shape {list(kp.shape)}, "
                            "expected [N, 17, 2]"
                        )
                    if len(kp) < len(joints):
                        raise InputError(
                            f"{path_2d}: positions_2d[{subject}][{action}][{cam}] is shorter than the mocap"
                        )
                    kp = kp[: len(joints)]
                seqs.append(
                    dict(
                        keypoints_2d=kp,
                        joints_3d=joints,
                        camera=intr,
                        image_size=size,
                        fps=50.0,
                        name=f"{subject}/{action}.{h36m_cameras.CAMERA_IDS[cam]}",
                    )
                )
    return _assemble(seqs)


# ------------------------------------------------------------------------------- MPI-INF-3DHP
def fit_pinhole(joints_mm: np.ndarray, keypoints: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares pinhole intrinsics from 2D-3D correspondences.

    Solves ``u = fx X/Z + cx`` and ``v = fy Y/Z + cy`` over every finite joint of every frame.

    Returns:
        ``(intrinsics [9] pixels, zero distortion; RMS residual in pixels)``.
    """
    x = joints_mm.reshape(-1, 3).astype(np.float64)
    uv = keypoints.reshape(-1, 2).astype(np.float64)
    ok = np.isfinite(uv).all(1) & np.isfinite(x).all(1) & (x[:, 2] > 1e-6)
    if ok.sum() < 4:
        raise InputError("not enough valid 2D-3D correspondences to fit camera intrinsics")
    x, uv = x[ok], uv[ok]
    params, residual = [], []
    for axis in (0, 1):
        design = np.stack([x[:, axis] / x[:, 2], np.ones(len(x))], 1)
        sol, *_ = np.linalg.lstsq(design, uv[:, axis], rcond=None)
        params.append(sol)
        residual.append(uv[:, axis] - design @ sol)
    rms = float(np.sqrt(np.mean(np.square(residual))))
    return _intrinsics(params[0][0], params[1][0], params[0][1], params[1][1]), rms


def _absolute_3dhp(joints: np.ndarray) -> np.ndarray:
    """Restore absolute positions when the file is root-relative with the pelvis holding the trajectory."""
    root = joints[:, MPI_INF_3DHP_PELVIS]
    others = np.delete(joints, MPI_INF_3DHP_PELVIS, axis=1)
    if np.median(np.abs(others[..., 2])) < 0.25 * np.median(np.abs(root[:, 2])):
        joints = joints.copy()
        mask = np.arange(joints.shape[1]) != MPI_INF_3DHP_PELVIS
        joints[:, mask] += root[:, None]
    return joints


def _3dhp_arrays(entry: dict, path, name: str) -> tuple[np.ndarray, np.ndarray]:
    for key in ("data_2d", "data_3d"):
        if key not in entry:
            raise InputError(f"{path}: sequence {name!r} misses key '{key}'")
    kp, j3d = np.asarray(entry["data_2d"], np.float64), np.asarray(entry["data_3d"], np.float64)
    if kp.ndim != 3 or kp.shape[1:] != (17, 2) or j3d.ndim != 3 or j3d.shape[1:] != (17, 3) or len(kp) != len(j3d):
        raise InputError(
            f"{path}: sequence {name!r} has data_2d {list(kp.shape)} / data_3d {list(j3d.shape)}, "
            "expected [F, 17, 2] / [F, 17, 3]"
        )
    return kp, _absolute_3dhp(j3d)


def convert_3dhp(path, split: str | None = None) -> ClipSet:
    """MPI-INF-3DHP npz (P-STMO layout, annot3 "_ori" variant) -> clips in H36M order.

    Test layout: ``data`` -> {"TS1".."TS6": {"data_2d", "data_3d", "valid"}}, intrinsics from the
    published table (TS5-6 are 1920x1080). Train layout: ``data`` -> {"S1 Seq1": [ {camera id:
    {"data_2d", "data_3d"}}, fps ]}; the npz stores no calibration, so each camera's pinhole
    intrinsics are fitted to its 2D-3D pairs (InputError when they do not fit within 20 px RMS).
    3D in mm; a root-relative layout (pelvis = trajectory) is made absolute.
    """
    data = _as_dict(_load_npz(path, ("data",))["data"], path, "data")
    if not data:
        raise InputError(f"{path}: key 'data' is empty")
    first = next(iter(data.values()))
    detected = "test" if isinstance(first, dict) and "data_2d" in first else "train"
    split = split or detected
    if split != detected:
        raise InputError(f"{path}: looks like the 3DHP {detected} layout, not {split}")
    seqs = []
    for name in sorted(data):
        entry = data[name]
        if split == "test":
            if name not in MPI_INF_3DHP_TEST_CAMERAS:
                raise InputError(f"{path}: unknown test sequence {name!r} (expected TS1..TS6)")
            kp, j3d = _3dhp_arrays(entry, path, name)
            f, cx, cy, w, h = MPI_INF_3DHP_TEST_CAMERAS[name]
            valid = np.asarray(entry.get("valid", np.ones(len(kp))), dtype=float) > 0.5
            if valid.shape != (len(kp),):
                raise InputError(f"{path}: sequence {name!r} key 'valid' has shape {list(valid.shape)}")
            kp, _ = convert_joints(kp, "3dhp")
            j3d, _ = convert_joints(j3d, "3dhp")
            seqs.append(
                dict(
                    keypoints_2d=kp,
                    joints_3d=j3d,
                    camera=_intrinsics(f, f, cx, cy),
                    image_size=(w, h),
                    valid=valid,
                    name=name,
                )
            )
            continue
        cams, fps = (entry[0], float(np.asarray(entry[1]))) if isinstance(entry, (list, tuple)) else (entry, 25.0)
        if not isinstance(cams, dict):
            raise InputError(f"{path}: training sequence {name!r} must map camera ids to arrays")
        for cam_id in sorted(cams, key=str):
            kp, j3d = _3dhp_arrays(cams[cam_id], path, f"{name}/cam{cam_id}")
            intr, rms = fit_pinhole(j3d, kp)
            if rms > MAX_FIT_RESIDUAL_PX:
                raise InputError(
                    f"{path}: {name}/cam{cam_id}: 2D and 3D do not correspond (pinhole fit residual {rms:.1f} px)"
                )
            kp, _ = convert_joints(kp, "3dhp")
            j3d, _ = convert_joints(j3d, "3dhp")
            seqs.append(
                dict(
                    keypoints_2d=kp,
                    joints_3d=j3d,
                    camera=intr,
                    image_size=MPI_INF_3DHP_TRAIN_SIZE,
                    fps=fps,
                    name=f"{name}/cam{cam_id}",
                )
            )
    return _assemble(seqs)


# --------------------------------------------------------------------------------------- 3DPW
def _frame_number(name: str) -> int:
    digits = re.findall(r"\d+", Path(name).stem)
    return int(digits[-1]) if digits else 0


def convert_3dpw(path, intrinsics=None, image_size=(1080, 1920)) -> ClipSet:
    """SPIN-style 3DPW npz -> clips, one sequence per person track.

    Keys: ``imgname [N]`` ("imageFiles/<sequence>/image_00012.jpg"), ``part [N, 24, 3]`` (2D px +
    visibility), optional ``S [N, 24, 4]`` (3D metres camera frame + visibility). Frames are
    grouped by the sequence folder; when a frame number repeats within a sequence (several
    people), its k-th occurrence belongs to person k. Invisible 2D joints become NaN with
    confidence 0; frames whose 3D is partly invisible are marked invalid. If ``S`` is
    root-centred, the translation is solved from the 2D (camera.solve_root_translation), since
    the file holds none.
    """
    arrays = _load_npz(path, ("imgname", "part"))
    names = np.asarray(arrays["imgname"]).astype(str)
    part = np.asarray(arrays["part"], np.float64)
    if part.ndim != 3 or part.shape[1:] != (24, 3) or len(part) != len(names):
        raise InputError(f"{path}: key 'part' has shape {list(part.shape)}, expected [{len(names)}, 24, 3]")
    s3d = arrays.get("S")
    if s3d is not None:
        s3d = np.asarray(s3d, np.float64)
        if s3d.shape != (len(names), 24, 4):
            raise InputError(f"{path}: key 'S' has shape {list(s3d.shape)}, expected [{len(names)}, 24, 4]")
    fx, fy, cx, cy = intrinsics if intrinsics is not None else THREEDPW_INTRINSICS
    intr = _intrinsics(fx, fy, cx, cy)
    tracks: dict[tuple[str, int], list[int]] = defaultdict(list)
    seen: dict[tuple[str, int], int] = defaultdict(int)
    for i, name in enumerate(names):
        seq, frame = Path(name).parent.name, _frame_number(name)
        person = seen[(seq, frame)]
        seen[(seq, frame)] += 1
        tracks[(seq, person)].append(i)
    seqs = []
    for (seq, person), rows in sorted(tracks.items()):
        rows = sorted(rows, key=lambda i: _frame_number(names[i]))
        kp = part[rows, :, :2].copy()
        vis = part[rows, :, 2] > 0
        kp[~vis] = np.nan
        kp, conf = convert_joints(kp, "spin24", vis.astype(np.float32))
        item = dict(
            keypoints_2d=kp,
            confidence=conf,
            camera=intr,
            image_size=tuple(image_size),
            fps=30.0,
            name=f"{seq}/person{person}",
        )
        if s3d is not None:
            joints, vis3d = convert_joints(
                s3d[rows, :, :3] * 1000.0, "spin24", (s3d[rows, :, 3] > 0).astype(np.float32)
            )
            if np.median(np.abs(joints[:, 0, 2])) < 100.0:  # root-centred: place it with the 2D
                rel = joints - joints[:, :1]
                joints = rel + camera.solve_root_translation(rel, kp, intr.astype(np.float64), conf)[:, None]
            item["joints_3d"] = joints
            item["valid"] = (vis3d > 0).all(1)
        seqs.append(item)
    return _assemble(seqs)
