"""posynda's native keypoint files (clip files, posynda JSON) once read: what both readers finish with -- the
joint order converted to H36M-17, an optional confidence threshold, the 3D dropped, the normalised-coordinates
check and the report."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from posynda.data.clips import ClipSet, validate
from posynda.data.detections.assemble import normalised_note, sequence_report
from posynda.data.detections.read_options import ReadOptions
from posynda.data.detections.report import DetectionReport, KeypointWarning, camera_summary
from posynda.skeleton import convert_joints


def finish(clips: ClipSet, order: str, options: ReadOptions, source, format_name: str, from_file: bool):
    """``clips`` (keypoints in ``order``) -> ``(ClipSet in H36M order without 3D, DetectionReport)``.

    ``options.min_confidence`` (only when given) makes joints scored under it missing;
    ``from_file``: whether the camera of the first sequence came from the file (for the report).
    """
    clips = clips.without_3d()
    if order != "h36m":
        kp, conf = convert_joints(clips.keypoints_2d, order, clips.confidence)
        clips = dataclasses.replace(clips, keypoints_2d=kp.astype(np.float32), confidence=conf)
    if options.min_confidence is not None and clips.confidence is not None:
        low = clips.confidence < options.min_confidence
        kp = clips.keypoints_2d.copy()
        kp[low] = np.nan
        clips = dataclasses.replace(clips, keypoints_2d=kp, confidence=np.where(low, 0.0, clips.confidence))
    clips = validate(clips, source=str(source))
    names, conf = clips.sequence_names(), clips.confidence_or_ones()
    reports, cautions = [], []
    for s, frames in clips.iter_sequences():
        reports.append(sequence_report(names[s], clips.keypoints_2d[frames], conf[frames], clips.person_of(s),
                                       first_frame=int(clips.source_frames(s)[0])))  # fmt: skip
        caution = normalised_note(clips.keypoints_2d[frames], tuple(int(v) for v in clips.image_size[s]), names[s])
        if caution:
            warnings.warn(caution, KeypointWarning, stacklevel=3)
            cautions.append(caution)
    camera = camera_summary(clips.camera, clips.image_size, options, from_file)
    return clips, DetectionReport(str(source), format_name, camera, tuple(reports), (), tuple(cautions))
