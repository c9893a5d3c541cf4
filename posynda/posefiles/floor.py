"""The floor under lifted poses, and the world frame that stands on it.

Lifted poses are absolute camera-frame positions (mm; x right, y down, z forward, the camera centre
at the origin; docs/CONVENTIONS.md). People stand on a floor, so the feet show where it is:

1. **Contact points.** In every frame the lower of the two ankles (H36M joints 3 and 6, "lower"
   along the current estimate of up; the camera's up, -y, to start) is a candidate; of these, the
   slowest half (ankle speed between consecutive frames of a sequence, mm per frame) is kept: a foot
   that does not move is most likely planted.
2. **Plane.** RANSAC over the contact points (:data:`RANSAC_ITERATIONS` planes through 3 points,
   seeded, so the result is deterministic; a point is an inlier within :data:`INLIER_MM` of the
   plane; a point more than that below the plane counts against it, since feet do not go through
   the floor), then least squares (SVD) on the inliers, twice. Steps 1-2 run twice, the second time
   with the fitted normal as up. The normal is turned to point towards the bodies (the median root).
3. **Floor.** The ankle joint stands :data:`ANKLE_HEIGHT_MM` above the sole, so the floor is the
   ankle plane moved down by it (the embedded domains use the same 80 mm).

The estimate is refused -- :class:`FloorEstimate` then carries no floor but a one-line reason, and
the writers fall back to camera coordinates -- when there are no absolute poses, fewer than
:data:`MIN_FRAMES` frames with finite ankles, fewer than :data:`MIN_CONTACTS` contact points, under
:data:`MIN_INLIER_FRACTION` of the contact points on the plane (the feet do not share a floor), the
contact points lie within :data:`MIN_SPREAD_MM` of a line (a person standing still or walking a
straight line on a rope: the plane's tilt about that line is unknown), the tilt is uncertain (the
inliers' distance from the plane, rms, against their spread across that line:
``atan(rms / spread)`` over :data:`MAX_TILT_UNCERTAINTY_DEG`; on the embedded studio domain's lifts
this bound kept the fits whose normal was within 3 deg of the true floor's), the normal is more than
:data:`MAX_TILT_DEG` from the camera's up (-y; a camera pitched or rolled that far is unlikely, a
wrong plane likely), or the camera would be below the floor.

The world frame (:class:`WorldFrame`), mm: origin on the floor below the root (pelvis) of the first
frame, z up (the floor's normal), x the camera's x axis (image right) projected on the floor,
y = z x x (forward along the floor, away from the camera); right-handed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posynda.skeleton import NUM_JOINTS, ROOT

ANKLES = (3, 6)  # r_ankle, l_ankle (H36M)
CAMERA_UP = np.array([0.0, -1.0, 0.0])  # the camera's up in its own frame (y down)

ANKLE_HEIGHT_MM = 80.0  # ankle joint above the floor when the foot is planted
MIN_FRAMES = 20  # frames with finite ankles
MIN_CONTACTS = 10  # contact points after the speed filter
STILL_FRACTION = 0.5  # the slowest half of the lower-ankle candidates are contacts
INLIER_MM = 40.0  # a contact point within this of the plane is on it
MIN_INLIER_FRACTION = 0.6  # of the contact points on the plane
MIN_SPREAD_MM = 50.0  # standard deviation of the inliers across their main direction, in the plane
MAX_TILT_UNCERTAINTY_DEG = 4.0  # atan(rms / spread) of the inliers
MAX_TILT_DEG = 45.0  # between the floor normal and the camera's up
RANSAC_ITERATIONS = 200
SEED = 0


@dataclass(frozen=True)
class Floor:
    """A floor plane in the camera frame.

    Attributes:
        normal: ``[3]`` unit normal, camera frame, pointing up (towards the people).
        camera_height_mm: height of the camera centre above the floor, mm; the height of a
            camera-frame point ``p`` is ``p @ normal + camera_height_mm``.
        pitch_deg: how far the optical axis (camera z) points below the horizon, degrees (+: down).
        roll_deg: how far the camera's x axis (image right) points above the horizon, degrees.
        tilt_deg: angle between ``normal`` and the camera's up (-y), degrees.
        contacts: contact points the plane was fitted to.
        inlier_fraction: share of them within :data:`INLIER_MM` of the ankle plane.
        rms_mm: root-mean-square distance of the inliers from the ankle plane, mm.
        spread_mm: standard deviation of the inliers across their main direction in the plane, mm.
        tilt_uncertainty_deg: ``atan(rms_mm / spread_mm)``, degrees.
    """

    normal: np.ndarray
    camera_height_mm: float
    pitch_deg: float
    roll_deg: float
    tilt_deg: float
    contacts: int
    inlier_fraction: float
    rms_mm: float
    spread_mm: float
    tilt_uncertainty_deg: float

    def height(self, points: np.ndarray) -> np.ndarray:
        """Heights above the floor (mm) of camera-frame points ``[..., 3]`` (mm)."""
        return np.asarray(points, np.float64) @ self.normal + self.camera_height_mm

    def to_dict(self) -> dict:
        """JSON-ready summary (floats rounded: normal to 1e-6, lengths to 0.1 mm, angles to 0.01 deg)."""
        return {
            "normal_camera": [round(float(v), 6) for v in self.normal],
            "camera_height_mm": round(self.camera_height_mm, 1),
            "pitch_deg": round(self.pitch_deg, 2),
            "roll_deg": round(self.roll_deg, 2),
            "tilt_deg": round(self.tilt_deg, 2),
            "contacts": self.contacts,
            "inlier_fraction": round(self.inlier_fraction, 3),
            "rms_mm": round(self.rms_mm, 1),
            "spread_mm": round(self.spread_mm, 1),
            "tilt_uncertainty_deg": round(self.tilt_uncertainty_deg, 2),
        }


@dataclass(frozen=True)
class FloorEstimate:
    """What :func:`estimate_floor` found: a floor, or None and the reason (one line)."""

    floor: Floor | None
    reason: str | None = None


@dataclass(frozen=True)
class WorldFrame:
    """A floor-based world frame: ``world = rotation @ (camera - origin)``, mm.

    Attributes:
        rotation: ``[3, 3]`` camera -> world; its rows are the world axes x, y, z in camera coordinates.
        origin: ``[3]`` the world origin in the camera frame, mm (on the floor).
    """

    rotation: np.ndarray
    origin: np.ndarray

    @classmethod
    def on_floor(cls, floor: Floor, root_mm: np.ndarray) -> "WorldFrame":
        """The world frame of the module docstring, with its origin below ``root_mm [3]`` (camera frame)."""
        z = floor.normal
        x = np.array([1.0, 0.0, 0.0]) - z[0] * z  # camera x projected on the floor
        x /= np.linalg.norm(x)  # nonzero: the normal is within MAX_TILT_DEG of -y
        y = np.cross(z, x)
        root = np.asarray(root_mm, np.float64)
        return cls(np.stack([x, y, z]), root - floor.height(root) * z)

    def to_world(self, points: np.ndarray) -> np.ndarray:
        """Camera-frame points ``[..., 3]`` mm -> world ``[..., 3]`` mm (float64)."""
        return (np.asarray(points, np.float64) - self.origin) @ self.rotation.T

    def rotate(self, vectors: np.ndarray) -> np.ndarray:
        """Camera-frame vectors ``[..., 3]`` (root-relative poses, say) in world axes (float64)."""
        return np.asarray(vectors, np.float64) @ self.rotation.T

    def to_dict(self) -> dict:
        return {
            "rotation": [[round(float(v), 9) for v in row] for row in self.rotation],
            "origin_mm": [round(float(v), 3) for v in self.origin],
        }


def estimate_floor(absolute_mm: np.ndarray | None, seq_index: np.ndarray | None = None) -> FloorEstimate:
    """Fit the floor under camera-frame poses (module docstring).

    Args:
        absolute_mm: ``[N, 17, 3]`` absolute camera-frame poses in mm, H36M order (NaN = missing), or
            None (no root positions: refused).
        seq_index: ``[N]`` sequence of each frame (frames of a sequence contiguous, in time order);
            ankle speeds are not taken across sequences. None = one sequence.

    Returns:
        A :class:`FloorEstimate`: the :class:`Floor`, or None and why not.
    """
    if absolute_mm is None:
        return FloorEstimate(None, "no absolute poses (the root positions are unknown)")
    points = np.asarray(absolute_mm, np.float64)
    if points.ndim != 3 or points.shape[1:] != (NUM_JOINTS, 3):
        raise ValueError(f"expected poses [N, {NUM_JOINTS}, 3], got {list(points.shape)}")
    seq = np.zeros(len(points), np.int64) if seq_index is None else np.asarray(seq_index)
    ankles = points[:, ANKLES]  # [N, 2, 3]
    ok = np.isfinite(ankles).all(axis=(1, 2))
    if ok.sum() < MIN_FRAMES:
        return FloorEstimate(None, f"{int(ok.sum())} frames with both ankles (at least {MIN_FRAMES} needed)")
    ankles, seq = ankles[ok], seq[ok]
    roots = points[ok, ROOT]
    speed = _ankle_speed(ankles, seq)
    rng = np.random.default_rng(SEED)
    up = CAMERA_UP
    for _ in range(2):
        contacts = _contacts(ankles, speed, up)
        if len(contacts) < MIN_CONTACTS:
            return FloorEstimate(None, f"{len(contacts)} foot contacts (at least {MIN_CONTACTS} needed)")
        normal, offset, inliers = _fit_plane(contacts, roots, rng)
        up = normal
    return _judge(contacts, normal, offset, inliers)


def _ankle_speed(ankles: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """``[N, 2]`` ankle displacement (mm) from the previous frame of the same sequence (the next one
    for a sequence's first frame; 0 for a one-frame sequence)."""
    step = np.linalg.norm(np.diff(ankles, axis=0), axis=-1)  # [N-1, 2]: frame t -> t+1
    same = (np.diff(seq) == 0)[:, None]
    back = np.vstack([np.full((1, 2), np.nan), np.where(same, step, np.nan)])
    ahead = np.vstack([np.where(same, step, np.nan), np.full((1, 2), np.nan)])
    return np.nan_to_num(np.where(np.isnan(back), ahead, back), nan=0.0)


def _contacts(ankles: np.ndarray, speed: np.ndarray, up: np.ndarray) -> np.ndarray:
    """``[M, 3]`` the lower ankle of each frame (along ``up``), the slowest ``STILL_FRACTION`` of them."""
    lower = np.argmin(ankles @ up, axis=1)
    rows = np.arange(len(ankles))
    points, still = ankles[rows, lower], speed[rows, lower]
    return points[still <= np.quantile(still, STILL_FRACTION)]


def _fit_plane(points: np.ndarray, roots: np.ndarray, rng: np.random.Generator):
    """RANSAC + least squares: ``(normal [3] towards the roots, offset, inlier mask)``; the ankle plane is
    ``p @ normal + offset = 0``."""
    picks = np.stack([rng.choice(len(points), 3, replace=False) for _ in range(RANSAC_ITERATIONS)])
    a, b, c = points[picks[:, 0]], points[picks[:, 1]], points[picks[:, 2]]
    normals = np.cross(b - a, c - a)
    length = np.linalg.norm(normals, axis=1)
    usable = length > 1e-6 * max(1.0, float(np.abs(points).max())) ** 2
    if not usable.any():  # every triple collinear: no plane at all
        normals, a = np.tile(CAMERA_UP, (1, 1)), points[:1]
    else:
        normals, a = normals[usable] / length[usable, None], a[usable]
    heights = np.einsum("pk,mk->pm", normals, points) - np.einsum("pk,pk->p", normals, a)[:, None]  # [P, M]
    toward = np.sign(np.median(roots, axis=0) @ normals.T - np.einsum("pk,pk->p", normals, a))  # root side +
    heights *= np.where(toward == 0, 1.0, toward)[:, None]
    score = (np.abs(heights) <= INLIER_MM).sum(1) - (heights < -INLIER_MM).sum(1)
    best = int(np.argmax(score))
    inliers = np.abs(heights[best]) <= INLIER_MM
    normal = normals[best]
    for _ in range(2):  # least squares on the inliers
        if inliers.sum() < 3:
            break
        centre = points[inliers].mean(axis=0)
        normal = np.linalg.svd(points[inliers] - centre, full_matrices=False)[2][-1]
        if (np.median(roots, axis=0) - centre) @ normal < 0:
            normal = -normal
        inliers = np.abs((points - centre) @ normal) <= INLIER_MM
    centre = points[inliers].mean(axis=0) if inliers.any() else points.mean(axis=0)
    return normal, -float(centre @ normal), inliers


def _judge(contacts: np.ndarray, normal: np.ndarray, offset: float, inliers: np.ndarray) -> FloorEstimate:
    """The checks of the module docstring on a fitted ankle plane."""
    fraction = float(inliers.mean())
    tilt = float(np.degrees(np.arccos(np.clip(normal @ CAMERA_UP, -1.0, 1.0))))
    if fraction < MIN_INLIER_FRACTION:
        return FloorEstimate(
            None,
            f"the ankles fit no plane: {fraction:.0%} of {len(contacts)} foot contacts within {INLIER_MM:.0f} mm "
            f"of the best one (at least {MIN_INLIER_FRACTION:.0%} needed)",
        )
    on = contacts[inliers]
    heights = on @ normal + offset
    rms = float(np.sqrt(np.mean(heights**2)))
    flat = on - on.mean(axis=0) - np.outer(heights - heights.mean(), normal)
    spread = float(np.linalg.svd(flat, compute_uv=False)[1] / np.sqrt(len(on)))
    if spread < MIN_SPREAD_MM:
        return FloorEstimate(
            None,
            f"the feet stay within {spread:.0f} mm of a line, so the floor's tilt is unknown "
            f"(at least {MIN_SPREAD_MM:.0f} mm across needed)",
        )
    uncertainty = float(np.degrees(np.arctan2(rms, spread)))
    if uncertainty > MAX_TILT_UNCERTAINTY_DEG:
        return FloorEstimate(
            None,
            f"the floor's tilt is uncertain by {uncertainty:.0f} deg (the feet are {rms:.0f} mm rms off the plane "
            f"over {spread:.0f} mm across; at most {MAX_TILT_UNCERTAINTY_DEG:.0f} deg)",
        )
    if tilt > MAX_TILT_DEG:
        return FloorEstimate(
            None, f"the ankle plane is {tilt:.0f} deg from the camera's up (-y); at most {MAX_TILT_DEG:.0f} deg"
        )
    camera_height = offset + ANKLE_HEIGHT_MM
    if camera_height <= 0:
        return FloorEstimate(None, f"the camera would be {-camera_height:.0f} mm below the floor")
    floor = Floor(
        normal=normal,
        camera_height_mm=float(camera_height),
        pitch_deg=float(np.degrees(np.arcsin(np.clip(-normal[2], -1.0, 1.0)))),
        roll_deg=float(np.degrees(np.arcsin(np.clip(normal[0], -1.0, 1.0)))),
        tilt_deg=tilt,
        contacts=len(contacts),
        inlier_fraction=fraction,
        rms_mm=rms,
        spread_mm=spread,
        tilt_uncertainty_deg=uncertainty,
    )
    return FloorEstimate(floor)
