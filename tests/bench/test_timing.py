"""The bench timer: round-robin samples per callable, sigma clipping, and the statistics taken from them."""

import numpy as np
import pytest

from posynda.bench.timing import sigma_clip, time_calls, timing_stats

rng = np.random.default_rng(0)
NOISE = list(10.0 + rng.normal(0.0, 0.1, 40))


@pytest.mark.parametrize(
    "samples, dropped",
    [
        ([5.0, 5.0, 5.0, 5.0], []),  # no spread: nothing to clip
        ([1.0, 2.0, 100.0], []),  # too few samples to judge (a 3-sigma outlier needs n > 10)
        (NOISE, []),  # Gaussian noise: nothing beyond 3 sigma
        (NOISE + [50.0], [50.0]),  # one slow call (background load)
        (NOISE + [0.5], [0.5]),  # the lower side too
        (NOISE + [13.0, 500.0], [13.0, 500.0]),  # 13 only stands out once 500 is gone (second pass)
    ],
)
def test_sigma_clip(samples, dropped):
    kept = sigma_clip(samples)
    assert sorted(set(samples) - set(kept.tolist())) == sorted(dropped)
    assert len(kept) == len(samples) - len(dropped)


def test_sigma_clip_keeps_min_and_stats_report_clipped():
    assert len(sigma_clip([1.0, 1.0, 1.0, 9.0], min_keep=4)) == 4
    stats = timing_stats(NOISE + [50.0], batch=2, frames=27)
    assert stats["clipped"] == 1 and stats["repeats"] == 41
    assert stats["median_ms"] == pytest.approx(float(np.median(NOISE)), abs=1e-3)
    assert stats["clips_per_s"] == pytest.approx(2 / (stats["median_ms"] / 1000), rel=1e-3)
    assert stats["poses_per_s"] == pytest.approx(stats["clips_per_s"] * 27, rel=1e-3)


def test_calls_are_interleaved_after_the_warm_up():
    order = []
    fns = {name: (lambda name=name: order.append(name)) for name in ("a", "b", "c")}
    times = time_calls(fns, warmup=2, repeats=3)
    assert order == ["a", "a", "b", "b", "c", "c"] + ["a", "b", "c"] * 3
    assert {k: len(v) for k, v in times.items()} == {"a": 3, "b": 3, "c": 3}
    assert all(t >= 0 for v in times.values() for t in v)
