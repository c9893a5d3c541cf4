"""A video file as keypoint input: every frame through the offline BlazePose detector, then assembled.

The frames are read forwards (:class:`posynda.data.video.VideoReader`, imageio-ffmpeg) and each goes
through :class:`~posynda.data.detections.blazepose.BlazePose` (one person per frame, MediaPipe 0.10.14's
bundled model, no download). A frame without a person is an absent frame of the track (missing
joints, filled by interpolation when the person is back within ``max_gap`` frames; a longer absence
starts a new sequence). The image size and frame rate are the video's; the camera is ``--intrinsics``
/ ``--fov`` or the default pinhole (f = max(w, h), centred), as for the other formats. Sequences are
named ``<video stem>/person<k>``; each report line's ``first_frame`` is the video frame the sequence
starts at (for drawing over the footage).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

import numpy as np

from posynda.data.detections.assemble import assemble
from posynda.data.detections.blazepose import MEDIAPIPE_PIN, ORDER, BlazePose
from posynda.data.detections.people import Video, stem
from posynda.data.detections.probe import Probe, require
from posynda.data.detections.read_options import ReadOptions
from posynda.data.video import VideoFrames, VideoReader
from posynda.errors import InputError
from posynda.extras import require as require_extra

WHAT = "a video (MP4, MOV, MKV, WebM, AVI ...; people found by BlazePose)"
DETECTS = True  # runs a detector: read() takes a progress callback

Progress = Callable[[int, int], None]


def looks_like(probe: Probe) -> bool:
    return probe.kind == "video"


def detect_people(reader: VideoReader, progress: Progress | None = None) -> dict[int, list]:
    """``{frame number: [Person] or []}`` for every frame of ``reader``; ``progress(done, total)`` after each
    frame (total: the reader's estimate, or the frames so far when it has none)."""
    frames: dict[int, list] = {}
    with BlazePose() as detector:
        for t, frame in enumerate(reader):
            person = detector(frame)
            frames[t] = [] if person is None else [person]
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
    require_extra("mediapipe", "imageio_ffmpeg", purpose="reading people from a video")  # before any frame
    with VideoReader(probe.path) as reader:
        frames = detect_people(reader, progress)
        size, fps = reader.size, reader.fps
    if not frames:
        raise InputError(f"{probe.path}: the video has no frames")
    rate = f"{fps:g} fps" if math.isfinite(fps) else "no frame rate"
    note = f"BlazePose full ({MEDIAPIPE_PIN}) on {len(frames)} frames of {size[0]}x{size[1]} px, {rate}"
    video = Video(stem(probe.path), frames, ORDER, image_size=size, notes=[note])
    clips, report = assemble([video], options, probe.path, "video", WHAT)
    if math.isfinite(fps):
        clips = dataclasses.replace(clips, fps=np.full(clips.num_sequences, fps, np.float32))
    return clips, report


def clip_frames(path, clips, report) -> Callable[[int], np.ndarray | None]:
    """``frame(i)``: the video frame under clip frame ``i`` of ``clips`` read from the video ``path``
    (sequence ``s`` starts at ``report.sequences[s].first_frame``), RGB uint8, or None past the video's end;
    the ``background`` of :func:`posynda.viz.write_viz`."""
    frames = VideoFrames(path)
    bounds = clips.sequence_bounds()
    starts = [s.first_frame for s in report.sequences]
    if len(starts) != clips.num_sequences:
        raise InputError(f"{path}: the report has {len(starts)} sequences, the clips {clips.num_sequences}")

    def frame(i: int) -> np.ndarray | None:
        s = int(clips.seq_index[i])
        return frames(starts[s] + i - int(bounds[s][0]))

    return frame
