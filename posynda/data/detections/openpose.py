"""OpenPose ``--write_json`` output: a folder of one JSON file per frame (or one such file).

Layout: ``<name>_000000000012_keypoints.json`` per frame (the frame number is the last digit run of
the file name), each::

    {"version": 1.3,
     "people": [{"person_id": [-1],                       # -1: untracked (an id with --tracking)
                 "pose_keypoints_2d": [x, y, c] * 25 | * 18,   # BODY_25 or COCO-18, pixels
                 ...face / hand keypoints, not used}, ...]}

A joint written as ``0, 0, 0`` is missing, as is one whose ``c`` is under the minimum confidence.
BODY_25 and COCO-18 are converted by the COCO rule (pelvis = mid-hips, thorax = mid-shoulders, ...;
OpenPose's own neck and mid-hip are not used). The files have no image size: give ``image_size``
(``--image-size WxH``); keypoints written with ``--keypoint_scale`` other than 0 (normalised) are
flagged.
"""

from __future__ import annotations

import numpy as np

from posynda.data.detections.assemble import assemble
from posynda.data.detections.people import Person, Video, frames_from, keypoint_triplets, stem, track_id
from posynda.data.detections.probe import Probe, require
from posynda.data.detections.read_options import ReadOptions
from posynda.errors import InputError

WHAT = "OpenPose JSON (a folder of <name>_<frame>_keypoints.json files with 'people' / 'pose_keypoints_2d')"
PATTERN = "*_keypoints.json"
ORDERS = {25: "body25", 18: "coco18"}


def looks_like(probe: Probe) -> bool:
    if probe.kind == "folder":
        return bool(probe.json_files(PATTERN))
    return probe.kind == "json" and isinstance(probe.payload, dict) and "people" in probe.payload


def frame_people(payload, source) -> list[Person]:
    """The people of one OpenPose frame file (0, 0, 0 joints set missing)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("people"), list):
        raise InputError(f"{source}: not an OpenPose keypoint file (no 'people' list); expected {WHAT}")
    people = []
    for i, entry in enumerate(payload["people"]):
        flat = entry.get("pose_keypoints_2d") if isinstance(entry, dict) else None
        if not flat:  # OpenPose writes [] when the body model is off
            continue
        kp, c = keypoint_triplets(flat, source, f"person {i}")
        if len(kp) not in ORDERS:
            raise InputError(f"{source}: person {i} has {len(kp)} body joints; expected 25 (BODY_25) or 18 (COCO)")
        zero = (kp[:, 0] == 0) & (kp[:, 1] == 0) & (c == 0)
        kp[zero] = np.nan
        people.append(Person(kp, c, track_id(entry.get("person_id"))))
    return people


def read(probe: Probe, options: ReadOptions):
    """An OpenPose folder (or one frame file) -> ``(ClipSet, DetectionReport)``, H36M-17 pixels."""
    if probe.kind == "folder":
        files = probe.json_files(PATTERN)
        if not files:
            raise InputError(f"{probe.path}: a folder without {PATTERN} files; expected {WHAT}")
        per_file = {f.name: frame_people(probe.folder_json(f), f) for f in files}
    else:
        require(probe, "json", WHAT)
        per_file = {probe.path.name: frame_people(probe.payload, probe.path)}
    counts = {len(p.keypoints) for people in per_file.values() for p in people}
    if len(counts) > 1:
        raise InputError(f"{probe.path}: people have different joint counts {sorted(counts)} (BODY_25 and COCO mixed)")
    frames, note = frames_from([(name, p) for name, people in per_file.items() for p in people], list(per_file))
    video = Video(stem(probe.path), frames, ORDERS[counts.pop()] if counts else "body25", notes=[note] if note else [])
    return assemble([video], options, probe.path, "openpose", "OpenPose JSON")
