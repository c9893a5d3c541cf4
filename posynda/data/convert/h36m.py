"""VideoPose3D's Human3.6M files -> clips: world metres -> camera-frame mm with the published calibration."""

from __future__ import annotations

import numpy as np

from posynda import camera
from posynda.data import h36m_cameras
from posynda.data.clips import ClipSet
from posynda.data.convert.arrays import as_dict, assemble, intrinsics_vector, joint_array, load_npz, sequence_record
from posynda.data.convert.geometry import quaternion_to_matrix
from posynda.errors import InputError
from posynda.skeleton import convert_joints

# VideoPose3D keeps 17 of the 32 Human3.6M mocap joints (Human36mDataset.remove_joints).
H36M_DROPPED_JOINTS = (4, 5, 9, 10, 11, 16, 20, 21, 22, 23, 24, 28, 29, 30, 31)
H36M_KEPT_JOINTS = tuple(j for j in range(32) if j not in H36M_DROPPED_JOINTS)
H36M_FPS = 50.0


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
    return intrinsics_vector(fx, fy, cx, cy, (k1, k2, k3), (p1, p2)), (int(w), int(h))


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
    meta = {} if metadata is None else as_dict(metadata, path, "metadata")
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
    kp = joint_array(raw, path, key, 17, 2)
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
    positions = as_dict(load_npz(path_3d, ("positions_3d",))["positions_3d"], path_3d, "positions_3d")
    kp_all, layout = None, "h36m"
    if path_2d is not None:
        arrays = load_npz(path_2d, ("positions_2d",), ("metadata",))
        kp_all = as_dict(arrays["positions_2d"], path_2d, "positions_2d")
        layout = _h36m_2d_layout(arrays.get("metadata"), path_2d)
    seqs = []
    for subject in _h36m_subjects(positions, subjects, path_3d):
        actions = positions[subject]
        if not isinstance(actions, dict):
            raise InputError(f"{path_3d}: key 'positions_3d[{subject}]' must hold a dict of actions")
        for action in sorted(actions):
            key = f"positions_3d[{subject}][{action}]"
            world = joint_array(actions[action], path_3d, key, 32, 3)
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
                seqs.append(sequence_record(name, kp, intr, size, joints_3d=joints, fps=H36M_FPS, **extra))
    return assemble(seqs, path_3d)
