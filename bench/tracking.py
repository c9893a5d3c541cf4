"""How well one view's tracker follows people, judged by the multi-view triangulation (``bench realvideo``).

In each frame every triangulated person is projected into the view; they are **visible** there when at least
``MIN_INSIDE`` of their keypoints project in front of the camera and inside the picture. The view's detections
of that frame (its tracks' keypoints) are matched to the projected people, best first, by the intersection over
union of their boxes (of the keypoints the detector saw, score >= ``MIN_SCORE``, and of the projected keypoints
inside the picture), from ``MIN_IOU`` (CLEAR-MOT's 0.5). Per person: the
frames they are visible, the share of those a track covers, and the **id switches** -- the times the track
covering them differs from the one that covered them last (the CLEAR-MOT count, Bernardin & Stiefelhagen 2008);
per view, the detections that match nobody. The truth is made of the same tracks (associated whole), so a
switch that the triangulation absorbed can go unseen; the four views make that unlikely.
"""

from __future__ import annotations

import numpy as np

from posynda.camera import project
from posynda.data.calibration import CalibratedCamera
from posynda.data.multiview import ViewTrack

MIN_INSIDE = 0.5  # share of a person's keypoints projecting into the picture for them to count as visible
MIN_SCORE = 0.5  # least detector score of a keypoint in a detection's box
MIN_IOU = 0.5  # least box overlap of a match


def _projected(camera: CalibratedCamera, world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``world [J, 3]`` mm -> pixels ``[J, 2]`` (NaN behind the camera) and whether each lies in the picture."""
    seen = camera.to_camera(world)
    ahead = seen[:, 2] > 1.0
    pixels = np.asarray(project(np.where(ahead[:, None], seen, np.nan), camera.intrinsics))
    width, height = camera.image_size
    inside = ahead & (pixels[:, 0] >= 0) & (pixels[:, 0] < width) & (pixels[:, 1] >= 0) & (pixels[:, 1] < height)
    return pixels, inside


def _box(pixels: np.ndarray, use: np.ndarray) -> np.ndarray | None:
    """``[x0, y0, x1, y1]`` of ``pixels[use]`` (``[J, 2]``), None with fewer than 2 points."""
    points = pixels[use & np.isfinite(pixels).all(-1)]
    return np.concatenate([points.min(0), points.max(0)]) if len(points) >= 2 else None


def box_iou(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """Intersection over union of two ``[x0, y0, x1, y1]`` boxes (0 when either is None or empty)."""
    if a is None or b is None:
        return 0.0
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(width, 0.0) * max(height, 0.0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def view_tracking(camera: CalibratedCamera, worlds: list[np.ndarray], tracks: list[ViewTrack]) -> dict:
    """The measures of the module docstring for one view: ``worlds`` the triangulated people ``[F, J, 3]`` mm
    (NaN where not triangulated), ``tracks`` this view's tracks (the same keypoint order)."""
    frames = worlds[0].shape[0] if worlds else 0
    by_frame: dict[int, list[tuple[int, np.ndarray, np.ndarray]]] = {}
    for track in tracks:
        for t, keypoints, scores in zip(track.frames, track.keypoints, track.scores):
            by_frame.setdefault(int(t), []).append((track.id, keypoints, scores))
    visible = np.zeros((len(worlds), frames), bool)
    covered_by: list[list[int | None]] = [[None] * frames for _ in worlds]
    unmatched = 0
    for t in range(frames):
        boxes = []
        for p, world in enumerate(worlds):
            pixels, inside = _projected(camera, world[t])
            visible[p, t] = inside.mean() >= MIN_INSIDE
            boxes.append(_box(pixels, inside))
        detections = by_frame.get(t, [])
        pairs = sorted(((-box_iou(boxes[p], _box(kp, sc >= MIN_SCORE)), p, d) for p in range(len(worlds))
                        for d, (_, kp, sc) in enumerate(detections)))  # fmt: skip
        people_done, detections_done = set(), set()
        for negative_iou, p, d in pairs:
            if -negative_iou < MIN_IOU or p in people_done or d in detections_done:
                continue
            people_done.add(p)
            detections_done.add(d)
            covered_by[p][t] = detections[d][0]
        unmatched += len(detections) - len(detections_done)
    people = []
    for p in range(len(worlds)):
        ids = [covered_by[p][t] for t in range(frames) if visible[p, t] and covered_by[p][t] is not None]
        switches = sum(a != b for a, b in zip(ids, ids[1:]))
        seen = int(visible[p].sum())
        people.append({"person": p, "visible_frames": seen, "covered_frames": len(ids),
                       "covered_pct": 100.0 * len(ids) / seen if seen else None, "id_switches": switches,
                       "tracks": sorted(set(ids))})  # fmt: skip
    return {"camera": camera.name, "frames": frames, "people": people, "unmatched_detections": unmatched}
