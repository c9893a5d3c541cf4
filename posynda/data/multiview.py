"""Several calibrated views of the same people: who is who across views, and where their joints are in 3D.

* **Epipolar geometry** (Hartley & Zisserman, ch. 9): a point ``x_a`` in view a lies, in view b, on the line
  ``E_ab x_a`` with the essential matrix ``E_ab = [t_ab]_x R_ab`` (eq. 9.12), in undistorted normalised image
  coordinates (``posynda.camera.undistort_image_plane``); its distance from that line, times b's focal length,
  is in pixels.
* **Association**: the tracks of one person in different views agree epipolarly over the frames they share.
  :func:`associate` joins tracks greedily, cheapest pair first (median over shared frames of the median
  distance over joints seen in both), while the cost is below ``max_px``; a group never holds two tracks of one
  view that overlap in time (the same view may hold one person's track before and after an id switch).
* **Sequences of a clip file** (:func:`people_across_views`): each sequence of unlabelled target clips, with the
  camera that filmed it, becomes a track (its ``source_frame`` numbers, 2D and confidences), associated the
  same way -- which of the target's sequences are one person seen by several cameras.
* **Triangulation**: linear (DLT, H&Z eq. 12.2) per joint and frame from every view that sees it, each row
  weighted by the keypoint's score, then the reprojection error per view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posynda.camera import project, undistort_image_plane
from posynda.data.calibration import CalibratedCamera
from posynda.data.clips import ClipSet


def normalised(camera: CalibratedCamera, pixels: np.ndarray) -> np.ndarray:
    """Pixels ``[..., 2]`` -> undistorted normalised image coordinates ``[..., 2]`` (x/z, y/z)."""
    flat = np.asarray(pixels, np.float64).reshape(-1, 1, 2)
    out = undistort_image_plane(flat, camera.intrinsics)
    return np.asarray(out).reshape(np.shape(pixels))


def essential(a: CalibratedCamera, b: CalibratedCamera) -> np.ndarray:
    """``[3, 3]`` E with ``x_b^T E x_a = 0`` for homogeneous normalised points of one world point (eq. 9.12)."""
    rotation = b.rotation @ a.rotation.T
    t = b.translation - rotation @ a.translation
    cross = np.array([[0.0, -t[2], t[1]], [t[2], 0.0, -t[0]], [-t[1], t[0], 0.0]])
    return cross @ rotation


def epipolar_px(a: CalibratedCamera, points_a: np.ndarray, b: CalibratedCamera, points_b: np.ndarray) -> np.ndarray:
    """Distance ``[...]`` px of ``points_b [..., 2]`` from the epipolar lines of ``points_a [..., 2]`` in view b."""
    xa = np.concatenate([normalised(a, points_a), np.ones(np.shape(points_a)[:-1] + (1,))], axis=-1)
    xb = np.concatenate([normalised(b, points_b), np.ones(np.shape(points_b)[:-1] + (1,))], axis=-1)
    lines = xa @ essential(a, b).T
    distance = np.abs((lines * xb).sum(-1)) / np.maximum(np.linalg.norm(lines[..., :2], axis=-1), 1e-12)
    return distance * float(b.intrinsics[0] + b.intrinsics[1]) / 2.0


@dataclass
class ViewTrack:
    """One person's track in one view: ``frames [F]`` (increasing frame numbers), ``keypoints [F, J, 2]`` px
    and ``scores [F, J]`` in [0, 1]."""

    view: int
    id: int
    frames: np.ndarray
    keypoints: np.ndarray
    scores: np.ndarray


def track_cost(a: ViewTrack, b: ViewTrack, cameras: list[CalibratedCamera], min_score: float = 0.5,
               min_frames: int = 5) -> float:  # fmt: skip
    """Median over the frames ``a`` and ``b`` share of the median epipolar distance (px, in b) of the joints both
    see; inf when they share fewer than ``min_frames`` frames."""
    shared, ia, ib = np.intersect1d(a.frames, b.frames, return_indices=True)
    if len(shared) < min_frames:
        return float("inf")
    distance = epipolar_px(cameras[a.view], a.keypoints[ia], cameras[b.view], b.keypoints[ib])
    seen = (a.scores[ia] >= min_score) & (b.scores[ib] >= min_score)
    per_frame = [np.median(d[s]) for d, s in zip(distance, seen) if s.sum() >= 3]
    return float(np.median(per_frame)) if len(per_frame) >= min_frames else float("inf")


def associate(tracks: list[ViewTrack], cameras: list[CalibratedCamera], max_px: float = 50.0) -> list[list[int]]:
    """Groups of indices into ``tracks``, one group per person (largest first); a track with no partner under
    ``max_px`` is a group of its own."""
    groups = {i: [i] for i in range(len(tracks))}
    owner = list(range(len(tracks)))
    pairs = sorted(
        (track_cost(tracks[i], tracks[j], cameras), i, j)
        for i in range(len(tracks))
        for j in range(i + 1, len(tracks))
        if tracks[i].view != tracks[j].view
    )

    def clash(x: list[int], y: list[int]) -> bool:
        return any(tracks[i].view == tracks[j].view and np.intersect1d(tracks[i].frames, tracks[j].frames).size
                   for i in x for j in y)  # fmt: skip

    for cost, i, j in pairs:
        gi, gj = owner[i], owner[j]
        if cost > max_px or gi == gj or clash(groups[gi], groups[gj]):
            continue
        groups[gi].extend(groups.pop(gj))
        for k in groups[gi]:
            owner[k] = gi
    return sorted(groups.values(), key=lambda g: (-sum(len(tracks[k].frames) for k in g), min(g)))


def triangulate(cameras: list[CalibratedCamera], keypoints: np.ndarray, scores: np.ndarray,
                min_score: float = 0.5) -> np.ndarray:  # fmt: skip
    """World points ``[F, J, 3]`` mm (NaN where fewer than two views see a joint) from ``keypoints [V, F, J, 2]``
    px of views ``cameras [V]`` and ``scores [V, F, J]`` (NaN keypoints or scores below ``min_score``: unseen).
    DLT (H&Z eq. 12.2) in normalised coordinates, each view's two rows weighted by its score."""
    keypoints = np.asarray(keypoints, np.float64)
    scores = np.where(np.isfinite(keypoints).all(-1), np.nan_to_num(np.asarray(scores, np.float64)), 0.0)
    weights = np.where(scores >= min_score, scores, 0.0)  # [V, F, J]
    rows = []
    for camera, points, w in zip(cameras, np.nan_to_num(keypoints), weights):
        xy = normalised(camera, points)  # [F, J, 2]
        pose = np.concatenate([camera.rotation, camera.translation[:, None]], axis=1)  # [3, 4] (mm)
        rows.append(w[..., None] * (xy[..., 0:1] * pose[2] - pose[0]))
        rows.append(w[..., None] * (xy[..., 1:2] * pose[2] - pose[1]))
    system = np.stack(rows, axis=-2)  # [F, J, 2V, 4]
    _, _, vt = np.linalg.svd(system)
    homogeneous = vt[..., -1, :]
    points = homogeneous[..., :3] / np.where(np.abs(homogeneous[..., 3:]) > 1e-12, homogeneous[..., 3:], np.nan)
    points[(weights > 0).sum(0) < 2] = np.nan
    return points


