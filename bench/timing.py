"""The one benchmark timer: round-robin, synchronised, sigma-clipped.

:func:`time_calls` times several callables ``repeats`` times each, one call of each per round
after a warm-up, so a burst of background load on a shared machine hits them alike. On CUDA every
call is bracketed by CUDA events and each round ends with a synchronize, so asynchronous kernel
launches are timed to completion; on a CPU the clock is ``time.perf_counter``.
:func:`timing_stats` drops outliers (:func:`sigma_clip`) before taking the median, p90 and
throughput.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
import torch

SIGMA = 3.0


def time_calls(
    fns: dict[str, Callable[[], object]], warmup: int, repeats: int, device: str | torch.device = "cpu"
) -> dict[str, list[float]]:
    """Milliseconds per call of every callable: ``{name: [repeats samples]}``.

    ``device``: where the callables run; "cuda" times each call with CUDA events.
    """
    on_cuda = torch.device(device).type == "cuda"
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    if on_cuda:
        torch.cuda.synchronize()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        if on_cuda:
            events = {}
            for name, fn in fns.items():
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                fn()
                end.record()
                events[name] = (start, end)
            torch.cuda.synchronize()
            for name, (start, end) in events.items():
                times[name].append(start.elapsed_time(end))
        else:
            for name, fn in fns.items():
                t0 = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - t0) * 1000.0)
    return times


def sigma_clip(samples, sigma: float = SIGMA, max_iter: int = 10, min_keep: int = 3) -> np.ndarray:
    """``samples`` without outliers: iteratively drop those further than ``sigma`` standard
    deviations (of the samples still kept) from their median, until none is dropped; never keeps
    fewer than ``min_keep`` (then the last set is returned unchanged)."""
    x = np.asarray(samples, dtype=np.float64).ravel()
    for _ in range(max_iter):
        std = float(x.std())
        if len(x) <= min_keep or std == 0.0:
            break
        keep = np.abs(x - np.median(x)) <= sigma * std
        if keep.all() or int(keep.sum()) < min_keep:
            break
        x = x[keep]
    return x


def timing_stats(times: list[float], batch: int = 1, frames: int = 1) -> dict:
    """Sigma-clipped median / p90 / mean / std (ms) of ``times`` and the throughput of ``batch``
    clips of ``frames`` frames per call (``clips_per_s``, ``poses_per_s`` = frames/s)."""
    kept = sigma_clip(times)
    median = float(np.median(kept))
    p90 = float(np.percentile(kept, 90)) if len(kept) > 1 else median
    return {
        "median_ms": round(median, 3),
        "p90_ms": round(p90, 3),
        "mean_ms": round(float(kept.mean()), 3),
        "std_ms": round(float(kept.std()), 3),
        "clips_per_s": round(batch / (median / 1000.0), 2),
        "poses_per_s": round(batch * frames / (median / 1000.0), 1),
        "repeats": len(times),
        "clipped": len(times) - len(kept),
    }
