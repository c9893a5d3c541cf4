"""Windowing of sequences into fixed-length clips, and flip augmentation.

Windows are index arrays into the flat ``[N, ...]`` frame arrays of a ClipSet, so cutting a
dataset into clips costs no copy; gathering ``array[index]`` gives ``[W, T, ...]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Windows:
    """W windows of T frames.

    Attributes:
        index: ``[W, T]`` int64 frame indices into the flat frame arrays (edge frames repeated
            where a window is padded).
        real: ``[W, T]`` bool, False at padded positions.
        seq: ``[W]`` int64 sequence id of each window.
        tail: ``[W]`` bool, True for a sequence's extra last window aligned to its end (added where
            the stride leaves the last frames uncovered).
    """

    index: np.ndarray
    real: np.ndarray
    seq: np.ndarray
    tail: np.ndarray

    def __len__(self) -> int:
        return int(self.index.shape[0])

    def local_index(self) -> np.ndarray:
        """``[W]`` int64 position of each window within its sequence (0, 1, ... in order)."""
        first = np.searchsorted(self.seq, self.seq, side="left")  # windows are grouped by sequence
        return np.arange(len(self), dtype=np.int64) - first


def window_sequences(bounds: np.ndarray, frames: int, stride: int | None = None, cover_end: bool = True) -> Windows:
    """Cut every sequence ``[start, stop)`` of ``bounds [S, 2]`` into windows of ``frames`` frames.

    Windows start every ``stride`` frames (default: ``frames``, no overlap). With ``cover_end``
    a last window aligned to the sequence end is added when the stride would miss frames, so
    every frame is in at least one window (``Windows.tail`` marks it). A sequence shorter than the
    window is edge-padded (its first/last frame repeated, centred), never rejected.
    """
    if frames < 1:
        raise ValueError("frames must be >= 1")
    stride = stride or frames
    idx, real, seq, tail = [], [], [], []
    offsets = np.arange(frames)
    for s, (start, stop) in enumerate(np.asarray(bounds, dtype=np.int64)):
        length = int(stop - start)
        if length <= 0:
            continue
        if length < frames:
            left = (frames - length) // 2
            local = np.clip(offsets - left, 0, length - 1)
            idx.append(start + local[None])
            real.append(((offsets >= left) & (offsets < left + length))[None])
            seq.append(s)
            tail.append(False)
            continue
        starts = list(range(0, length - frames + 1, stride))
        regular = len(starts)
        if cover_end and starts[-1] != length - frames:
            starts.append(length - frames)
        starts = np.asarray(starts)
        idx.append(start + starts[:, None] + offsets[None])
        real.append(np.ones((len(starts), frames), bool))
        seq.extend([s] * len(starts))
        tail.extend([False] * regular + [True] * (len(starts) - regular))
    if not idx:
        empty = np.zeros(0, np.int64)
        return Windows(np.zeros((0, frames), np.int64), np.zeros((0, frames), bool), empty, np.zeros(0, bool))
    return Windows(np.concatenate(idx), np.concatenate(real), np.asarray(seq, dtype=np.int64), np.asarray(tail, bool))


def causal_frames(ends, frames: int) -> np.ndarray:
    """The frames ``[..., T]`` of the causal window ending at each frame of ``ends`` (int or ``[...]``):
    ``end - T + 1 .. end``, frame 0 repeated before the start (:func:`causal_windows`, a live stream)."""
    return np.maximum(np.asarray(ends, np.int64)[..., None] + np.arange(frames) - (frames - 1), 0)


def causal_windows(bounds: np.ndarray, frames: int) -> Windows:
    """One window of ``frames`` frames per frame of every sequence ``[start, stop)`` of ``bounds [S, 2]``, ending at
    it: frame t of a sequence is lifted at the window's last position from frames ``t - T + 1 .. t`` (the
    sequence's first frame repeated before it), what a causal model (``DenoiserConfig.causal``) sees live -- zero
    look-ahead. Only that last position is ``real``, so :func:`overlap_average` takes each frame from its own
    window; the window of sequence frame t is that sequence's window t (its noise stream).
    """
    if frames < 1:
        raise ValueError("frames must be >= 1")
    idx, seq = [], []
    for s, (start, stop) in enumerate(np.asarray(bounds, dtype=np.int64)):
        length = int(stop - start)
        if length <= 0:
            continue
        idx.append(start + causal_frames(np.arange(length), frames))
        seq.append(np.full(length, s, np.int64))
    if not idx:
        return window_sequences(np.zeros((0, 2), np.int64), frames)
    index = np.concatenate(idx)
    real = np.zeros(index.shape, bool)
    real[:, -1] = True
    return Windows(index, real, np.concatenate(seq), np.zeros(len(index), bool))


def overlap_average(values: np.ndarray, windows: Windows, num_frames: int) -> np.ndarray:
    """Scatter per-window outputs ``[W, T, ...]`` back to frames ``[N, ...]``, averaging overlaps.

    Padded positions are ignored. A tail window (``Windows.tail``) fills only the frames no other
    window covers, so a frame's value never depends on frames more than T - 1 after it -- what
    makes a live stream (:class:`posynda.runtime.LiftStream`) equal the whole-sequence lift.
    Frames no window covers are NaN.
    """
    out = np.zeros((num_frames,) + values.shape[2:], dtype=np.float64)
    count = np.zeros(num_frames, dtype=np.float64)
    for part in (~windows.tail, windows.tail):
        covered = count > 0
        real = windows.real & part[:, None] & ~covered[windows.index]
        flat_idx = windows.index[real]
        np.add.at(out, flat_idx, values[real])
        np.add.at(count, flat_idx, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = out / count.reshape((-1,) + (1,) * (out.ndim - 1))
    return out.astype(values.dtype)
