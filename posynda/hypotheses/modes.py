"""The vocabulary of hypothesis aggregation (plain names, no torch: the CLI builds its choices from it)."""

from __future__ import annotations

from typing import Literal, get_args

# How H hypotheses become one pose: "joint" (per-joint reprojection selection, D3DP's JPMA),
# "frame" (per-frame selection, PoSynDA paper Eq. 4) or "mean" (D3DP's P-Agg).
Aggregation = Literal["joint", "frame", "mean"]
# The reprojection selections (what a teacher's pseudo-label may use).
Selection = Literal["joint", "frame"]
# Where reproject_select runs: "auto" = Triton for CUDA tensors when installed, else the reference.
SelectionBackend = Literal["auto", "torch", "triton"]

AGGREGATIONS: tuple[str, ...] = get_args(Aggregation)
SELECTIONS: tuple[str, ...] = get_args(Selection)
SELECTION_BACKENDS: tuple[str, ...] = get_args(SelectionBackend)
