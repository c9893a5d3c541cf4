"""Virtual cameras and detector-like 2D: how the embedded domains and rendered mocap are seen.

World frame: metres, y up (the floor at y = 0). A camera is ``(intrinsics [9] px, rotation [3, 3]
world->camera, position [3] m, (width, height))``; camera-frame points are x right, y down,
z forward, in mm (docs/CONVENTIONS.md).

* :func:`studio_cameras` -- a Human3.6M-like rig: four static cameras around the capture area,
  about 1.5 m high and 4.5-6 m away (plus ``reach``), f ~ 1145 px, 1000x1000, H36M-like distortion.
* :func:`wild_camera` -- one MPI-INF-3DHP / in-the-wild-like camera: f 700-1500 px, 2048x2048 or
  1920x1080, 0.3-2.5 m high, 2.5-8 m away, pitched, rolled, the subject off-centre.
* :func:`detections` -- the exact projection plus temporally correlated (AR(1)) pixel noise,
  confidences and dropped joints.
"""

from __future__ import annotations

import numpy as np

from posynda import camera

Camera = tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]


def unit(v: np.ndarray) -> np.ndarray:
    """``v [..., 3]`` scaled to unit length along the last axis."""
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def look_at(position: np.ndarray, target: np.ndarray, roll: float = 0.0) -> np.ndarray:
    """World->camera rotation ``[3, 3]`` (rows: camera x right, y down, z forward) for a y-up world."""
    forward = unit(target - position)
    right = unit(np.cross(forward, np.array([0.0, 1.0, 0.0])))
    down = np.cross(forward, right)
    c, s = np.cos(roll), np.sin(roll)
    return np.stack([c * right + s * down, -s * right + c * down, forward])


def to_camera_mm(world_m: np.ndarray, rotation: np.ndarray, position: np.ndarray) -> np.ndarray:
    """World joints (m) -> camera-frame joints (mm)."""
    return np.einsum("ij,nkj->nki", rotation, world_m - position) * 1000.0


def studio_cameras(rng: np.random.Generator, reach: float = 0.0) -> list[Camera]:
    """Four H36M-like static cameras around the origin: (intrinsics [9] px, rotation, position m, (w, h)).

    ``reach`` (m) moves every camera that much farther away, for motion that leaves the usual
    capture area (the random draws are the same for every ``reach``).
    """
    base = rng.uniform(0, np.pi / 2)
    cams = []
    for k in range(4):
        az = base + k * np.pi / 2 + rng.uniform(-0.17, 0.17)
        dist, height = rng.uniform(4.5, 6.0) + reach, 1.5 + rng.uniform(-0.2, 0.2)
        pos = np.array([dist * np.sin(az), height, dist * np.cos(az)])
        rot = look_at(pos, np.array([0.0, 0.95, 0.0]))
        f = 1145.0 * rng.uniform(0.99, 1.01)
        intr = np.array(
            [
                f,
                f * rng.uniform(0.998, 1.002),
                500 + rng.uniform(-6, 6),
                500 + rng.uniform(-6, 6),
                rng.uniform(-0.21, -0.19),
                rng.uniform(0.22, 0.25),
                rng.uniform(-0.01, 0.01),
                rng.uniform(-0.002, 0.002),
                rng.uniform(-0.002, 0.002),
            ]
        )
        cams.append((intr, rot, pos, (1000, 1000)))
    return cams


def wild_camera(world: np.ndarray, rng: np.random.Generator) -> Camera | None:
    """``world [N, 17, 3]`` m: one 3DHP/in-the-wild-like camera looking at the subject off-centre,
    or None if it misses."""
    size = (2048, 2048) if rng.random() < 0.5 else (1920, 1080)
    centre = world[:, 0].mean(0)
    for _ in range(20):
        f = rng.uniform(700, 1500)
        az = rng.uniform(0, 2 * np.pi)
        dist, height = rng.uniform(2.5, 8.0), rng.uniform(0.3, 2.5)
        pos = np.array([centre[0] + dist * np.sin(az), height, centre[2] + dist * np.cos(az)])
        # aim off the subject: up to ~30 % of the half field of view sideways and vertically
        half_fov = np.array(size) / 2 / f
        offset = rng.uniform(-0.3, 0.3, 2) * half_fov * dist
        right = unit(np.cross(unit(centre - pos), np.array([0.0, 1.0, 0.0])))
        target = (
            np.array([centre[0], rng.uniform(0.6, 1.2), centre[2]]) + offset[0] * right + np.array([0, offset[1], 0])
        )
        rot = look_at(pos, target, roll=np.deg2rad(rng.uniform(-10, 10)))
        intr = np.array([f, f, size[0] / 2 + rng.uniform(-15, 15), size[1] / 2 + rng.uniform(-15, 15), 0, 0, 0, 0, 0])
        cam = to_camera_mm(world, rot, pos)
        if cam[..., 2].min() < 500:
            continue
        uv = camera.project(cam, intr)
        inside = (uv[..., 0] >= 0) & (uv[..., 0] < size[0]) & (uv[..., 1] >= 0) & (uv[..., 1] < size[1])
        if inside.mean() > 0.99:
            return intr, rot, pos, size
    return None


# ------------------------------------------------------------------------------- 2D detections
def detections(
    joints_cam_mm: np.ndarray, intr: np.ndarray, sigma_px: float, drop: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Projected 2D with temporally correlated noise, confidences and dropped joints."""
    uv = camera.project(joints_cam_mm, intr)
    n = len(uv)
    white = rng.normal(0, 1, uv.shape)
    noise = np.empty_like(white)
    noise[0] = white[0]
    rho = 0.7
    for i in range(1, n):  # AR(1): detector errors persist over a few frames
        noise[i] = rho * noise[i - 1] + np.sqrt(1 - rho**2) * white[i]
    per_joint = sigma_px * rng.uniform(0.6, 1.6, (1, 17, 1))
    err = noise * per_joint
    conf = np.clip(np.exp(-((np.linalg.norm(err, axis=-1) / (3 * sigma_px)) ** 2)), 0.05, 1.0)
    kp = uv + err
    dropped = rng.random((n, 17)) < drop
    kp[dropped] = np.nan
    conf[dropped] = 0.0
    return kp.astype(np.float32), conf.astype(np.float32)
