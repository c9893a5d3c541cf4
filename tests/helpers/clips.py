"""Hand-made clip sets (independent of the synthetic generator) and clip files, good and bad."""

import dataclasses

import numpy as np

from posynda import camera
from posynda.data import FORMAT, ClipSet, save_clips
from posynda.data.calibration import rodrigues

INTRINSICS = np.array([1145.0, 1145.0, 500.0, 500.0, 0, 0, 0, 0, 0], np.float32)


def make_clips(lengths=(40, 25), seed=0, with_3d=True) -> ClipSet:
    """Sequences of a jittering random pose walking in front of a 1000x1000 camera (mm)."""
    rng = np.random.default_rng(seed)
    kp, j3d, seq = [], [], []
    for s, n in enumerate(lengths):
        base = rng.normal(size=(17, 3)) * 250.0
        base[0] = 0
        motion = np.cumsum(rng.normal(size=(n, 17, 3)) * 5.0, axis=0)
        motion[:, 0] = 0
        rel = base + motion
        root = np.array([0.0, 0.0, 5000.0]) + np.linspace(0, 1, n)[:, None] * np.array([300.0, 0, 200.0])
        pose = rel + root[:, None]
        j3d.append(pose)
        kp.append(camera.project(pose, INTRINSICS.astype(np.float64)))
        seq.append(np.full(n, s))
    s_count = len(lengths)
    return ClipSet(
        keypoints_2d=np.concatenate(kp).astype(np.float32),
        seq_index=np.concatenate(seq).astype(np.int32),
        camera=np.tile(INTRINSICS, (s_count, 1)),
        image_size=np.tile(np.array([1000, 1000], np.int32), (s_count, 1)),
        joints_3d=np.concatenate(j3d).astype(np.float32) if with_3d else None,
        seq_name=np.array([f"seq{i}" for i in range(s_count)]),
    )


def write_raw(path, clips: ClipSet, **overrides):
    """Write ``clips`` as an npz without validation; ``overrides`` replace (or, with None, drop) keys."""
    arrays = {"format": np.array(FORMAT)}
    arrays.update(
        {f.name: getattr(clips, f.name) for f in dataclasses.fields(ClipSet) if getattr(clips, f.name) is not None}
    )
    for key, value in overrides.items():
        if value is None:
            arrays.pop(key, None)
        else:
            arrays[key] = value
    np.savez(path, **arrays)


def bad_clip_file(tmp, clips, kind):
    """A clip file that fails validation in one way: 16 joints, NaN 3D, no camera, or truncated."""
    path = tmp / f"{kind}.npz"
    if kind == "16-joints":
        write_raw(path, clips, keypoints_2d=np.zeros((clips.num_frames, 16, 2), np.float32))
    elif kind == "nan-3d":
        clips.joints_3d[3, 2, 0] = np.nan
        write_raw(path, clips)
    elif kind == "no-camera":
        write_raw(path, clips, camera=None)
    elif kind == "truncated":
        good = save_clips(tmp / "good.npz", clips)
        path.write_bytes(good.read_bytes()[:1000])
    return path


# (kind of bad_clip_file, what the refusal names)
BAD_CLIP_FILES = [
    ("16-joints", "keypoints_2d"),
    ("nan-3d", "joints_3d"),
    ("no-camera", "camera"),
    ("truncated", "truncated"),
]


def root_relative(clips: ClipSet) -> np.ndarray:
    """``clips.joints_3d`` minus each frame's root, float64 ``[N, 17, 3]`` mm."""
    joints = clips.joints_3d.astype(np.float64)
    return joints - joints[:, :1]


def turn(axis, degrees: float) -> np.ndarray:
    """The rotation ``[3, 3]`` of ``degrees`` about ``axis`` (any length)."""
    axis = np.asarray(axis, np.float64)
    return rodrigues(axis / np.linalg.norm(axis) * np.radians(degrees))
