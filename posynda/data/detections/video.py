"""A video file as keypoint input: every person in every frame through the offline BlazePose models, then
assembled.

The frames are read forwards (:class:`posynda.data.video.VideoReader`, imageio-ffmpeg) and go through
:class:`~posynda.detectors.PeopleDetector` (BlazePose's person detector and landmark model from the
mediapipe 0.10.14 wheel, run by ONNX Runtime for every person; no download). Each person keeps an id through
the video, re-identified after a dropout (:mod:`posynda.detectors.people`); a frame without them is an absent
frame of their track (missing joints, filled by interpolation when they are back within ``max_gap`` frames; a
longer absence starts a new part of the same id). The image size and frame rate are the video's; the camera is
``--intrinsics`` / ``--fov`` or the default pinhole (f = max(w, h), centred), as for the other formats.
Sequences are named ``<video stem>/track<id>`` (``/part<k>`` after a long absence); each report line's
``first_frame`` is the video frame the sequence starts at (for drawing over the footage).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Callable

import numpy as np

from posynda.data.detections.assemble import assemble
from posynda.data.detections.blazepose import MEDIAPIPE_PIN, ORDER
from posynda.data.detections.people import Person, Video, stem
from posynda.data.detections.probe import Probe, require
from posynda.data.detections.read_options import ReadOptions
from posynda.data.video import VideoFrames, VideoReader
from posynda.detectors import PeopleDetector
from posynda.errors import InputError
from posynda.extras import require as require_extra

# BlazePose's own landmarks are all kept, each weighted by its score (--min-confidence drops some): its low-scored
# ones are its guesses, and the lifter does better with them than with those joints interpolated -- dropping the ones
# under 0.3, as for other detectors' files, cost on Bandai's validation split filmed as footage 156.2 -> 156.7 mm
# MPJPE as `lift --video` lifts and 152.5 -> 162.8 for the lift alone, and 0.2-3.3 mm on every posynda row of the
# real-video benchmark (docs/realvideo.md)
VIDEO_MIN_CONFIDENCE = 0.0
WHAT = "a video (MP4, MOV, MKV, WebM, AVI ...; every person found by BlazePose)"
DETECTS = True  # runs a detector: read() takes a progress callback

Progress = Callable[[int, int], None]


def looks_like(probe: Probe) -> bool:
    return probe.kind == "video"


def detect_people(reader: VideoReader, progress: Progress | None = None, max_frames: int | None = None
                  ) -> dict[int, list]:  # fmt: skip
    """``{frame number: [Person] or []}`` for every frame of ``reader`` (the first ``max_frames``), each person with
    their detector id as ``track`` and BlazePose's own 3D as ``world``; ``progress(done, total)`` after each frame
    (total: the reader's estimate, or the frames so far when it has none)."""
    frames: dict[int, list] = {}
    detector = PeopleDetector()
    for t, frame in enumerate(reader):
        if max_frames is not None and t >= max_frames:
            break
        frames[t] = [  # a keypoint's score: seen (visibility) and in the picture (presence), the lower of the two
            Person(
                p.landmarks.keypoints,
                np.minimum(p.landmarks.visibility, p.landmarks.presence),
                track=str(p.id),
                score=p.landmarks.flag,
                world=p.landmarks.world,
            )  # fmt: skip
            for p in detector(frame)
        ]
        if progress is not None:
            progress(t + 1, max(reader.frame_estimate or 0, t + 1))
    return frames


def read(probe: Probe, options: ReadOptions, progress: Progress | None = None):
    """A video -> ``(ClipSet, DetectionReport)``: BlazePose on every frame, H36M-17 pixels, the video's fps.

    ``options.image_size`` is refused (the frames have theirs); ``joint_order`` must be BlazePose's own.
    """
    require(probe, "video", WHAT)
    if options.image_size is not None:
        raise InputError(f"{probe.path}: a video has its own image size; drop --image-size")
    if options.joint_order not in (None, ORDER):
        raise InputError(
            f"{probe.path}: BlazePose finds joint order {ORDER!r}, not --joint-order {options.joint_order}"
        )
    require_extra("mediapipe", "onnxruntime", "onnx", "tflite", "imageio_ffmpeg", purpose="reading people from a video")
    with VideoReader(probe.path) as reader:
        frames = detect_people(reader, progress)
        size, fps = reader.size, reader.fps
    return video_clips(probe.path, frames, size, fps, options)


def video_clips(path, frames: dict[int, list], size: tuple[int, int], fps: float, options: ReadOptions):
    """The people :func:`detect_people` found in the video at ``path`` (``size`` px, ``fps``) -> ``(ClipSet,
    DetectionReport)``, assembled as every detector file is (:func:`~posynda.data.detections.assemble.assemble`)."""
    if not frames:
        raise InputError(f"{path}: the video has no frames")
    rate = f"{fps:g} fps" if math.isfinite(fps) else "no frame rate"
    note = (f"BlazePose full ({MEDIAPIPE_PIN}'s models, ONNX Runtime), every person, on {len(frames)} frames of "
            f"{size[0]}x{size[1]} px, {rate}")  # fmt: skip
    video = Video(stem(Path(path)), frames, ORDER, image_size=size, notes=[note], ids_from="detector")
    if options.min_confidence is None:
        options = dataclasses.replace(options, min_confidence=VIDEO_MIN_CONFIDENCE)
    clips, report = assemble([video], options, path, "video", WHAT)
    if math.isfinite(fps):
        clips = dataclasses.replace(clips, fps=np.full(clips.num_sequences, fps, np.float32))
    return clips, report


def clip_frames(path, clips, report) -> Callable[[int], np.ndarray | None]:
    """``frame(i)``: the video frame under clip frame ``i`` of ``clips`` read from the video ``path`` (the
    clip's ``source_frame``; without it, sequence ``s`` starts at ``report.sequences[s].first_frame``), RGB
    uint8, or None past the video's end; the ``background`` of :func:`posynda.viz.write_viz`."""
    frames = VideoFrames(path)
    if clips.source_frame is not None:
        return lambda i: frames(int(clips.source_frame[i]))
    bounds = clips.sequence_bounds()
    starts = [s.first_frame for s in report.sequences]
    if len(starts) != clips.num_sequences:
        raise InputError(f"{path}: the report has {len(starts)} sequences, the clips {clips.num_sequences}")

    def frame(i: int) -> np.ndarray | None:
        s = int(clips.seq_index[i])
        return frames(starts[s] + i - int(bounds[s][0]))

    return frame
