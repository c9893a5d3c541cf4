"""The root's distance from the camera as a running median: a spike along the ray goes, a steady walk towards the
camera stays, the root's 2D and the root-relative pose are kept, each sequence on its own at its own frame rate,
gaps stay gaps; bad windows are refused naming the parameter."""

import dataclasses

import numpy as np
import pytest

from posynda.errors import InputError
from posynda.runtime.root_depth import ASSUMED_FPS, median_root_depth, running_median, window_frames
from tests.helpers.clips import make_clips


def walking_towards_the_camera(frames: int) -> np.ndarray:
    """``[frames, 17, 3]`` mm: one pose whose root walks from 5 m to 4 m along a ray (steady, monotone)."""
    rng = np.random.default_rng(0)
    rel = rng.normal(size=(17, 3)) * 200.0
    rel[0] = 0.0
    ray = np.array([0.2, -0.1, 1.0]) / np.linalg.norm([0.2, -0.1, 1.0])
    depth = np.linspace(5000.0, 4000.0, frames)
    return rel[None] + (depth[:, None] * ray)[:, None, :]


def project(points: np.ndarray) -> np.ndarray:
    return points[..., :2] / points[..., 2:]


@pytest.mark.parametrize(
    "window_s, fps, frames",
    [(0.0, 60.0, 1), (0.5, 60.0, 31), (0.5, 50.0, 25), (0.25, 60.0, 15), (0.01, 50.0, 1), (10.0, 30.0, 301)],
)
def test_window_frames_is_the_odd_count_the_seconds_span(window_s, fps, frames):
    assert window_frames(window_s, fps) == frames


@pytest.mark.parametrize(
    "values, window, expected",
    [
        ([1.0, 2.0, 3.0, 4.0, 5.0], 3, [1.0, 2.0, 3.0, 4.0, 5.0]),  # monotone: kept
        ([1.0, 1.0, 9.0, 1.0, 1.0], 3, [1.0, 1.0, 1.0, 1.0, 1.0]),  # a spike of one: gone
        ([5.0, 1.0, 2.0, 3.0, 4.0], 3, [5.0, 2.0, 2.0, 3.0, 4.0]),  # the ends repeated
        ([4.0], 5, [4.0]),
    ],
    ids=["monotone", "spike", "ends", "one value"],
)
def test_running_median(values, window, expected):
    np.testing.assert_array_equal(running_median(np.array(values), window), expected)


def test_a_spike_along_the_ray_goes_and_a_steady_walk_stays():
    truth = walking_towards_the_camera(90)  # 1 m in 90 frames: 11 mm a frame
    lifted = truth.copy()
    lifted[40:43] += 0.25 * truth[40:43, :1]  # three frames thrown about 1.1 m further along the ray
    clips = make_clips((90,), with_3d=False).with_fps(60.0)
    out = median_root_depth(lifted, clips, 0.5)  # 31 frames
    error = np.linalg.norm(out[:, 0] - truth[:, 0], axis=-1)
    assert error.max() < 3 * 11.3 and error[:25].max() < 1e-6 and error[58:].max() < 1e-6  # far from it: exact
    np.testing.assert_allclose(project(out[:, 0]), project(lifted[:, 0]), atol=1e-12)  # the root's 2D kept
    np.testing.assert_allclose(out - out[:, :1], lifted - lifted[:, :1], atol=1e-6)  # the pose kept
    assert median_root_depth(lifted, clips, 0.0) is lifted and median_root_depth(None, clips, 0.5) is None


def test_each_sequence_on_its_own_at_its_frame_rate_and_gaps_stay_gaps():
    a, b = walking_towards_the_camera(20), walking_towards_the_camera(30)[::-1].copy()  # b walks away
    poses = np.concatenate([a, b]).astype(np.float32)
    poses[5] = np.nan  # a gap in a
    spiked = poses.copy()
    spiked[35] += 0.3 * poses[35, :1]  # one frame of b
    clips = dataclasses.replace(make_clips((20, 30), with_3d=False), fps=np.array([ASSUMED_FPS, 10.0], np.float32))
    out = median_root_depth(spiked, clips, 0.5)  # a: 25 frames (> its 20: the ends hold it), b: 5
    assert out.dtype == np.float32 and np.isnan(out[5]).all() and np.isfinite(np.delete(out, 5, axis=0)).all()
    step = 1000.0 / 29  # b's depth per frame
    assert np.linalg.norm(out[20:, 0] - poses[20:, 0], axis=-1).max() < 2 * step  # the spike gone
    np.testing.assert_allclose(out[20:33], poses[20:33], atol=1e-3)  # b before the spike's window: exact
    np.testing.assert_allclose(out[:20], poses[:20], atol=1e-3, equal_nan=True)  # a: monotone across its gap
    with_b_alone = median_root_depth(spiked[20:], make_clips((30,), with_3d=False).with_fps(10.0), 0.5)
    np.testing.assert_array_equal(out[20:], with_b_alone)  # each sequence on its own


@pytest.mark.parametrize("window_s", [-0.1, 10.5, float("nan")])
def test_bad_windows_are_refused_naming_the_parameter(window_s):
    clips = make_clips((5,), with_3d=False)
    with pytest.raises(InputError, match=r"root_window must lie in \[0, 10\] seconds") as caught:
        median_root_depth(np.zeros((5, 17, 3)), clips, window_s)
    assert caught.value.parameter == "root_window"


@pytest.mark.parametrize("n", [2, 3, 7, 40])
def test_a_window_wider_than_the_sequence_gives_what_2n_plus_1_gives(n):
    """Every window of 2 n + 1 or more holds all n values and end copies a fixed number apart: one answer (so a
    long window on a short track costs no more than 2 n + 1)."""
    values = np.random.default_rng(n).integers(0, 6, n).astype(np.float64)  # ties included
    padded = lambda w: np.concatenate([np.full(w // 2, values[0]), values, np.full(w // 2, values[-1])])  # noqa: E731
    for window in (2 * n + 1, 2 * n + 3, 4 * n + 1):
        by_definition = np.median(np.lib.stride_tricks.sliding_window_view(padded(window), window), axis=-1)
        np.testing.assert_array_equal(running_median(values, window), by_definition)
    np.testing.assert_array_equal(running_median(values, 10**9 + 1), running_median(values, 2 * n + 1))


def test_the_running_median_holds_a_bounded_number_of_values_at_once(monkeypatch):
    """Taken a few rows at a time (``MEDIAN_CHUNK`` values), the same medians as all at once."""
    from posynda.runtime import root_depth

    values = np.random.default_rng(1).normal(size=500)
    whole = running_median(values, 31)
    monkeypatch.setattr(root_depth, "MEDIAN_CHUNK", 70)  # two rows of 31 at a time
    np.testing.assert_array_equal(running_median(values, 31), whole)
