"""Background frames for the 2D panel: arrays, sequences, callables and one-pass iterables, checked against the
clip's image size."""

import numpy as np
import pytest

from posynda.errors import InputError
from posynda.viz.background import FrameSource
from tests.helpers.clips import make_clips
from tests.helpers.viz import gradient


@pytest.fixture
def clips():
    return make_clips((6, 4))  # 1000 x 1000 images


def test_every_kind_of_background_gives_frame_i(clips):
    frames = np.stack([np.full((1000, 1000, 3), i, np.uint8) for i in range(clips.num_frames)])
    sources = {
        "array": FrameSource(frames, clips),
        "list": FrameSource(list(frames), clips),
        "callable": FrameSource(lambda i: frames[i], clips),
        "iterable": FrameSource(iter(frames), clips),
    }
    for name, source in sources.items():
        got = [int(source(i)[0, 0, 0]) for i in (0, 0, 3, 7, 9)]
        assert got == [0, 0, 3, 7, 9], name
    assert FrameSource(None, clips)(4) is None
    assert FrameSource(lambda i: None, clips)(4) is None


def test_grey_and_float_frames_become_rgb(clips):
    grey = FrameSource(lambda i: np.full((1000, 1000), 0.5), clips)(0)
    assert grey.shape == (1000, 1000, 3) and grey.dtype == np.float32 and grey.max() == 0.5
    assert FrameSource(lambda i: np.full((1000, 1000, 3), 7.0), clips)(0).max() == 1.0  # clipped to [0, 1]


@pytest.mark.parametrize(
    "background, message",
    [
        (lambda i: gradient(640, 480), "640x480 px, the clip's image is 1000x1000"),
        (lambda i: np.zeros((1000, 1000, 2)), "expected [H, W], [H, W, 3] or [H, W, 4]"),
        (np.zeros((3, 1000, 1000, 3), np.uint8), "3 frames for a clip file of 10 frames"),
        (42, "frames expected"),
    ],
    ids=["size", "channels", "count", "not-frames"],
)
def test_frames_that_do_not_fit_are_refused(clips, background, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        FrameSource(background, clips)(0)


def test_an_iterable_is_read_forwards_once(clips):
    source = FrameSource(iter([gradient(1000, 1000)] * 3), clips)
    source(2)
    with pytest.raises(ValueError, match="forwards only"):
        source(1)
    with pytest.raises(InputError, match="end before clip frame 5"):
        FrameSource(iter([gradient(1000, 1000)] * 3), clips)(5)
