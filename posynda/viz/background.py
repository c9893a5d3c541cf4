"""Background frames under the 2D keypoints: the video frames they were detected on.

``background`` is indexed like the clip file's frames (frame ``i`` of the ``ClipSet``) and is an array
``[N, H, W, 3]`` (or ``[N, H, W]`` grey, ``[N, H, W, 4]`` RGBA; uint8, or float in [0, 1]) or any sequence of
such frames with ``len`` = N (a lazy reader with ``__getitem__`` works), a callable ``frame_index -> image or
None``, or any other iterable of frames, read forwards once. Every frame must be the clip's image size
(W x H): the keypoints are drawn in its pixels. ``posynda lift --video`` passes
:func:`posynda.data.detections.video.clip_frames`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Union

import numpy as np

from posynda.data.clips import ClipSet
from posynda.errors import InputError

Background = Union[np.ndarray, Sequence, Callable[[int], "np.ndarray | None"], Iterable]


class FrameSource:
    """``source(i)``: the background image of clip frame ``i`` (``[H, W, 3|4]`` or ``[H, W]``), or None."""

    def __init__(self, background: Background | None, clips: ClipSet):
        self.clips = clips
        self._get: Callable[[int], np.ndarray | None]
        if background is None:
            self._get = lambda i: None
        elif callable(background) and not hasattr(background, "__getitem__"):
            self._get = background
        elif hasattr(background, "__getitem__") and hasattr(background, "__len__"):
            if len(background) != clips.num_frames:
                raise InputError(
                    f"background: {len(background)} frames for a clip file of {clips.num_frames} frames",
                    parameter="background",
                )
            self._get = lambda i: background[i]
        elif isinstance(background, Iterable):
            self._get = _Forward(iter(background)).get
        else:
            raise InputError(
                f"background: frames expected (array, sequence, callable or iterable), got {background!r}",
                parameter="background",
            )

    def __call__(self, i: int) -> np.ndarray | None:
        image = self._get(int(i))
        return None if image is None else self._checked(np.asarray(image), int(i))

    def _checked(self, image: np.ndarray, i: int) -> np.ndarray:
        w, h = (int(v) for v in self.clips.image_size[self.clips.seq_index[i]])
        if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
            raise InputError(
                f"background frame {i}: shape {image.shape}, expected [H, W], [H, W, 3] or [H, W, 4]",
                parameter="background",
            )
        if image.shape[:2] != (h, w):
            raise InputError(
                f"background frame {i}: {image.shape[1]}x{image.shape[0]} px, the clip's image is {w}x{h}",
                parameter="background",
            )
        if image.dtype != np.uint8:
            image = np.clip(np.nan_to_num(image.astype(np.float32)), 0.0, 1.0)
        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        return image


class _Forward:
    """An iterator of frames read once, forwards: frame ``i`` is the ``i``-th item (the last one is kept, so
    asking twice for the same frame works)."""

    def __init__(self, frames):
        self.frames = frames
        self.index = -1
        self.last = None

    def get(self, i: int):
        if i < self.index:
            raise ValueError(f"background iterable: frame {i} asked after frame {self.index} (forwards only)")
        while self.index < i:
            try:
                self.last = next(self.frames)
            except StopIteration:
                raise InputError(f"background: the frames end before clip frame {i}", parameter="background") from None
            self.index += 1
        return self.last
