"""Simple lifters that every accuracy table is read against (docs/CONVENTIONS.md, "Honest numbers").

Each is fitted on labelled clips and predicts root-relative mm per frame: :class:`MeanPose` (no
input at all), :class:`NearestNeighbour` (2D -> 3D lookup), :class:`FrameMLP` (Martinez et al.
2017). :data:`BASELINES` names them for tables; :func:`baseline_metrics` fits one and scores it,
:func:`baseline_rows` all of them.
"""

from __future__ import annotations

import time

from posynda.baselines.mean_pose import MeanPose
from posynda.baselines.mlp import FrameMLP
from posynda.baselines.nearest import NearestNeighbour
from posynda.data.clips import ClipSet
from posynda.evaluate import score

BASELINES = {
    "mean pose": MeanPose,
    "nearest neighbour": NearestNeighbour,
    "single-frame MLP (Martinez 2017)": FrameMLP,
}


def baseline_metrics(name: str, train: ClipSet, tests: dict[str, ClipSet], seed: int = 0, **options) -> dict[str, dict]:
    """Fit baseline ``name`` on ``train`` (``options``: its constructor's settings, e.g. the MLP's
    ``steps``) and score it on every clip set of ``tests``: ``{test name: score(...) + {"seconds": fit seconds}}``."""
    start = time.perf_counter()
    model = BASELINES[name](train, seed=seed, **options)
    seconds = time.perf_counter() - start
    return {key: {**score(model.predict(clips), clips), "seconds": seconds} for key, clips in tests.items()}


def baseline_rows(train: ClipSet, tests: dict[str, ClipSet], mlp_steps: int = 3000, log=print) -> dict[str, dict]:
    """Every baseline of :data:`BASELINES` fitted on ``train`` (the MLP for ``mlp_steps`` steps) and
    scored on ``tests``: ``{baseline name: {test name: metrics}}``."""
    rows = {}
    for name, kind in BASELINES.items():
        log(f"baseline: {name}")
        rows[name] = baseline_metrics(name, train, tests, **({"steps": mlp_steps} if kind is FrameMLP else {}))
    return rows


__all__ = ["BASELINES", "FrameMLP", "MeanPose", "NearestNeighbour", "baseline_metrics", "baseline_rows"]
