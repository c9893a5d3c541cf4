"""Real 2D-detector outputs as posynda input: one reader per format behind :func:`read_detections`.

>>> from posynda.data.detections import ReadOptions, read_detections
>>> clips, report = read_detections("alphapose-results.json", options=ReadOptions(image_size=(1920, 1080)))
>>> print("\\n".join(report.lines()))

Formats (:data:`FORMATS`, detected from the content with ``format="auto"``): ``coco`` (COCO
keypoint results JSON, :mod:`.coco`), ``alphapose`` (:mod:`.alphapose`), ``openpose`` (a folder of
per-frame JSON, :mod:`.openpose`), ``mmpose`` (MMPoseInferencer predictions, :mod:`.mmpose`),
``videopose3d`` (``data_2d_custom_*.npz``, pickled dicts read by a data-only unpickler,
:mod:`.videopose3d`), ``video`` (any video ffmpeg decodes, people found by the offline BlazePose
detector: :mod:`.video`, :mod:`.blazepose`), ``posynda-json`` (:mod:`.posynda_json`) and ``clips`` (posynda clip files,
:mod:`.clip_files`). Every format ends as a :class:`~posynda.data.clips.ClipSet` in H36M-17 order,
pixels, one sequence per tracked person (:mod:`.tracking`, :mod:`.assemble`); the options are in
:mod:`.read_options`, the people per frame in :mod:`.people`, the report in :mod:`.report`.
"""

from posynda.data.detections.formats import DETECTION_FORMATS, FORMATS, DetectionFormat, detect_format, read_detections
from posynda.data.detections.posynda_json import read_json_keypoints, write_json_keypoints
from posynda.data.detections.read_options import (
    DEFAULT_MIN_CONFIDENCE,
    KEYPOINT_ORDERS,
    MAX_GAP,
    TRACK_IOU,
    TRACKINGS,
    KeypointOrder,
    ReadOptions,
    Tracking,
    default_intrinsics,
    fov_intrinsics,
)
from posynda.data.detections.report import DetectionReport, KeypointWarning, SequenceReport

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "DETECTION_FORMATS",
    "FORMATS",
    "KEYPOINT_ORDERS",
    "MAX_GAP",
    "TRACK_IOU",
    "TRACKINGS",
    "DetectionFormat",
    "DetectionReport",
    "KeypointOrder",
    "KeypointWarning",
    "ReadOptions",
    "SequenceReport",
    "Tracking",
    "default_intrinsics",
    "detect_format",
    "fov_intrinsics",
    "read_detections",
    "read_json_keypoints",
    "write_json_keypoints",
]