def reprojection_px(camera: CalibratedCamera, points_world: np.ndarray, keypoints: np.ndarray) -> np.ndarray:
    """Distance ``[F, J]`` px between ``keypoints [F, J, 2]`` and the projection of ``points_world [F, J, 3]``."""
    projected = np.asarray(project(camera.to_camera(points_world), camera.intrinsics))
    return np.linalg.norm(projected - keypoints, axis=-1)


def sequence_tracks(clips: ClipSet, views: list[int]) -> list[ViewTrack]:
    """One :class:`ViewTrack` per sequence ``s`` of ``clips`` (``id`` = s): seen by camera ``views[s]``, on its
    ``source_frame`` numbers (synchronised cameras number their frames alike), its 2D (px) and confidences
    (0 where a keypoint is missing)."""
    if len(views) != clips.num_sequences:
        raise ValueError(f"{len(views)} views for {clips.num_sequences} sequences")
    tracks = []
    for s, frames in clips.iter_sequences():
        keypoints = clips.keypoints_2d[frames].astype(np.float64)
        seen = np.isfinite(keypoints).all(-1)
        scores = np.where(seen, clips.confidence_or_ones()[frames], 0.0)
        tracks.append(ViewTrack(int(views[s]), s, clips.source_frames(s), np.nan_to_num(keypoints), scores))
    return tracks


def people_across_views(clips: ClipSet, views: list[int], cameras: list[CalibratedCamera],
                        max_px: float = 50.0) -> list[list[int]]:  # fmt: skip
    """Groups of sequence indices of ``clips`` that are one person filmed by two or more of ``cameras``
    (``views[s]``: the index of sequence s's camera), by :func:`associate` on their 2D (:func:`sequence_tracks`)."""
    tracks = sequence_tracks(clips, views)
    groups = associate(tracks, cameras, max_px)
    return [sorted(tracks[k].id for k in g) for g in groups if len({tracks[k].view for k in g}) >= 2]
