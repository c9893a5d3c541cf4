"""Parity of an exported graph with PyTorch: ONNX Runtime (CPU) vs the fp32 module on the same inputs.

Gates: fp32 graphs must match within ``FP32_MAX_ABS_M`` (max abs, metres); fp16 graphs within an
MPJPE delta of ``FP16_RELATIVE_MPJPE`` of the reference's mean joint distance (fp16 keeps about
three significant digits). The worst case over the compared batch sizes is kept.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from posynda.export.onnx_graphs import SamplerGraph
from posynda.models import example_inputs
from posynda.runtime.metadata import DENOISER_INPUTS, DENOISER_OUTPUT, SAMPLER_INPUTS, SAMPLER_OUTPUT

FP32_MAX_ABS_M = 1e-4
FP16_RELATIVE_MPJPE = 0.01


def _compare(reference: np.ndarray, got: np.ndarray) -> tuple[float, float, float]:
    """(max abs m, MPJPE delta mm, mean joint distance of the reference mm)."""
    diff = got.astype(np.float64) - reference.astype(np.float64)
    scale = float(np.linalg.norm(reference.astype(np.float64), axis=-1).mean() * 1000.0)
    return float(np.abs(diff).max()), float(np.linalg.norm(diff, axis=-1).mean() * 1000.0), scale


def denoiser_parity(
    session, model: nn.Module, frames: int, joints: int, batches=(1, 3), fp16: bool = False
) -> dict[str, float | str | bool]:
    """ONNX Runtime vs PyTorch fp32 on plausible inputs, per batch size; the worst case is kept.

    Returns ``{"max_abs_m", "mpjpe_delta_mm", "mpjpe_delta_relative", "provider", "precision", "passed",
    "gate"}``.
    """
    stats = []
    for i, b in enumerate(batches):
        kp, noisy, t = example_inputs(b, frames, joints, seed=100 + i)
        with torch.no_grad():
            ref = model(kp, noisy, t).numpy()
        got = session.run([DENOISER_OUTPUT], dict(zip(DENOISER_INPUTS, (kp.numpy(), noisy.numpy(), t.numpy()))))
        stats.append(_compare(ref, got[0]))
    return _verdict(stats, session, fp16)


def sampler_parity(session, graph: SamplerGraph, frames: int, joints: int, batches=(1, 3)) -> dict:
    """ONNX Runtime vs PyTorch for the whole sampler graph (same inputs and noise)."""
    stats = []
    for i, b in enumerate(batches):
        kp = example_inputs(b, frames, joints, seed=200 + i)[0]
        gen = torch.Generator().manual_seed(300 + i)
        noise = torch.randn(graph.steps + 1, b, graph.hypotheses, frames, joints, 3, generator=gen)
        with torch.no_grad():
            ref = graph(kp, noise).numpy()
        got = session.run([SAMPLER_OUTPUT], dict(zip(SAMPLER_INPUTS, (kp.numpy(), noise.numpy()))))
        stats.append(_compare(ref, got[0]))
    return _verdict(stats, session, fp16=False)


def _verdict(stats: list[tuple[float, float, float]], session, fp16: bool) -> dict:
    """The worst case over the compared batches, and whether it passes its precision's gate."""
    max_abs = max(s[0] for s in stats)
    mpjpe = max(s[1] for s in stats)
    relative = max(s[1] / max(s[2], 1e-9) for s in stats)
    if fp16:
        passed, gate = relative <= FP16_RELATIVE_MPJPE, f"MPJPE delta <= {FP16_RELATIVE_MPJPE:.0%} of the pose scale"
    else:
        passed, gate = max_abs <= FP32_MAX_ABS_M, f"max abs <= {FP32_MAX_ABS_M:g} m"
    return {
        "max_abs_m": max_abs,
        "mpjpe_delta_mm": mpjpe,
        "mpjpe_delta_relative": relative,
        "provider": session.get_providers()[0],
        "precision": "fp16" if fp16 else "fp32",
        "gate": gate,
        "passed": bool(passed),
    }
