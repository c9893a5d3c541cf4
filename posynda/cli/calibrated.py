"""A calibration file on the command line (``lift --calibration``, ``adapt --calibration``): the camera a keypoint
input was filmed by, named by ``--camera`` or the input's file stem, and the check that the input is that camera's
picture size."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from posynda.data.calibration import CalibratedCamera, axis_vector
from posynda.data.clips import ClipSet
from posynda.errors import InputError
from posynda.runtime.level_camera import MAX_PITCH_DEG, pitch_degrees


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


def check_level(camera: CalibratedCamera, world_up: str) -> None:
    """InputError, before any work, unless ``camera`` is within ``MAX_PITCH_DEG`` of level when the calibration
    world's ``world_up`` axis ("x", "y", "z", "-z" ...) is up -- a steeper camera is most often a wrong up axis."""
    pitch = pitch_degrees(camera.rotation @ axis_vector(world_up))
    if abs(pitch) > MAX_PITCH_DEG:
        way = "down" if pitch > 0 else "up"
        raise InputError(f"--calibration: with the world's {world_up} axis up, camera {camera.name} looks "
                         f"{abs(pitch):.0f} degrees {way}; lifting through a level camera needs at most "
                         f"{MAX_PITCH_DEG:g}: give the calibration's up axis with --world-up")  # fmt: skip


def read_through(keypoints, camera: CalibratedCamera, calibration):
    """The keypoint input ``keypoints`` (:class:`posynda.cli.options.KeypointInput`) reading with ``camera``'s
    intrinsics, reported as coming from it."""
    options = dataclasses.replace(keypoints.options, intrinsics=tuple(float(v) for v in camera.intrinsics),
                                  intrinsics_from=f"camera {camera.name} of {Path(calibration).name}")  # fmt: skip
    return dataclasses.replace(keypoints, options=options)
