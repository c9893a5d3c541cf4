"""Lifting labelled clip sets with a checkpoint and scoring the result against their ground truth.

Lifting is the runtime's (:func:`posynda.runtime.windowed_lift.lift_windows`: windows, H hypotheses,
K DDIM steps, aggregation with the root translation solved from the 2D -- never from ground
truth); scoring is :mod:`posynda.metrics` over the valid frames, overall and per sequence.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np

from posynda import metrics
from posynda.checkpoint import Checkpoint, load_checkpoint
from posynda.data.clips import ClipSet, load_clips
from posynda.data.synth import DOMAINS
from posynda.defaults import default_clips_path
from posynda.errors import InputError
from posynda.runtime.settings import SamplingSettings
from posynda.runtime.windowed_lift import lift_windows


def lift_clips(
    checkpoint: Checkpoint, clips: ClipSet, settings: SamplingSettings = SamplingSettings(), progress=None
) -> np.ndarray:
    """Root-relative 3D poses ``[N, 17, 3]`` in mm for every frame of ``clips``, on the model's device.

    ``progress``: optional callable ``(done_windows, total_windows)``.
    """
    model = checkpoint.model
    device = next(model.parameters()).device
    return lift_windows(
        model,
        checkpoint.diffusion,
        checkpoint.config.frames,
        clips,
        settings,
        progress=progress,
        device=device,
        causal=checkpoint.config.causal,
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


def evaluation_targets(data: str | Path | None = None) -> dict[str, Path]:
    """``{name: clip file}`` to score: ``{stem: data}``, or every embedded domain's test split."""
    if data is not None:
        return {Path(data).stem: Path(data)}
    return {f"{domain}/test": default_clips_path(domain, "test") for domain in DOMAINS}


def load_evaluation(
    checkpoint: str | Path, targets: dict[str, Path], device: str = "cpu"
) -> tuple[Checkpoint, dict[str, ClipSet]]:
    """The checkpoint (on ``device``) and every clip file of ``targets``, all read (and checked) before any work."""
    return load_checkpoint(checkpoint, device), {name: load_clips(path) for name, path in targets.items()}


def evaluate_all(
    model: Checkpoint,
    datasets: dict[str, ClipSet],
    targets: dict[str, Path],
    settings: SamplingSettings = SamplingSettings(),
    progress=None,
) -> dict[str, dict]:
    """Score ``model`` on every clip set; ``{name: evaluate(...) + {"data": its file}}``.

    ``progress``: optional callable ``(name, done_windows, total_windows)``.
    """
    results = {}
    for name, clips in datasets.items():
        report = (lambda done, total, name=name: progress(name, done, total)) if progress else None
        results[name] = {**evaluate(model, clips, settings, report), "data": str(targets[name])}
    return results


def evaluation_payload(results: dict[str, dict], checkpoint: str | Path, single_file: bool) -> dict:
    """The ``posynda eval`` JSON: one file's metrics with ``checkpoint``, or ``{"checkpoint", "domains"}``."""
    if single_file:
        return {**next(iter(results.values())), "checkpoint": str(checkpoint)}
    return {"checkpoint": str(checkpoint), "domains": results}
