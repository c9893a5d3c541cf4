"""Windowing into fixed-length clips and overlap averaging back to frames."""

import numpy as np
import pytest

from posynda.data.windows import causal_windows, overlap_average, window_sequences

CASES = [
    # (sequence lengths, T, stride, expected number of windows)
    ((27,), 27, 27, 1),
    ((60,), 27, 27, 3),  # 0, 27, and 33 aligned to the end
    ((54,), 27, 27, 2),
    ((10,), 27, 27, 1),  # shorter than the window: padded, not rejected
    ((60, 10, 27), 27, 9, 5 + 1 + 1),
]


@pytest.mark.parametrize("lengths,frames,stride,expected", CASES)
def test_windows_cover_every_frame_once_or_more(lengths, frames, stride, expected):
    stops = np.cumsum(lengths)
    bounds = np.stack([stops - np.array(lengths), stops], 1)
    windows = window_sequences(bounds, frames, stride)
    assert len(windows) == expected
    assert windows.index.shape == (expected, frames)
    covered = np.zeros(stops[-1], bool)
    covered[windows.index[windows.real]] = True
    assert covered.all()
    for w in range(expected):  # a window never crosses a sequence boundary
        start, stop = bounds[windows.seq[w]]
        assert windows.index[w].min() >= start and windows.index[w].max() < stop


def test_short_sequence_is_edge_padded_and_centred():
    windows = window_sequences(np.array([[100, 105]]), 9)
    assert windows.index[0].tolist() == [100, 100, 100, 101, 102, 103, 104, 104, 104]
    assert windows.real[0].tolist() == [False, False, True, True, True, True, True, False, False]


def test_overlap_average_inverts_windowing():
    values = np.random.default_rng(0).normal(size=(60, 17, 3))
    windows = window_sequences(np.array([[0, 50], [50, 60]]), 27, 5)
    per_window = values[windows.index]
    np.testing.assert_allclose(overlap_average(per_window, windows, 60), values)


def test_tail_window_fills_only_the_frames_no_other_window_covers():
    """Frame values never depend on frames T or more after them (what lets a stream equal the lift)."""
    windows = window_sequences(np.array([[0, 60]]), 27)  # starts 0, 27 and the tail 33
    assert windows.tail.tolist() == [False, False, True] and windows.local_index().tolist() == [0, 1, 2]
    per_window = np.stack([np.full((27, 1), float(w)) for w in range(3)])
    out = overlap_average(per_window, windows, 60)
    assert np.all(out[:27] == 0) and np.all(out[27:54] == 1) and np.all(out[54:] == 2)


@pytest.mark.parametrize("lengths", [(60,), (5,), (30, 4, 27)])
def test_causal_windows_end_at_their_frame_and_repeat_the_first_before_the_start(lengths):
    """One window per frame, holding frames t - T + 1 .. t of its own sequence (its first frame repeated before
    it); only the last position is read back, so overlap_average returns each frame from its own window."""
    frames = 9
    stops = np.cumsum(lengths)
    bounds = np.stack([stops - np.array(lengths), stops], 1)
    windows = causal_windows(bounds, frames)
    assert len(windows) == stops[-1] and not windows.tail.any()
    assert (windows.real.sum(1) == 1).all() and windows.real[:, -1].all()
    assert np.array_equal(windows.index[:, -1], np.arange(stops[-1]))  # window w ends at flat frame w
    for w, (seq, local) in enumerate(zip(windows.seq, windows.local_index())):
        start = bounds[seq][0]
        expected = start + np.maximum(np.arange(frames) - (frames - 1) + local, 0)
        assert np.array_equal(windows.index[w], expected)
    values = np.random.default_rng(0).normal(size=(len(windows), frames, 3))
    assert np.array_equal(overlap_average(values, windows, stops[-1]), values[:, -1])
