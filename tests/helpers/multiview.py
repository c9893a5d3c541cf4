"""A calibrated multi-view rig for tests: cameras around a person, their calibration files (Pose2Sim TOML and
Qualisys QCA), and a mannequin recording filmed by them."""

from __future__ import annotations

import numpy as np

from posynda.data.calibration import CalibratedCamera, rodrigues
from posynda.data.rigs import look_at

SIZE = (320, 240)


def ring_cameras(count: int = 3, distance_m: float = 4.0, height_m: float = 1.6, focal: float = 300.0,
                 size=SIZE) -> list[CalibratedCamera]:  # fmt: skip
    """``count`` cameras on a circle around the origin (posynda's y-up rig world: y up, metres -> mm), looking
    at the hips' height; no lens distortion but k1 = 0.01 on the last (the undistortion is exercised)."""
    cameras = []
    for k in range(count):
        angle = 2 * np.pi * k / count + 0.3
        position = np.array([distance_m * np.sin(angle), height_m, distance_m * np.cos(angle)])
        rotation = look_at(position, np.array([0.0, 0.9, 0.0]))
        translation = -rotation @ (position * 1000.0)
        k1 = 0.01 if k == count - 1 else 0.0
        intrinsics = np.array([focal, focal, size[0] / 2, size[1] / 2, k1, 0.0, 0.0, 0.0, 0.0])
        cameras.append(CalibratedCamera(f"cam{k + 1:02d}", intrinsics, rotation, translation, size))
    return cameras


def _rotation_vector(rotation: np.ndarray) -> np.ndarray:
    angle = np.arccos(np.clip((np.trace(rotation) - 1) / 2, -1, 1))
    axis = np.array([rotation[2, 1] - rotation[1, 2], rotation[0, 2] - rotation[2, 0], rotation[1, 0] - rotation[0, 1]])
    vector = axis / (2 * np.sin(angle)) * angle
    assert np.allclose(rodrigues(vector), rotation, atol=1e-9)
    return vector


def pose2sim_toml(cameras: list[CalibratedCamera]) -> str:
    """The cameras as a Pose2Sim ``Calib.toml``."""
    out = []
    for c in cameras:
        fx, fy, cx, cy, k1, k2, _, p1, p2 = (float(v) for v in c.intrinsics)
        r = [float(v) for v in _rotation_vector(c.rotation)]
        t = [float(v) for v in c.translation / 1000.0]
        out += [f"[{c.name}]", f'name = "{c.name}"', f"size = [ {c.image_size[0]}.0, {c.image_size[1]}.0,]",
                f"matrix = [ [ {fx!r}, 0.0, {cx!r},], [ 0.0, {fy!r}, {cy!r},], [ 0.0, 0.0, 1.0,],]",
                f"distortions = [ {k1!r}, {k2!r}, {p1!r}, {p2!r},]", f"rotation = [ {r[0]!r}, {r[1]!r}, {r[2]!r},]",
                f"translation = [ {t[0]!r}, {t[1]!r}, {t[2]!r},]", "fisheye = false", ""]  # fmt: skip
    out += ["[metadata]", "adjusted = false", "error = 0.0", ""]
    return "\n".join(out)


def qca_xml(cameras: list[CalibratedCamera]) -> str:
    """The cameras as a Qualisys ``.qca.txt`` (intrinsics and distortions in 1/64 px, the camera's position and
    Qualisys's rotation, which is the world -> camera rotation turned by pi about x)."""
    cams = []
    for c in cameras:
        fx, fy, cx, cy, k1, k2, k3, p1, p2 = (float(v) * 64 for v in c.intrinsics)
        turn = np.diag([1.0, -1.0, -1.0]) @ c.rotation
        position = [float(v) for v in c.centre]
        r = " ".join(f'r{i + 1}{j + 1}="{float(turn[i, j])!r}"' for i in range(3) for j in range(3))
        w, h = c.image_size
        cams.append(
            f'<camera serial="{c.name}"><fov_video left="0" top="0" right="{w - 1}" bottom="{h - 1}"/>'
            f'<transform {r} x="{position[0]!r}" y="{position[1]!r}" z="{position[2]!r}"/>'
            f'<intrinsic focalLengthU="{fx!r}" focalLengthV="{fy!r}" centerPointU="{cx!r}" centerPointV="{cy!r}" '
            f'radialDistortion1="{k1!r}" radialDistortion2="{k2!r}" radialDistortion3="{k3!r}" '
            f'tangentalDistortion1="{p1!r}" tangentalDistortion2="{p2!r}"/></camera>'
        )
    return "<?xml version='1.0'?><calibration><cameras>" + "".join(cams) + "</cameras></calibration>"


def walking_world(frames: int = 12) -> np.ndarray:
    """``[frames, 17, 3]`` mm in the rig's world (y up, the person at the origin): the embedded wild/test's first
    frames, stood up (their camera-frame poses turned so that the spine points up)."""
    from tests.helpers.video import mannequin_motion

    poses = mannequin_motion(frames)
    relative = poses - poses[:, :1]
    return relative * np.array([1.0, -1.0, -1.0]) + np.array([0.0, 950.0, 0.0])  # camera y down -> world y up


def film_recording(folder, cameras: list[CalibratedCamera], frames: int = 10, fps: float = 25.0):
    """A calibrated recording in ``folder`` (``calibration/Calib.toml``, ``videos/<camera>.mp4``): the mannequin
    of :func:`walking_world` filmed by every camera. Returns the world poses ``[frames, 17, 3]`` mm."""
    from posynda.data.footage import render_mannequin
    from posynda.data.video import write_video

    world = walking_world(frames)
    (folder / "calibration").mkdir(parents=True)
    (folder / "videos").mkdir()
    (folder / "calibration" / "Calib.toml").write_text(pose2sim_toml(cameras))
    for camera in cameras:
        pictures = render_mannequin(camera.to_camera(world), camera.intrinsics, camera.image_size)
        write_video(folder / "videos" / f"{camera.name}.mp4", list(pictures), fps, camera.image_size)
    return world
