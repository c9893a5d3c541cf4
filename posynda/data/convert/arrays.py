"""Reading public dataset files and assembling their sequences into a validated clip set.

The public layouts store Python dicts inside object arrays. They are read by
:func:`posynda.reading.npz_with_pickled_data`: only ``.npz`` archives (never a bare pickle), and
their pickles may build nothing but dicts, lists, tuples, strings, numbers and numpy arrays -- a
file that names anything else (a function to run) is refused before anything runs. Every problem
is a one-line :class:`~posynda.errors.InputError` naming the file and the key.
"""

from __future__ import annotations

import numpy as np

from posynda.data.clips import ClipSet, validate
from posynda.errors import InputError
from posynda.reading import npz_with_pickled_data


def load_npz(path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    """Read ``required`` (and present ``optional``) keys of an npz file (pickled dicts read as data only).

    Raises:
        InputError: the file is missing, not an npz archive, truncated/corrupt, lacks a key, or holds a
            pickle that names anything but data.
    """
    return npz_with_pickled_data(path, required, optional, what="dataset npz file")


def as_dict(value, path, key: str) -> dict:
    """The dict pickled inside a 0-d object array (how ``np.savez`` stores a dict)."""
    obj = value.item() if isinstance(value, np.ndarray) and value.dtype == object and value.shape == () else value
    if not isinstance(obj, dict):
        raise InputError(f"{path}: key '{key}' must hold a dict, got {type(obj).__name__}")
    return obj


def joint_array(value, path, key: str, joints: int, channels: int, frames: int | None = None) -> np.ndarray:
    """``value`` as float64 ``[N, joints, channels]``; InputError naming ``key`` otherwise."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{path}: key '{key}' is not a numeric array") from None
    n = "N" if frames is None else str(frames)
    if arr.ndim != 3 or arr.shape[1:] != (joints, channels) or (frames is not None and len(arr) != frames):
        raise InputError(f"{path}: key '{key}' has shape {list(arr.shape)}, expected [{n}, {joints}, {channels}]")
    return arr


def intrinsics_vector(fx, fy, cx, cy, k=(0.0, 0.0, 0.0), p=(0.0, 0.0)) -> np.ndarray:
    """The 9-vector ``[fx, fy, cx, cy, k1, k2, k3, p1, p2]`` (pixels) as float64."""
    return np.array([fx, fy, cx, cy, *k, *p], np.float64)


def sequence_record(name: str, kp, cam, size, **extra) -> dict:
    """One converted sequence: per-frame arrays (``keypoints_2d`` [F, 17, 2] px, optional
    ``joints_3d`` [F, 17, 3] mm, ``confidence`` [F, 17], ``valid`` [F]) and per-sequence values.

    Float arrays are stored as float32 right away (the clip-file dtype) to halve peak memory on
    large datasets (Human3.6M: ~3.6 M frames over all cameras)."""
    seq = dict(name=name, keypoints_2d=np.asarray(kp, np.float32), camera=cam, image_size=tuple(int(v) for v in size))
    for key, value in extra.items():
        seq[key] = np.asarray(value, np.float32) if key in ("joints_3d", "confidence") else value
    return seq


def assemble(seqs: list[dict], source) -> ClipSet:
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
