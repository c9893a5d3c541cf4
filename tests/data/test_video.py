"""posynda.data.video: container sniffing, writing and reading back H.264, frames on demand, one-line refusals."""

import json
import os

import numpy as np
import pytest

from posynda.data.video import VideoFrames, VideoReader, live_source, looks_like_video, write_video
from posynda.errors import InputError

pytest.importorskip("imageio_ffmpeg")

SIZE = (64, 48)


def gradient_frames(count: int, size=SIZE) -> list[np.ndarray]:
    """Frames whose brightness encodes their number (frame t is about 10 t grey levels brighter)."""
    w, h = size
    ramp = np.linspace(0, 60, w, dtype=np.float64)[None, :, None]
    return [np.broadcast_to(ramp + 10 * t, (h, w, 3)).astype(np.uint8) for t in range(count)]


def brightness(frame: np.ndarray) -> float:
    return float(frame.astype(np.float64).mean())


@pytest.fixture
def video(tmp_path):
    return write_video(tmp_path / "ramp.mp4", gradient_frames(12), fps=20, size=SIZE)


def test_written_video_reads_back_with_its_size_rate_and_frames(video):
    with VideoReader(video) as reader:
        assert reader.size == SIZE and reader.fps == pytest.approx(20)
        assert reader.frame_estimate == pytest.approx(12, abs=1)
        frames = list(reader)
    assert len(frames) == 12 and all(f.shape == (48, 64, 3) and f.dtype == np.uint8 for f in frames)
    for t, (got, sent) in enumerate(zip(frames, gradient_frames(12))):
        assert abs(brightness(got) - brightness(sent)) < 3, t  # lossy H.264, same picture


def test_a_rate_no_camera_films_at_is_not_known(tmp_path):
    """A stated rate beyond posynda.limits.MAX_FPS (a container's time base, not a frame rate) reads as NaN: the
    video lifts at the assumed rate instead of a root window of millions of frames."""
    path = write_video(tmp_path / "fast.mp4", gradient_frames(3), fps=2000, size=SIZE)
    with VideoReader(path) as reader:
        assert np.isnan(reader.fps) and reader.frame_estimate is None and len(list(reader)) == 3


def test_frames_on_demand_go_forwards_restart_backwards_and_end_with_none(video):
    frames = VideoFrames(video)
    levels = [brightness(frames(t)) for t in (0, 5, 5, 11, 2)]
    assert levels == sorted(levels[:4]) + [levels[-1]] and levels[1] == levels[2]
    assert abs(levels[4] - brightness(gradient_frames(12)[2])) < 3  # an earlier frame: read again from the start
    assert frames(12) is None
    frames.close()


HEADS = {
    "mp4": (b"\x00\x00\x00\x20ftypisom" + b"\x00" * 20, ".bin", True),
    "avi": (b"RIFF\x00\x00\x00\x00AVI LIST", ".bin", True),
    "mkv": (b"\x1a\x45\xdf\xa3" + b"\x00" * 20, ".bin", True),
    "mpeg-ps": (b"\x00\x00\x01\xba" + b"\x00" * 20, ".dat", True),
    "by-extension": (b"\x00\x01\x02 unknown bytes", ".mov", True),
    "json-named-mp4": (json.dumps({"keypoints_2d": []}).encode(), ".mp4", False),
    "zip": (b"PK\x03\x04" + b"\x00" * 20, ".zip", False),
}


@pytest.mark.parametrize("case", list(HEADS))
def test_looks_like_video_by_the_first_bytes(tmp_path, case):
    head, suffix, expected = HEADS[case]
    path = tmp_path / f"file{suffix}"
    path.write_bytes(head)
    assert looks_like_video(path) is expected


def test_not_a_video_is_one_line_naming_the_file(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("not a video at all\n")
    with pytest.raises(InputError, match=r"notes\.mp4: not a video ffmpeg can read \(") as info:
        VideoReader(fake)
    assert "\n" not in str(info.value)
    with pytest.raises(InputError, match="no such video file"):
        VideoReader(tmp_path / "missing.mp4")


def test_write_video_refuses_odd_sizes_and_wrong_frames_and_leaves_nothing(tmp_path):
    with pytest.raises(InputError, match="even width and height"):
        write_video(tmp_path / "odd.mp4", gradient_frames(2, (63, 48)), 20, (63, 48))
    bad = [*gradient_frames(2), np.zeros((48, 64), np.uint8)]
    with pytest.raises(InputError, match=r"frame 2 is uint8 \[48, 64\]"):
        write_video(tmp_path / "bad.mp4", bad, 20, SIZE)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "source, options",
    [("rtsp://cam.local/stream", []), ("UDP://0.0.0.0:5000", []), ("https://host/live.m3u8", []),
     ("/dev/video0", ["-f", "v4l2"]), ("/dev/video12", ["-f", "v4l2"]), ("/dev/videos", None), ("clip.mp4", None),
     ("file:///clip.mp4", None)],
)  # fmt: skip
def test_live_sources_are_told_by_their_name(source, options):
    assert live_source(source) == options


def test_a_named_pipe_is_live_and_a_file_is_not(tmp_path):
    fifo, file = tmp_path / "feed.ts", tmp_path / "clip.mp4"
    os.mkfifo(fifo)
    file.write_bytes(b"")
    assert live_source(fifo) == [] and live_source(file) is None and live_source(tmp_path / "missing.mp4") is None
