"""How much unlabelled target footage adaptation needs: validation MPJPE against minutes of target 2D.

    posynda bench footage --suite bandai --data-dir DIR [--checkpoint BASE] [--minutes 0.25,0.5,1,2] [--save]

The base (a source-trained checkpoint; by default the ``cpu`` preset pretrained on the suite's
source-train by ``posynda pretrain``) is adapted with the ``posynda adapt`` defaults to nested
subsets of the target's training 2D -- whole sequences in one fixed random order (``seed``), taken
until each budget of minutes is reached at the clips' frame rate, then all of it -- and every
adapted model is scored on the validation split (H 1, K 1, flip). Row 0 is the base itself
(0 minutes). Only the target's 2D is used for adaptation; its 3D never is.

Writes ``footage.json`` (per row: minutes and frames of target 2D, sequences, MPJPE / P-MPJPE,
adaptation seconds), ``footage.md`` and, with matplotlib, ``footage.png``; the JSON and Markdown after
every row as well (``on_row``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from posynda.adapt import AdaptSettings
from posynda.adapt.trainer import adapt
from posynda.bench.results import RowCallback, no_rows
from posynda.checkpoint import load_checkpoint
from posynda.data import ClipSet
from posynda.environment import machine_info
from posynda.errors import InputError
from posynda.evaluate import evaluate
from posynda.report import markdown_table
from posynda.runtime.settings import SamplingSettings

DEFAULT_MINUTES = (0.25, 0.5, 1.0, 2.0)
QUICK_MINUTES = (0.25,)  # --quick: one budget, then all of it
EVAL = SamplingSettings(hypotheses=1, steps=1, flip=True)


def frame_rate(clips: ClipSet) -> float:
    """The clips' mean frame rate, 50 fps when they do not say."""
    return float(np.nanmean(clips.fps)) if clips.fps is not None else 50.0


def footage_subsets(target: ClipSet, minutes, seed: int = 0, fps: float | None = None) -> list[ClipSet]:
    """Nested subsets of ``target``: for each budget (minutes, increasing) the shortest prefix of one
    fixed random order of its sequences that reaches it, then the whole set. ``fps``: frames per
    second when the clips do not say (default 50)."""
    rate = float(fps or frame_rate(target))
    order = np.random.default_rng(seed).permutation(target.num_sequences)
    lengths = np.diff(target.sequence_bounds(), axis=1)[:, 0]  # frames per sequence
    cumulative = np.cumsum(lengths[order])
    subsets = []
    for budget in sorted(minutes):
        if budget <= 0:
            raise InputError(f"minutes: {budget} is not a positive number of minutes", parameter="minutes")
        count = int(np.searchsorted(cumulative, budget * 60 * rate)) + 1
        if count >= target.num_sequences:
            break
        subsets.append(target.select_sequences(np.sort(order[:count])))
    return [*subsets, target]


def run_footage(
    base: Path,
    source: ClipSet,
    target: ClipSet,
    val: ClipSet,
    out_dir,
    minutes=DEFAULT_MINUTES,
    settings: AdaptSettings | None = None,
    seed: int = 0,
    log=print,
    data: dict | None = None,
    device: str = "cpu",
    on_row: RowCallback = no_rows,
) -> dict:
    """Adapt ``base`` (on ``device``) to each subset of :func:`footage_subsets` (its 2D only) and score on ``val``;
    returns the ``footage.json`` content. ``data``: a description of the inputs, recorded as is. ``on_row``
    gets the result so far after every row (the base first)."""
    if not val.has_3d:
        raise InputError("footage: the validation clips have no 'joints_3d'")
    settings = settings or AdaptSettings()
    out = Path(out_dir)
    rate = frame_rate(target)
    source_only = _scores(evaluate(load_checkpoint(base, "cpu"), val, EVAL))
    result = {
        "settings": dataclasses.asdict(settings),
        "fps": rate,
        "seed": seed,
        "val_frames": int(val.valid_or_all().sum()),
        "data": data or {},
        "machine": machine_info(),
        "rows": [{"minutes": 0.0, "frames": 0, "sequences": 0, **source_only}],
    }
    on_row(result)
    for k, subset in enumerate(footage_subsets(target.without_3d(), minutes, seed, rate)):
        length = subset.num_frames / rate / 60
        log(f"footage {k + 1}: {length:.2f} min of target 2D ({subset.num_sequences} sequences)")
        report = adapt(base, source, subset, out / f"adapt{k}", settings, eval_clips=val, progress=False, device=device)
        result["rows"].append(
            {
                "minutes": length,
                "frames": subset.num_frames,
                "sequences": subset.num_sequences,
                **_scores(report["after"]),
                "seconds": report["seconds"],
            }
        )
        on_row(result)
    return result


def _scores(metrics: dict) -> dict:
    return {"mpjpe": metrics["mpjpe"], "p_mpjpe": metrics["p_mpjpe"]}


def markdown(result: dict) -> str:
    """One row per amount of footage: minutes, frames, sequences, MPJPE / P-MPJPE, change vs 0 minutes."""
    base = result["rows"][0]["mpjpe"]
    body = [
        [
            f"{r['minutes']:.2f}",
            str(r["frames"]),
            str(r["sequences"]),
            f"{r['mpjpe']:.1f}",
            f"{r['p_mpjpe']:.1f}",
            f"{100 * (r['mpjpe'] / base - 1):+.1f} %",
            f"{r['seconds']:.0f}" if "seconds" in r else "-",
        ]
        for r in result["rows"]
    ]
    headers = ["target 2D, minutes", "frames", "sequences", "val MPJPE", "val P-MPJPE", "vs source-only", "adapt s"]
    where = result.get("data", {}).get("val", "validation")
    head = f"Adaptation vs amount of unlabelled target footage ({result['fps']:g} fps), scored on {where}.\n\n"
    return head + markdown_table(headers, body)
