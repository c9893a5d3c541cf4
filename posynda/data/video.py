"""Video files as frames: RGB uint8 ``[H, W, 3]`` read forwards by ffmpeg through imageio-ffmpeg.

imageio-ffmpeg (extra ``[video]``/``[viz]``) bundles a static ffmpeg, so any container and codec that
ffmpeg decodes works (MP4/MOV/MKV/WebM/AVI, H.264/HEVC/VP9/AV1 ...). ffmpeg applies a phone video's
rotation tag, so a portrait clip filmed as rotated landscape comes out upright, ``size`` being the
size of the frames as they are delivered (and as the keypoints are in pixels of).

>>> write_video("clip.mp4", frames, fps=25, size=(1280, 720))   # H.264, atomically
>>> with VideoReader("clip.mp4") as video:
...     print(video.size, video.fps, video.frame_estimate)
...     for frame in video:            # [H, W, 3] uint8, RGB
...         ...

:func:`looks_like_video` tells a video from a keypoint file by its first bytes (the container's
signature), the extension only deciding where the bytes say nothing (and never for JSON).
"""

from __future__ import annotations

import math
import os
import re
import stat
from pathlib import Path
from typing import Iterator

import numpy as np

from posynda.errors import InputError
from posynda.fileio import atomic_path
from posynda.limits import MAX_FPS

# Extensions taken as video when the first bytes name no container posynda knows.
VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".m4v", ".mov", ".3gp", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".ts")

VIDEO_HINT = "reading video needs imageio-ffmpeg: pip install 'posynda[video]'"

# Live sources ffmpeg reads as they come: network streams by their scheme, and (Linux) camera devices.
LIVE_SCHEMES: tuple[str, ...] = ("rtsp", "rtsps", "rtmp", "rtmps", "rtp", "srt", "udp", "tcp", "http", "https")
CAMERA_DEVICE = re.compile(r"^/dev/video\d+$")


def live_source(source: str | os.PathLike) -> list[str] | None:
    """ffmpeg's input options for a live source -- a stream URL (:data:`LIVE_SCHEMES`), a camera device
    (``/dev/videoN``: Video4Linux2) or a named pipe (FIFO) -- or None for anything else (a file)."""
    text = str(source)
    scheme = text.split("://", 1)[0].lower() if "://" in text else None
    if scheme in LIVE_SCHEMES:
        return []
    if CAMERA_DEVICE.match(text):
        return ["-f", "v4l2"]
    try:
        return [] if stat.S_ISFIFO(os.stat(text).st_mode) else None
    except OSError:
        return None


def looks_like_video(path: str | os.PathLike) -> bool:
    """Whether the file ``path`` is a video: an ISO-BMFF ``ftyp`` box (MP4, MOV, 3GP), a RIFF AVI header,
    an EBML header (MKV, WebM), an MPEG program / transport stream -- or one of :data:`VIDEO_EXTENSIONS`."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(377)
    except OSError:
        return False
    signatures = (
        head[4:8] == b"ftyp",
        head[:4] == b"RIFF" and head[8:12] == b"AVI ",
        head[:4] == b"\x1a\x45\xdf\xa3",
        head[:4] == b"\x00\x00\x01\xba",
        len(head) > 376 and head[0] == head[188] == 0x47,
    )
    text = head.lstrip()[:1] in (b"{", b"[")  # JSON, whatever its name
    return any(signatures) or (path.suffix.lower() in VIDEO_EXTENSIONS and not text)


def _imageio_ffmpeg():
    try:
        import imageio_ffmpeg
    except ImportError:
        raise InputError(VIDEO_HINT) from None
    return imageio_ffmpeg


def _ffmpeg_reason(exc: Exception) -> str:
    """The line of ffmpeg's output that says why a file cannot be read (its last non-empty line)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip() and not ln.startswith("===")]
    return lines[-1] if lines else type(exc).__name__


