"""Windowed lifting of clip sets with any denoiser callable: windowing, K-step sampling, H-hypothesis
aggregation, overlap averaging and placing the poses in the camera. One implementation behind
:func:`posynda.evaluate.lift_clips` (an in-memory model) and :class:`posynda.runtime.Lifter` (torch, ONNX
Runtime, TensorRT).

Sequences are cut into windows of the model's T frames (edge-padded when shorter; a last window
aligned to the sequence end fills what the stride leaves; ``settings.stride`` < T makes windows
overlap) -- or, for a causal model, one window per frame ending at it
(:func:`posynda.data.windows.causal_windows`) -- each window gets its noise from its own Philox stream
(``settings.seed``, its sequence -- ``ClipSet.noise_sequences()`` -- and its index: :mod:`posynda.diffusion.philox`,
so a seed gives the same poses on every backend, in every batching and in the C library), is sampled with
:func:`posynda.diffusion.sample_poses` and aggregated (mean, or reprojection-selected per joint / per frame
with the root translation solved from the 2D) on the denoiser's device -- on CUDA that is the Triton kernel --
and overlapping windows are averaged back to frames.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from posynda import camera
from posynda.data.clips import ClipSet
from posynda.data.prepare import MM_PER_M, frame_intrinsics, normalized_keypoints
from posynda.data.windows import Windows, causal_windows, overlap_average, window_sequences
from posynda.diffusion import DDIMScheduler, SchedulerConfig, sample_poses, window_noise
from posynda.errors import InputError
from posynda.hypotheses import Aggregation, reproject_select
from posynda.runtime.settings import SamplingSettings

Denoiser = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
# (keypoints_2d [B,T,J,2], noise [K+1,B,H,T,J,3]) -> aggregated poses [B,T,J,3] (a whole-sampler graph)
Sampler = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def aggregate_hypotheses(
    poses: torch.Tensor,
    mode: Aggregation,
    pixels: torch.Tensor,
    intrinsics: torch.Tensor,
    weights: torch.Tensor,
    index: np.ndarray,
) -> torch.Tensor:
    """``[B, H, T, J, 3]`` hypotheses -> ``[B, T, J, 3]`` on ``poses``' device.

    The mean, or the reprojection-selected hypothesis per joint / frame. ``pixels [N, J, 2]``
    (NaN = missing), ``intrinsics [N, 9]`` and ``weights [N, J]`` are per flat frame of the clip
    set (any device: the rows of the windows are moved to ``poses``' device), ``index [B, T]``
    says which frames the windows hold.
    """
    b, h, frames = poses.shape[:3]
    if h == 1 or mode == "mean":
        return poses.mean(dim=1)
    flat = poses.permute(0, 2, 1, 3, 4).reshape(b * frames, h, -1, 3)
    rows = torch.from_numpy(index.reshape(-1))
    device = poses.device
    agg, _, _, _ = reproject_select(
        flat, pixels[rows].to(device), intrinsics[rows].to(device), mode=mode, mask=weights[rows].to(device)
    )
    return agg.reshape(b, frames, -1, 3)


# Joints without a detection (gap-filled by interpolation) still pin the root solve a little, so
# a frame with no detection at all gets the interpolated placement instead of t = 0.
FILLED_JOINT_WEIGHT = 1e-3


def place_in_camera(root_relative_mm: np.ndarray, pixels: np.ndarray, intrinsics: np.ndarray, weights: np.ndarray):
    """Absolute camera-frame poses ``[N, 17, 3]`` mm (float32) of root-relative ``[N, 17, 3]`` mm: each frame's
    translation is the closed-form least-squares fit (:func:`posynda.camera.solve_root_translation`, float64)
    to its gap-filled ``pixels [N, 17, 2]`` under ``intrinsics [N, 9]``, weighted by ``weights [N, 17]``
    (confidences; at least :data:`FILLED_JOINT_WEIGHT`)."""
    rel = torch.from_numpy(np.asarray(root_relative_mm, dtype=np.float64))
    translation = camera.solve_root_translation(
        rel,
        torch.from_numpy(np.asarray(pixels, dtype=np.float64)),
        torch.from_numpy(np.asarray(intrinsics, dtype=np.float64)),
        torch.from_numpy(np.maximum(weights, np.float32(FILLED_JOINT_WEIGHT)).astype(np.float64)),
    )
    return (rel + translation[:, None, :]).numpy().astype(np.float32)


def check_causal_stride(settings: SamplingSettings, causal: bool) -> None:
    """InputError when a causal model is asked for a window stride: it lifts one window per frame (stride 1)."""
    if causal and settings.stride not in (None, 1):
        raise InputError(f"stride must be 1 for a causal model (one window per frame), got {settings.stride}",
                         parameter="stride")  # fmt: skip


def plan_windows(bounds: np.ndarray, frames: int, settings: SamplingSettings, causal: bool = False) -> Windows:
    """The windows of sequences ``bounds [S, 2]``: :func:`causal_windows` for a causal model, else windows every
    ``settings.stride`` frames (default T) with the end-aligned tail."""
    check_causal_stride(settings, causal)
    if causal:
        return causal_windows(bounds, frames)
    return window_sequences(bounds, frames, stride=settings.stride or frames)


def lift_windows(
    denoiser: Denoiser | None,
    diffusion: SchedulerConfig,
    frames: int,
    clips: ClipSet,
    settings: SamplingSettings,
    progress=None,
    device: str | torch.device = "cpu",
    sampler: Sampler | None = None,
    causal: bool = False,
) -> np.ndarray:
    """Root-relative 3D poses ``[N, 17, 3]`` in mm for every frame of ``clips``.

    Args:
        denoiser: ``(keypoints_2d, noisy_3d, t) -> x0`` (a torch module or a runtime backend).
        diffusion: the scheduler configuration the denoiser was trained with.
        frames: the window length T.
        settings: H, K, flip, aggregation, batch size, seed and window stride.
        progress: optional callable ``(done_windows, total_windows)``.
        device: where the 2D conditioning is placed (the denoiser's device).
        sampler: a whole-sampler callable ``(keypoints_2d, noise) -> poses [B,T,J,3]`` used instead
            of ``denoiser`` (its K, H and flip are fixed, its aggregation is the mean).
        causal: the model is causal (``DenoiserConfig.causal``): frame t is lifted by the window that ends at
            it (zero look-ahead; ``settings.stride`` must be None or 1).
    """
    scheduler = DDIMScheduler(diffusion)
    keypoints = normalized_keypoints(clips)
    pixels = torch.from_numpy(clips.keypoints_2d)
    weights = torch.from_numpy(clips.confidence_or_ones())
    intrinsics = torch.from_numpy(frame_intrinsics(clips))
    windows = plan_windows(clips.sequence_bounds(), frames, settings, causal)
    h, out = settings.hypotheses, []
    # (sequence, window): the noise's; the sequence as the set names it (ClipSet.noise_sequence), else its position
    streams = list(zip(clips.noise_sequences()[windows.seq].tolist(), windows.local_index().tolist()))
    for begin in range(0, len(windows), settings.batch_size):
        index = windows.index[begin : begin + settings.batch_size]
        b = len(index)
        noise = window_noise(settings.seed, streams[begin : begin + b], settings.steps, h, frames, keypoints.shape[1])
        cond = torch.from_numpy(keypoints[index]).to(device)
        if sampler is not None:
            agg = sampler(cond, noise)
        else:
            poses = sample_poses(denoiser, cond, scheduler, h, settings.steps, settings.flip, noise)
            agg = aggregate_hypotheses(poses, settings.aggregate, pixels, intrinsics, weights, index)
        out.append(agg.cpu().numpy())
        if progress is not None:
            progress(begin + b, len(windows))
    per_window = np.concatenate(out) * MM_PER_M
    return overlap_average(per_window, windows, clips.num_frames)
