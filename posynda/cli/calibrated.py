"""A calibration file on the command line (``lift --calibration``, ``adapt --calibration``): the camera a keypoint
input was filmed by, named by ``--camera`` or the input's file stem, and the check that the input is that camera's
picture size."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from posynda.data.calibration import CalibratedCamera
from posynda.data.clips import ClipSet
from posynda.errors import InputError


def named_camera(cameras: list[CalibratedCamera], name: str, path, option: str = "--camera") -> CalibratedCamera:
    """The camera ``name`` of ``cameras`` (read from ``path``; ``option`` named it: ``--camera``, or ``--target``
    by its file stem); InputError naming the cameras it has."""
    by_name = {c.name: c for c in cameras}
    if name not in by_name:
        hint = "name one with --camera" if option == "--camera" else f"name each {option} file after its camera"
        raise InputError(f"{option} {name}: {path} has cameras {', '.join(by_name)} ({hint})")
    return by_name[name]


def check_picture_size(clips: ClipSet, camera: CalibratedCamera, what: str = "the input") -> None:
    """InputError unless every sequence of ``clips`` has ``camera``'s calibrated image size."""
    check_sizes({tuple(size) for size in clips.image_size.tolist()}, camera, what)


def check_sizes(sizes: set[tuple[int, int]], camera: CalibratedCamera, what: str) -> None:
    """InputError unless the picture sizes ``sizes`` ((width, height), px) of ``what`` are ``camera``'s calibrated
    image size alone."""
    if sizes != {tuple(camera.image_size)}:
        shown = ", ".join(sorted(f"{w}x{h}" for w, h in sizes))
        w, h = camera.image_size
        raise InputError(f"--calibration: camera {camera.name} is calibrated for {w}x{h} px, {what} is {shown}")


def read_through(keypoints, camera: CalibratedCamera, calibration):
    """The keypoint input ``keypoints`` (:class:`posynda.cli.options.KeypointInput`) reading with ``camera``'s
    intrinsics, reported as coming from it."""
    options = dataclasses.replace(keypoints.options, intrinsics=tuple(float(v) for v in camera.intrinsics),
                                  intrinsics_from=f"camera {camera.name} of {Path(calibration).name}")  # fmt: skip
    return dataclasses.replace(keypoints, options=options)
