"""A small two-person scene and writers of it in each detector's own file layout.

The expected H36M keypoints are computed here independently of posynda.skeleton, from the rule of
docs/CONVENTIONS.md (pelvis = mid-hips, thorax = mid-shoulders, spine = mid(pelvis, thorax), head =
mid-eyes, neck = nose). Coordinates are integers and scores multiples of 1/8, so every mean is exact
and the comparisons are exact.
"""

import io
import json

import numpy as np

SIZE = (1920, 1080)
FRAMES = 4
LOW = 0.25  # under the default minimum confidence 0.3

# A standing person, COCO-17 order, pixels relative to the mid-hips.
COCO_TEMPLATE = np.array(
    [
        [0, -170],  # nose
        [8, -178],  # l_eye
        [-8, -178],  # r_eye
        [16, -172],  # l_ear
        [-16, -172],  # r_ear
        [40, -120],  # l_shoulder
        [-40, -120],  # r_shoulder
        [50, -60],  # l_elbow
        [-50, -60],  # r_elbow
        [56, -4],  # l_wrist
        [-56, -4],  # r_wrist
        [26, 0],  # l_hip
        [-26, 0],  # r_hip
        [28, 90],  # l_knee
        [-28, 90],  # r_knee
        [30, 180],  # l_ankle
        [-30, 180],  # r_ankle
    ],
    np.float64,
)
# h36m joint -> the COCO joints it is the mean of
H36M_FROM_COCO = [(11, 12), (12,), (14,), (16,), (11,), (13,), (15,), (11, 12, 5, 6), (5, 6), (0,), (1, 2)]
H36M_FROM_COCO += [(5,), (7,), (9,), (6,), (8,), (10,)]
# COCO joint -> its index in OpenPose BODY_25 / COCO-18
BODY25_OF_COCO = [0, 16, 15, 18, 17, 5, 2, 6, 3, 7, 4, 12, 9, 13, 10, 14, 11]
COCO18_OF_COCO = [0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10]


