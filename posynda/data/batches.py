"""Training batches' windows of one clip set: what pretraining and adaptation draw their batches from.

The per-frame arrays (gap-filled pixels, normalised model input, the raw detections, weights,
intrinsics, 3D) are computed once, on first use; a batch is ``array[index]`` with
``index [B, T]`` from :meth:`WindowSampler.window_frames` of the window ids a step drew
(``posynda.pretrain.step_batch``, ``posynda.adapt.step.StepDraws``). (Not to be confused with
``posynda.diffusion.sampler``, the DDIM sampler of poses.)
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from posynda.data.clips import ClipSet
from posynda.data.prepare import fill_missing_keypoints, frame_intrinsics, normalized_keypoints
from posynda.data.windows import Windows, window_sequences
from posynda.errors import InputError


class WindowSampler:
    """Windows of ``frames`` frames every ``stride`` frames over every sequence of ``clips``.

    Attributes (``[N, ...]`` per frame of the clip set, computed on first use):
        pixels: ``[N, 17, 2]`` float32 gap-filled keypoints, pixels.
        norm: ``[N, 17, 2]`` float32 model input (canonical screen units, camera.canonical_screen).
        detections: ``[N, 17, 2]`` keypoints as detected (NaN = missing).
        weights: ``[N, 17]`` confidences (0 where missing).
        camera: ``[N, 9]`` pixel intrinsics.
        joints_3d: ``[N, 17, 3]`` camera-frame mm (only when ``labelled``).
        windows: the :class:`~posynda.data.windows.Windows`.
    """

    def __init__(self, clips: ClipSet, frames: int, stride: int, labelled: bool):
        if labelled and not clips.has_3d:
            raise InputError("training data has no 'joints_3d': a labelled source file is needed")
        self.clips = clips
        self.labelled = labelled
        self.windows: Windows = window_sequences(clips.sequence_bounds(), frames, max(1, stride))

    def __len__(self) -> int:
        return len(self.windows)

    @cached_property
    def pixels(self) -> np.ndarray:
        return fill_missing_keypoints(self.clips)

    @cached_property
    def norm(self) -> np.ndarray:
        return normalized_keypoints(self.clips, self.pixels)

    @property
    def detections(self) -> np.ndarray:
        return self.clips.keypoints_2d

    @cached_property
    def weights(self) -> np.ndarray:
        return self.clips.confidence_or_ones()

    @cached_property
    def camera(self) -> np.ndarray:
        return frame_intrinsics(self.clips)

    @property
    def joints_3d(self) -> np.ndarray | None:
        return self.clips.joints_3d if self.labelled else None

    def window_frames(self, ids: np.ndarray) -> np.ndarray:
        """``[n, T]`` frame indices of the windows numbered ``ids [n]`` (``0 <= id < len(self)``)."""
        return self.windows.index[ids]