class VideoReader:
    """The frames of one video, forwards, once (a context manager; iterate it): a file, or a live source
    (:func:`live_source`: a stream URL, a camera device, a named pipe) read as ffmpeg delivers it.

    Attributes:
        path: the file or the source as given.
        live: whether it is a live source (no size or length known ahead, nothing probed).
        size: ``(width, height)`` of the frames delivered, pixels.
        fps: frames per second (ffmpeg's stream rate; NaN when the source states none, or a rate beyond
            ``posynda.limits.MAX_FPS``, which no camera films at: a container's time base, not its rate).
        frame_estimate: frames expected (duration x fps, for progress bars; the real count may differ by a
            few), or None when unknown (always for a live source).

    Raises:
        InputError: no such file, imageio-ffmpeg missing, or a source ffmpeg cannot decode (ffmpeg's reason).
    """

    def __init__(self, path: str | os.PathLike):
        options = live_source(path)
        self.live = options is not None
        self.path = str(path) if self.live else Path(path)
        if not self.live and not self.path.is_file():
            raise InputError(f"{self.path}: no such video file")
        imageio_ffmpeg = _imageio_ffmpeg()
        self._frames = imageio_ffmpeg.read_frames(str(self.path), pix_fmt="rgb24", input_params=options or [])
        try:
            meta = next(self._frames)
        except (OSError, RuntimeError, StopIteration) as exc:
            self._frames.close()
            raise InputError(f"{self.path}: not a video ffmpeg can read ({_ffmpeg_reason(exc)})") from None
        self.size: tuple[int, int] = tuple(int(v) for v in meta["size"])
        fps = float(meta.get("fps") or 0.0)
        self.fps: float = fps if 0 < fps <= MAX_FPS else math.nan
        duration = float(meta.get("duration") or 0.0)
        known = duration > 0 and math.isfinite(self.fps) and not self.live
        self.frame_estimate: int | None = round(duration * self.fps) if known else None

    def __iter__(self) -> Iterator[np.ndarray]:
        w, h = self.size
        try:
            for raw in self._frames:
                yield np.frombuffer(raw, np.uint8).reshape(h, w, 3)
        except (OSError, RuntimeError) as exc:
            raise InputError(f"{self.path}: ffmpeg stopped reading ({_ffmpeg_reason(exc)})") from None

    def close(self) -> None:
        self._frames.close()

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class VideoFrames:
    """Frame ``n`` of a video on demand (``frames(n)``), for pictures drawn over the footage.

    Reads forwards and keeps the last frame, so increasing (or repeated) frame numbers cost one decode
    each; asking for an earlier frame starts the file again. Past the end: None.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._reader: VideoReader | None = None
        self._iter: Iterator[np.ndarray] | None = None
        self._index, self._last = -1, None

    def __call__(self, n: int) -> np.ndarray | None:
        if self._iter is None or n < self._index:
            self.close()
            self._reader = VideoReader(self.path)
            self._iter, self._index, self._last = iter(self._reader), -1, None
        while self._index < n:
            frame = next(self._iter, None)
            if frame is None:
                return None
            self._index, self._last = self._index + 1, frame
        return self._last

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self._reader = self._iter = None


def write_video(path: str | os.PathLike, frames, fps: float, size: tuple[int, int]) -> Path:
    """Encode ``frames`` (an iterable of ``[H, W, 3]`` uint8 RGB, ``size = (W, H)``) into ``path`` at ``fps``:
    H.264 in yuv420p (what every player and phone plays; W and H must be even) for .mp4/.mov/.mkv, the
    container by the extension; written atomically (nothing at ``path`` unless every frame went in).

    Raises:
        InputError: imageio-ffmpeg missing, an odd size, or a frame of another shape.
    """
    path = Path(path)
    width, height = (int(v) for v in size)
    if width % 2 or height % 2:
        raise InputError(f"{path}: H.264 needs an even width and height, got {width}x{height}")
    imageio_ffmpeg = _imageio_ffmpeg()
    with atomic_path(path) as tmp:
        writer = imageio_ffmpeg.write_frames(
            str(tmp), (width, height), fps=fps, codec="libx264", pix_fmt_out="yuv420p", macro_block_size=2,
            ffmpeg_log_level="error",
        )  # fmt: skip
        writer.send(None)
        try:
            for i, frame in enumerate(frames):
                frame = np.asarray(frame)
                if frame.shape != (height, width, 3) or frame.dtype != np.uint8:
                    raise InputError(
                        f"{path}: frame {i} is {frame.dtype} {list(frame.shape)}, expected [{height}, {width}, 3] uint8"
                    )
                writer.send(np.ascontiguousarray(frame))
        finally:
            writer.close()
    return path
