"""Lifting whole clip files with a checkpoint, and scoring the result against ground truth.

Sequences are cut into windows of the model's T frames (edge-padded when shorter, the last window
aligned to the sequence end), each window is sampled with H hypotheses and K DDIM steps, the
hypotheses are aggregated (mean, or reprojection-selected per joint / per frame with the root
translation solved from the 2D -- never from ground truth), and overlapping windows are averaged
back to frames.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from posynda import metrics
from posynda.checkpoint import Checkpoint
from posynda.data.clips import ClipSet
from posynda.errors import InputError
from posynda.runtime.sampling import lift_windows

AGGREGATIONS = ("mean", "joint", "frame")


@dataclass(frozen=True)
class SamplingSettings:
    """How poses are sampled at inference.

    Attributes:
        hypotheses: H pose hypotheses per clip.
        steps: K DDIM steps.
        flip: flip test-time augmentation.
        aggregate: "mean" (D3DP's P-Agg), "joint" (JPMA, per-joint reprojection selection) or
            "frame" (paper Eq. 4, per-frame reprojection selection).
        batch_size: windows per denoiser call (times H, times 2 with flip).
        seed: seed of the host-side noise generator.
        stride: frames between window starts; None = T (windows overlap only where the last one
            is aligned to a sequence's end). Overlapping frames are averaged.
    """

    hypotheses: int = 1
    steps: int = 1
    flip: bool = True
    aggregate: str = "joint"
    batch_size: int = 64
    seed: int = 0
    stride: int | None = None

    def __post_init__(self):
        if self.hypotheses < 1 or self.steps < 1 or self.batch_size < 1:
            raise InputError("hypotheses, steps and batch size must be >= 1")
        if self.stride is not None and self.stride < 1:
            raise InputError(f"window stride must be >= 1, got {self.stride}")
        if self.aggregate not in AGGREGATIONS:
            raise InputError(f"unknown aggregation {self.aggregate!r}; choose one of {AGGREGATIONS}")


def lift_clips(
    checkpoint: Checkpoint, clips: ClipSet, settings: SamplingSettings = SamplingSettings(), progress=None
) -> np.ndarray:
    """Root-relative 3D poses ``[N, 17, 3]`` in mm for every frame of ``clips``.

    ``progress``: optional callable ``(done_windows, total_windows)``. The windowing, sampling and
    aggregation are :func:`posynda.runtime.sampling.lift_windows`, shared with the deployment
    runtime (:class:`posynda.runtime.Lifter`).
    """
    model = checkpoint.model
    device = next(model.parameters()).device
    return lift_windows(
        model, checkpoint.diffusion, checkpoint.config.frames, clips, settings, progress=progress, device=device
    )


def score(pred_mm: np.ndarray, clips: ClipSet) -> dict:
    """Metrics over the valid frames, overall (frame-weighted) and per sequence.

    Returns:
        ``{"mpjpe", "p_mpjpe", "pck", "auc", "frames", "per_sequence": {name: {...}}}`` (mm / %).
    """
    if not clips.has_3d:
        raise InputError("evaluation data has no 'joints_3d' (ground truth needed to score)")
    valid = clips.valid_or_all()
    result = metrics.summarize(pred_mm, clips.joints_3d, valid)
    names = clips.sequence_names()
    result["per_sequence"] = {
        names[s]: metrics.summarize(pred_mm[frames], clips.joints_3d[frames], valid[frames])
        for s, frames in clips.iter_sequences()
    }
    return result


def evaluate(
    checkpoint: Checkpoint, clips: ClipSet, settings: SamplingSettings = SamplingSettings(), progress=None
) -> dict:
    """Lift ``clips`` and score them; the result also records the sampling settings."""
    result = score(lift_clips(checkpoint, clips, settings, progress), clips)
    result["settings"] = asdict(settings)
    return result
