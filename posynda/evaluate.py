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
import torch

from posynda import metrics
from posynda.checkpoint import Checkpoint
from posynda.data.clips import ClipSet
from posynda.data.prepare import MM_PER_M, frame_intrinsics, normalized_keypoints
from posynda.data.windows import overlap_average, window_sequences
from posynda.diffusion import DDIMScheduler, draw_noise, sample_poses
from posynda.errors import InputError
from posynda.kernels import reproject_select

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
    """

    hypotheses: int = 1
    steps: int = 1
    flip: bool = True
    aggregate: str = "joint"
    batch_size: int = 64
    seed: int = 0

    def __post_init__(self):
        if self.hypotheses < 1 or self.steps < 1 or self.batch_size < 1:
            raise InputError("hypotheses, steps and batch size must be >= 1")
        if self.aggregate not in AGGREGATIONS:
            raise InputError(f"unknown aggregation {self.aggregate!r}; choose one of {AGGREGATIONS}")


def lift_clips(
    checkpoint: Checkpoint, clips: ClipSet, settings: SamplingSettings = SamplingSettings(), progress=None
) -> np.ndarray:
    """Root-relative 3D poses ``[N, 17, 3]`` in mm for every frame of ``clips``.

    ``progress``: optional callable ``(done_windows, total_windows)``.
    """
    model, frames = checkpoint.model, checkpoint.config.frames
    scheduler = DDIMScheduler(checkpoint.diffusion)
    keypoints = normalized_keypoints(clips)
    pixels = clips.keypoints_2d
    weights = torch.from_numpy(clips.confidence_or_ones())
    intrinsics = torch.from_numpy(frame_intrinsics(clips))
    windows = window_sequences(clips.sequence_bounds(), frames, stride=frames)
    generator = torch.Generator().manual_seed(settings.seed)
    h, out = settings.hypotheses, []
    device = next(model.parameters()).device
    for begin in range(0, len(windows), settings.batch_size):
        index = windows.index[begin : begin + settings.batch_size]
        b = len(index)
        noise = draw_noise(b, h, frames, keypoints.shape[1], settings.steps, generator)
        cond = torch.from_numpy(keypoints[index]).to(device)
        poses = sample_poses(model, cond, scheduler, h, settings.steps, settings.flip, noise).cpu()  # [B,H,T,J,3] m
        if h == 1 or settings.aggregate == "mean":
            agg = poses.mean(dim=1)
        else:
            flat = poses.permute(0, 2, 1, 3, 4).reshape(b * frames, h, -1, 3)
            rows = index.reshape(-1)
            agg, _, _, _ = reproject_select(
                flat, torch.from_numpy(pixels[rows]), intrinsics[rows], mode=settings.aggregate, mask=weights[rows]
            )
            agg = agg.reshape(b, frames, -1, 3)
        out.append(agg.numpy())
        if progress is not None:
            progress(begin + b, len(windows))
    per_window = np.concatenate(out) * MM_PER_M
    return overlap_average(per_window, windows, clips.num_frames)


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
