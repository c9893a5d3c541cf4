"""The libposynda build: where it lives, a built binary or a skip (a failure where CI requires the build),
posynda_lift run on keypoints, qemu for the aarch64 build."""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

LIB = Path(__file__).resolve().parents[2] / "libposynda"
BUILD = Path(os.environ.get("POSYNDA_CPP_BUILD", LIB / "build"))


def built(path: Path, what: str, required_by: str) -> Path:
    """``path`` when it was built; else a failure under ``required_by`` (an env flag) or a skip naming why."""
    if path.is_file():
        return path
    message = f"{what} not built ({path}): run libposynda/build.sh{'' if 'aarch64' not in what else ' --aarch64'}"
    if os.environ.get(required_by):
        pytest.fail(f"{required_by} is set but {message}")
    pytest.skip(message)


def run_tool(binary, model, keypoints, tmp, *extra, size=(2048, 2048), intrinsics=None, runner=()):
    """Run posynda_lift on ``keypoints [N, J, 2]`` -> ``(completed process, rel mm | None, abs mm | None)``."""
    np.save(tmp / "kp.npy", np.asarray(keypoints, np.float32))
    args = [*runner, str(binary), "--model", str(model), "--keypoints", str(tmp / "kp.npy")]
    args += [
        "--size",
        str(size[0]),
        str(size[1]),
        "--out",
        str(tmp / "rel.npy"),
        "--absolute-out",
        str(tmp / "abs.npy"),
    ]
    if intrinsics is not None:
        args += ["--intrinsics", *[repr(float(v)) for v in intrinsics]]
    for name in ("rel.npy", "abs.npy"):
        (tmp / name).unlink(missing_ok=True)
    result = subprocess.run([*args, *map(str, extra)], capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        return result, None, None
    return result, np.load(tmp / "rel.npy"), np.load(tmp / "abs.npy")


def qemu_available() -> bool:
    return shutil.which("qemu-aarch64") is not None or shutil.which("qemu-aarch64-static") is not None


def run_video(binary, model, detector_dir, frames: np.ndarray, *extra, runner=(), env=None):
    """Run posynda_video (examples/video_people.c) on RGB ``frames [N, H, W, 3]`` uint8 fed through its standard
    input -> ``(completed process, rows [R, C] float64 | None)``: per pose ``frame, person, detected, 51 mm``; with
    ``--people`` per person ``frame, id, flag, 66 px``."""
    height, width = frames.shape[1:3]
    args = [*runner, str(binary), str(model), str(detector_dir), str(width), str(height), *map(str, extra)]
    result = subprocess.run(args, input=np.ascontiguousarray(frames, np.uint8).tobytes(), capture_output=True,
                            timeout=900, env=env)  # fmt: skip
    if result.returncode != 0:
        return result, None
    lines = result.stdout.decode().splitlines()
    return result, np.loadtxt(lines, delimiter=",", ndmin=2) if lines else np.zeros((0, 3))
