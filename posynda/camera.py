"""Camera geometry: the model's canonical-camera input, Human3.6M-model projection, root-translation solve.

Conventions (docs/CONVENTIONS.md): camera frame x right, y down, z forward; intrinsics are the
9-vector ``[fx, fy, cx, cy, k1, k2, k3, p1, p2]`` in pixels; the distortion model is the one of
Human3.6M / VideoPose3D (``common/camera.py::project_to_2d``), not OpenCV's. Unlike VideoPose3D we
do not clamp x/z to [-1, 1]: that clamp is wrong for wide-angle cameras, where points inside the
image have |x/z| > 1.

Every function takes torch tensors or numpy arrays, returns the same kind it was given, and checks
the trailing dimensions of its inputs at the door (a ValueError names the argument and its shape).
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from posynda.errors import InputError
from posynda.limits import MAX_FOCAL_PX, MIN_FOCAL_PX


def check_intrinsics(intrinsics, what: str = "intrinsics") -> np.ndarray:
    """``intrinsics`` as 9 float32 ``[fx, fy, cx, cy, k1, k2, k3, p1, p2]`` (pixels), or InputError unless every
    value is finite and both focal lengths lie in ``[MIN_FOCAL_PX, MAX_FOCAL_PX]`` (the C library's rule too)."""
    k = np.asarray(intrinsics, np.float32).reshape(-1)
    if k.shape != (9,):
        raise InputError(f"{what} must be 9 numbers fx, fy, cx, cy, k1, k2, k3, p1, p2, got {k.size}")
    if not np.isfinite(k).all() or not all(MIN_FOCAL_PX <= f <= MAX_FOCAL_PX for f in k[:2]):
        raise InputError(
            f"{what} need finite values and focal lengths in [{MIN_FOCAL_PX:g}, {MAX_FOCAL_PX:g}] px, got {k.tolist()}"
        )
    return k


def _numpy_compatible(fn):
    """Let a torch function accept numpy arrays: convert them in, convert the results back."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        was_numpy = any(isinstance(a, np.ndarray) for a in list(args) + list(kwargs.values()))
        if not was_numpy:
            return fn(*args, **kwargs)
        conv = lambda a: torch.from_numpy(np.ascontiguousarray(a)) if isinstance(a, np.ndarray) else a  # noqa: E731
        out = fn(*[conv(a) for a in args], **{k: conv(v) for k, v in kwargs.items()})
        if isinstance(out, tuple):
            return tuple(o.numpy() if isinstance(o, torch.Tensor) else o for o in out)
        return out.numpy() if isinstance(out, torch.Tensor) else out

    return wrapper


def _check_shape(name: str, x, trailing: tuple[int | None, ...]) -> None:
    """ValueError unless ``x`` has at least ``len(trailing)`` dims ending in ``trailing`` (None = any size)."""
    shape = tuple(x.shape)
    ok = len(shape) >= len(trailing) and all(
        want is None or got == want for got, want in zip(shape[len(shape) - len(trailing) :], trailing)
    )
    if not ok:
        want = "[..., " + ", ".join("J" if d is None else str(d) for d in trailing) + "]"
        raise ValueError(f"{name} must be {want}, got shape {list(shape)}")


def _check_joints(**arrays) -> None:
    """ValueError unless every ``[..., J, C]`` / ``[..., J]`` array has the same J (given as (array, J axis))."""
    counts = {name: int(x.shape[axis]) for name, (x, axis) in arrays.items() if x is not None}
    if len(set(counts.values())) > 1:
        raise ValueError(f"joint counts differ: {counts}")


# Focal length of the canonical camera the model sees, in its screen units: a model input point is
# ``CANONICAL_FOCAL * (u - cx) / fx`` (about +-1 across the width of a 53 degree view).
CANONICAL_FOCAL = 2.0


def rotation_between(a, b) -> np.ndarray:
    """The smallest rotation ``R [3, 3]`` with ``R @ a = b`` for directions ``a``, ``b`` (3 numbers each, any
    nonzero length): Rodrigues' formula about ``a x b``; for opposite directions a half turn about the
    coordinate axis least aligned with ``a``, made perpendicular to it."""
    a = np.asarray(a, np.float64).reshape(3)
    b = np.asarray(b, np.float64).reshape(3)
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    cos = float(a @ b)
    if cos < -1 + 1e-9:
        axis = np.eye(3)[int(np.argmin(np.abs(a)))]
        axis = axis - (axis @ a) * a
        axis /= np.linalg.norm(axis)
        return 2.0 * np.outer(axis, axis) - np.eye(3)
    v = np.cross(a, b)
    cross = np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])
    return np.eye(3) + cross + cross @ cross / (1.0 + cos)


@_numpy_compatible
def canonical_screen(uv, intrinsics):
    """Pixels -> the model's 2D input: the point as the canonical camera would see it.

    ``u' = F (u - cx) / fx``, ``v' = F (v - cy) / fy`` with ``F = CANONICAL_FOCAL``: the keypoint
    re-expressed in the camera's focal units, so the input does not depend on the image's size,
    aspect or orientation (a portrait and a landscape frame of the same camera give the same
    input), only on where the ray points. The map is affine per axis, so the camera's lens
    distortion carries over unchanged (:func:`canonical_intrinsics`). ``uv [..., J, 2]`` and
    ``intrinsics [..., 9]`` in pixels, broadcast like :func:`project` (one camera per ``[..., J]``).
    """
    _check_shape("uv", uv, (2,))
    _check_shape("intrinsics", intrinsics, (9,))
    focal, centre, _, _ = _split(torch.as_tensor(intrinsics, dtype=uv.dtype))  # [..., 1, 2] over the joints
    return CANONICAL_FOCAL * (uv - centre) / focal


@_numpy_compatible
def canonical_intrinsics(intrinsics):
    """Pixel intrinsics ``[..., 9]`` -> the canonical camera the model input lives in.

    Focal lengths ``CANONICAL_FOCAL``, principal point 0, the same distortion coefficients (they act
    on x/z and are unit-free). Projecting with it gives ``canonical_screen(project(X, intrinsics))``.
    """
    _check_shape("intrinsics", intrinsics, (9,))
    out = intrinsics.clone()
    out[..., 0:2] = CANONICAL_FOCAL
    out[..., 2:4] = 0.0
    return out


def _split(intrinsics):
    """``[..., 9]`` -> focal ``[..., 1, 2]``, centre ``[..., 1, 2]``, k ``[..., 1, 3]``, p ``[..., 1, 2]``."""
    k9 = intrinsics.unsqueeze(-2)
    return k9[..., 0:2], k9[..., 2:4], k9[..., 4:7], k9[..., 7:9]


def _distort(xy, k, p):
    """Human3.6M distortion of ideal image-plane points ``xy [..., J, 2]`` (x/z, y/z)."""
    r2 = (xy * xy).sum(dim=-1, keepdim=True)
    radial = 1.0 + k[..., 0:1] * r2 + k[..., 1:2] * r2**2 + k[..., 2:3] * r2**3
    tangential = (p * xy).sum(dim=-1, keepdim=True)
    return xy * (radial + tangential) + p * r2


@_numpy_compatible
def project(points, intrinsics, eps: float = 1e-6):
    """Project camera-frame points ``[..., J, 3]`` with intrinsics ``[..., 9]`` -> ``[..., J, 2]``.

    The intrinsics' leading dimensions broadcast against the points' (without J). Units: the
    output is in the intrinsics' units (pixels, or the model's canonical screen units after
    :func:`canonical_intrinsics`); the point unit cancels. Depths below ``eps`` are clamped so
    that a point behind the camera gives a large finite value instead of inf/NaN.
    """
    _check_shape("points", points, (None, 3))
    _check_shape("intrinsics", intrinsics, (9,))
    f, c, k, p = _split(intrinsics.to(points.dtype))
    z = points[..., 2:3].clamp_min(eps)
    xy = points[..., :2] / z
    return f * _distort(xy, k, p) + c


@_numpy_compatible
def undistort_image_plane(uv, intrinsics, iterations: int = 20):
    """Pixels ``[..., J, 2]`` -> ideal (undistorted) image-plane coordinates x/z, y/z.

    Inverts the distortion of :func:`project` by fixed-point iteration (exact for zero
    distortion; converges for the mild distortions of real lenses).
    """
    _check_shape("uv", uv, (None, 2))
    _check_shape("intrinsics", intrinsics, (9,))
    f, c, k, p = _split(intrinsics.to(uv.dtype))
    distorted = (uv - c) / f
    # Without distortion the iteration is the identity: skip it on the CPU, where asking costs nothing; on a
    # GPU asking would wait for the device (a host sync), and 20 small element-wise steps cost less.
    if uv.device.type == "cpu" and not bool((k != 0).any() or (p != 0).any()):
        return distorted
    xy = distorted
    on_cpu = uv.device.type == "cpu"
    for _ in range(iterations):
        r2 = (xy * xy).sum(dim=-1, keepdim=True)
        radial = 1.0 + k[..., 0:1] * r2 + k[..., 1:2] * r2**2 + k[..., 2:3] * r2**3
        tangential = (p * xy).sum(dim=-1, keepdim=True)
        xy, previous = (distorted - p * r2) / (radial + tangential), xy
        # A step that changes no bit is a fixed point: every later step repeats it. On the CPU asking is free and
        # a live frame's few keypoints stop after a handful of the 20 steps (the same numbers, bit for bit).
        if on_cpu and torch.equal(xy, previous):
            break
    return xy


@_numpy_compatible
def solve_root_translation(relative, keypoints_2d, intrinsics, weights=None, ridge: float = 1e-9):
    """Closed-form translation that best explains 2D keypoints with a root-relative 3D pose.

    For joint j with root-relative position ``X_j`` and undistorted image-plane point
    ``(u_j, v_j)``, the pinhole model ``u_j (Z_j + t_z) = X_j + t_x`` (same for v, y) is linear in
    ``t``: ``t_x - u_j t_z = u_j Z_j - X_j`` and ``t_y - v_j t_z = v_j Z_j - Y_j``. The 2J
    equations are solved by weighted linear least squares (3x3 normal equations in closed form, float64).

    Args:
        relative: ``[..., J, 3]`` root-relative joints (any length unit; ``t`` comes out in it).
        keypoints_2d: ``[..., J, 2]`` pixels; NaN marks a missing joint.
        intrinsics: ``[..., 9]`` pixel intrinsics (broadcast over the leading dims).
        weights: ``[..., J]`` per-joint weights (confidence or a 0/1 mask); None = all ones.
            Joints with NaN 2D or 3D get weight 0.
        ridge: relative Tikhonov term that keeps the solve finite when too few joints are valid
            (the translation then shrinks towards 0 instead of becoming NaN).

    Returns:
        ``[..., 3]`` translation, same dtype as ``relative``.
    """
    _check_shape("relative", relative, (None, 3))
    _check_shape("keypoints_2d", keypoints_2d, (None, 2))
    _check_shape("intrinsics", intrinsics, (9,))
    _check_joints(relative=(relative, -2), keypoints_2d=(keypoints_2d, -2), weights=(weights, -1))
    dtype = relative.dtype
    rel = relative.to(torch.float64)
    uv = keypoints_2d.to(torch.float64)
    valid = torch.isfinite(uv).all(-1) & torch.isfinite(rel).all(-1)
    w = valid.to(torch.float64)
    if weights is not None:
        w = w * torch.nan_to_num(weights.to(torch.float64), nan=0.0).clamp_min(0.0)
    rel = torch.where(valid[..., None], rel, torch.zeros_like(rel))
    # Undistort before broadcasting against the pose's leading dims (H hypotheses share one 2D).
    xy = undistort_image_plane(torch.where(torch.isfinite(uv), uv, torch.zeros_like(uv)), intrinsics.to(torch.float64))
    xy = torch.where(valid[..., None], xy, torch.zeros_like(xy))
    u, v = xy[..., 0], xy[..., 1]
    bx = u * rel[..., 2] - rel[..., 0]
    by = v * rel[..., 2] - rel[..., 1]
    # Normal equations M t = r with M = [[s, 0, -su], [0, s, -sv], [-su, -sv, q]] + lambda I.
    s, su, sv = w.sum(-1), (w * u).sum(-1), (w * v).sum(-1)
    q = (w * (u * u + v * v)).sum(-1)
    r1, r2, r3 = (w * bx).sum(-1), (w * by).sum(-1), -(w * (u * bx + v * by)).sum(-1)
    lam = ridge * (2 * s + q).clamp_min(1.0)  # relative Tikhonov term: ridge x trace(M)
    a, e = s + lam, q + lam
    # closed form of the 3x3 solve (block structure: eliminate tx, ty, then tz)
    tz = (a * r3 + su * r1 + sv * r2) / (a * e - su * su - sv * sv)
    tx = (r1 + su * tz) / a
    ty = (r2 + sv * tz) / a
    return torch.stack([tx, ty, tz], dim=-1).to(dtype)


@_numpy_compatible
def snap_to_rays(relative, keypoints_2d, intrinsics, weights=None, root: int = 0):
    """A root-relative pose moved onto the camera rays of its 2D keypoints, keeping every joint's depth.

    The pose is placed by :func:`solve_root_translation`; then each joint with a finite keypoint
    moves to the point of its ray ``(x, y, 1) Z_j`` (undistorted image plane) at its own depth
    ``Z_j``, so the result reprojects exactly onto the keypoints; joints without one keep their
    place. Only the depths come from the pose -- the 2D decides x and y.

    Args:
        relative: ``[..., J, 3]`` root-relative pose (any length unit).
        keypoints_2d: ``[..., J, 2]`` pixels; NaN marks a missing joint.
        intrinsics: ``[..., 9]`` pixel intrinsics.
        weights: ``[..., J]`` weights of the root solve; None = all ones.
        root: index of the root joint the result is centred on (0: the H36M-17 pelvis).

    Returns:
        ``[..., J, 3]`` root-relative pose, same unit and dtype as ``relative``.
    """
    _check_shape("relative", relative, (None, 3))
    _check_shape("keypoints_2d", keypoints_2d, (None, 2))
    _check_shape("intrinsics", intrinsics, (9,))
    dtype = relative.dtype
    rel = relative.to(torch.float64)
    placed = rel + solve_root_translation(rel, keypoints_2d, intrinsics, weights)[..., None, :]
    uv = keypoints_2d.to(torch.float64)
    finite = torch.isfinite(uv).all(-1, keepdim=True) & (placed[..., 2:3] > 0)
    xy = undistort_image_plane(torch.where(torch.isfinite(uv), uv, torch.zeros_like(uv)), intrinsics.to(torch.float64))
    on_ray = torch.cat([xy * placed[..., 2:3], placed[..., 2:3]], dim=-1)
    snapped = torch.where(finite, on_ray, placed)
    return (snapped - snapped[..., root : root + 1, :]).to(dtype)
