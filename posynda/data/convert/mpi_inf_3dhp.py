"""MPI-INF-3DHP npz files (P-STMO / D3DP "_ori" layouts) -> clips in H36M order."""

from __future__ import annotations

import logging
import re

import numpy as np

from posynda.data.clips import ClipSet
from posynda.data.convert.arrays import as_dict, assemble, intrinsics_vector, joint_array, load_npz, sequence_record
from posynda.data.convert.geometry import fit_pinhole, reprojection_rms
from posynda.errors import InputError
from posynda.skeleton import convert_joints

log = logging.getLogger(__name__)

# MPI-INF-3DHP test cameras from the calibration files: (fx = fy, cx, cy, width, height), pixels.
MPI_INF_3DHP_TEST_CAMERAS = {
    **{f"TS{i}": (1500.172, 1017.387, 1043.032, 2048, 2048) for i in (1, 2, 3, 4)},
    **{f"TS{i}": (1683.983, 939.858, 560.141, 1920, 1080) for i in (5, 6)},
}
MPI_INF_3DHP_TRAIN_SIZE = (2048, 2048)
MPI_INF_3DHP_TRAIN_FPS = 25.0  # used only when a training entry carries no frame rate
MPI_INF_3DHP_PELVIS = 14  # root joint of the 3DHP-17 order
MAX_FIT_RESIDUAL_PX = 20.0  # RMS 2D-3D residual above which 2D and 3D are taken not to correspond


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
    kp = joint_array(entry["data_2d"], path, f"{key}[data_2d]", 17, 2)
    j3d = joint_array(entry["data_3d"], path, f"{key}[data_3d]", 17, 3, frames=len(kp))
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
    intr = intrinsics_vector(f, f, cx, cy)
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
    return sequence_record(name, kp, intr, (w, h), joints_3d=j3d, valid=valid)


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
        seqs.append(sequence_record(seq_name, kp, intr, MPI_INF_3DHP_TRAIN_SIZE, joints_3d=j3d, fps=fps))
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
    data = as_dict(load_npz(path, ("data",))["data"], path, "data")
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
    return assemble(seqs, path)


def _natural_key(name) -> tuple:
    """Sort "S2 Seq1" before "S10 Seq1": digit runs compare as numbers."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(name)))
