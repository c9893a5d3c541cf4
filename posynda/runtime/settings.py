"""How poses are sampled at inference: the settings every lifting path shares (eval, lift, runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from posynda.errors import InputError
from posynda.hypotheses.modes import AGGREGATIONS, Aggregation
from posynda.limits import MAX_BATCH, MAX_HYPOTHESES, MAX_STEPS


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
        seed: seed of the sampler's Philox noise (:mod:`posynda.diffusion.philox`), in [0, 2^64).
        stride: frames between window starts; None = T (windows overlap only where the last one
            is aligned to a sequence's end). Overlapping frames are averaged.
    """

    hypotheses: int = 1
    steps: int = 1
    flip: bool = True
    aggregate: Aggregation = "joint"
    batch_size: int = 64
    seed: int = 0
    stride: int | None = None

    def __post_init__(self):
        for name, value, most in (
            ("hypotheses", self.hypotheses, MAX_HYPOTHESES),
            ("steps", self.steps, MAX_STEPS),
            ("batch_size", self.batch_size, MAX_BATCH),
        ):
            if not 1 <= value <= most:
                raise InputError(f"{name} must be in [1, {most}], got {value}")
        if not 0 <= self.seed < 2**64:
            raise InputError(f"seed must be in [0, 2^64), got {self.seed}")
        if self.stride is not None and self.stride < 1:
            raise InputError(f"window stride must be >= 1, got {self.stride}")
        if self.aggregate not in AGGREGATIONS:
            raise InputError(f"unknown aggregation {self.aggregate!r}; choose one of {AGGREGATIONS}")