def person(k: int, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Person ``k`` in frame ``t``: COCO keypoints [17, 2] (walking right) and scores [17]; person 1's
    left ankle is scored LOW (missing) and its right wrist 0.5."""
    kp = COCO_TEMPLATE + [400 + 800 * k + 10 * t, 500 + 2 * t]
    scores = np.full(17, 0.875)
    if k == 1:
        scores[15], scores[10] = LOW, 0.5
    return kp, scores


def scene(people=(0, 1), frames=FRAMES):
    """``[frame][i] = (k, keypoints, scores)``; in odd frames the people are listed in reverse order."""
    out = []
    for t in range(frames):
        order = list(people)[::-1] if t % 2 else list(people)
        out.append([(k, *person(k, t)) for k in order])
    return out


def expected_h36m(kp: np.ndarray, scores: np.ndarray, min_confidence=0.3):
    """H36M keypoints [17, 2] float32 and confidence [17] of one COCO person (docs/CONVENTIONS.md)."""
    out, conf = np.zeros((17, 2)), np.zeros(17)
    for j, sources in enumerate(H36M_FROM_COCO):
        src = list(sources)
        if (scores[src] < min_confidence).any():
            out[j], conf[j] = np.nan, 0.0
        else:
            out[j], conf[j] = kp[src].mean(0), scores[src].min()
    return out.astype(np.float32), conf.astype(np.float32)


def expected_track(k: int, frames=FRAMES):
    pairs = [expected_h36m(*person(k, t)) for t in range(frames)]
    return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])


def triplets(kp, scores) -> list[float]:
    return np.concatenate([kp, scores[:, None]], 1).ravel().tolist()


# ------------------------------------------------------------------------------------- writers
def write_coco(path, frames, ids="string", track_ids=False):
    """COCO keypoint results; image ids "000003.jpg" (``ids="string"``) or 3 (``"int"``)."""
    records = []
    for t, people in enumerate(frames):
        for k, kp, scores in people:
            rec = {"image_id": f"{t:06d}.jpg" if ids == "string" else t, "category_id": 1}
            rec.update(keypoints=triplets(kp, scores), score=0.9 - 0.1 * k)
            if track_ids:
                rec["track_id"] = 7 + k
            records.append(rec)
    path.write_text(json.dumps(records))
    return path


def halpe26(kp, scores):
    """COCO-17 + Halpe's head, neck, hip and six foot joints (26)."""
    extra = np.array([kp[0] + [0, -30], (kp[5] + kp[6]) / 2, (kp[11] + kp[12]) / 2, *([kp[15]] * 3), *([kp[16]] * 3)])
    return np.concatenate([kp, extra]), np.concatenate([scores, np.full(9, 0.875)])


def write_alphapose(path, frames, halpe=True, idx_as_list=False):
    """AlphaPose results: image_id "<t>.jpg", Halpe-26 keypoints, box, idx = k + 1 (tracked)."""
    records = []
    for t, people in enumerate(frames):
        for k, kp, scores in people:
            kp, scores = halpe26(kp, scores) if halpe else (kp, scores)
            lo, hi = kp.min(0), kp.max(0)
            records.append(
                {
                    "image_id": f"{t}.jpg",
                    "category_id": 1,
                    "keypoints": triplets(kp, scores),
                    "score": 2.5,
                    "box": [*lo.tolist(), *(hi - lo).tolist()],
                    "idx": [k + 1] if idx_as_list else k + 1,
                }
            )
    path.write_text(json.dumps(records))
    return path


def openpose_person(kp, scores, body25=True, zero=()):
    """``pose_keypoints_2d`` of a COCO person in BODY_25 (or COCO-18); joints in ``zero`` written 0, 0, 0."""
    n, index = (25, BODY25_OF_COCO) if body25 else (18, COCO18_OF_COCO)
    out = np.zeros((n, 3))
    for c, o in enumerate(index):
        out[o] = [*kp[c], scores[c]] if c not in zero else [0, 0, 0]
    out[1] = [*((kp[5] + kp[6]) / 2), 0.875]  # neck
    if body25:
        out[8] = [*((kp[11] + kp[12]) / 2), 0.875]  # mid-hip
        out[19:] = [[*kp[15], 0.875]] * 3 + [[*kp[16], 0.875]] * 3  # feet
    return out.ravel().tolist()


def write_openpose(folder, frames, body25=True, name="scene", zero=()):
    """One ``<name>_<12-digit frame>_keypoints.json`` per frame (person_id -1: untracked)."""
    folder.mkdir(parents=True, exist_ok=True)
    for t, people in enumerate(frames):
        entries = [
            {"person_id": [-1], "pose_keypoints_2d": openpose_person(kp, s, body25, zero), "face_keypoints_2d": []}
            for _, kp, s in people
        ]
        (folder / f"{name}_{t:012d}_keypoints.json").write_text(json.dumps({"version": 1.3, "people": entries}))
    return folder


def mmpose_instance(kp, scores, track=None):
    lo, hi = kp.min(0), kp.max(0)
    inst = {"keypoints": kp.tolist(), "keypoint_scores": scores.tolist(), "bbox": [[*lo, *hi]], "bbox_score": 0.97}
    return inst if track is None else {**inst, "track_id": track}


def write_mmpose(path, frames):
    """MMPoseInferencer's video predictions: ``[{frame_id, instances}]``."""
    payload = [
        {"frame_id": t, "instances": [mmpose_instance(kp, s) for _, kp, s in people]} for t, people in enumerate(frames)
    ]
    path.write_text(json.dumps(payload))
    return path


def write_videopose3d(path, videos: dict, sizes: dict | None = None, layout="coco"):
    """``data_2d_custom_<name>.npz``: ``videos`` = {name: keypoints [N, 17, 2 or 3]}."""
    sizes = sizes or {name: SIZE for name in videos}
    positions = {name: {"custom": [np.asarray(kp, np.float32)]} for name, kp in videos.items()}
    metadata = {
        "layout_name": layout,
        "num_joints": 17,
        "keypoints_symmetry": [[1, 3, 5, 7, 9, 11, 13, 15], [2, 4, 6, 8, 10, 12, 14, 16]],
        "video_metadata": {name: {"w": w, "h": h} for name, (w, h) in sizes.items()},
    }
    buffer = io.BytesIO()  # np.savez_compressed(path) would add ".npz" to any other name
    np.savez_compressed(buffer, positions_2d=positions, metadata=metadata)
    path.write_bytes(buffer.getvalue())
    return path


def video_keypoints(k: int, frames=FRAMES, with_scores=False) -> np.ndarray:
    """Person ``k`` over ``frames`` as VideoPose3D stores it: [N, 17, 2] (or 3 with the scores)."""
    rows = [
        np.concatenate([kp, s[:, None]], 1) if with_scores else kp for kp, s in (person(k, t) for t in range(frames))
    ]
    return np.stack(rows)
