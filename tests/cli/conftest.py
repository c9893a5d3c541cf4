"""Fixtures of the CLI tests: a working folder with a labelled clip file and the micro checkpoint, bad clip files."""

import numpy as np
import pytest

from posynda.data import save_clips
from tests.conftest import make_clips, write_raw


@pytest.fixture
def files(in_tmp, micro_file):
    """``(folder, labelled clip file, micro checkpoint, its clips)``; the test runs in the folder."""
    clips = make_clips((30, 12))
    return in_tmp, save_clips(in_tmp / "data.npz", clips), micro_file, clips


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


BAD_CLIP_FILES = [
    ("16-joints", "keypoints_2d"),
    ("nan-3d", "joints_3d"),
    ("no-camera", "camera"),
    ("truncated", "truncated"),
]


def tree_digest(root):
    """{relative path: bytes} of every file under ``root`` (empty when it does not exist)."""
    return (
        {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()} if root.exists() else {}
    )
