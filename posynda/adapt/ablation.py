"""The paper's Table 3 ablation: source-only, + GPA, + LoRA, + cross-dataset embedding, + multi-hypothesis,
and posynda's default recipe.

Each row is a full adaptation run with one more component switched on (same steps, seed and data),
scored on the test split -- which is used for this report only, never to pick a run.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from posynda.adapt.settings import AdaptSettings
from posynda.adapt.trainer import adapt
from posynda.checkpoint import load_checkpoint
from posynda.data.clips import ClipSet
from posynda.devices import Device, resolve_device
from posynda.evaluate import evaluate
from posynda.fileio import atomic_write_text
from posynda.report import metrics_markdown, metrics_table, per_action_markdown
from posynda.runtime.settings import SamplingSettings

# The paper's recipe, which posynda's defaults depart from (settings.py): a moving teacher, raw
# pseudo-labels, no view augmentation, a constant learning rate.
PAPER_RECIPE = dict(teacher="student", snap_labels=False, view_pitch_degrees=0.0, view_roll_degrees=0.0,
                    lr_schedule="constant")  # fmt: skip

ABLATION_ROWS = (  # paper Table 3: each row adds one component; the last is posynda's default recipe
    ("source-only baseline", None),
    ("+ GPA", dict(PAPER_RECIPE, gpa=True, lora=False, cd_embedding=False, hypotheses=1)),
    ("+ LoRA", dict(PAPER_RECIPE, gpa=True, lora=True, cd_embedding=False, hypotheses=1)),
    ("+ cross-dataset embedding", dict(PAPER_RECIPE, gpa=True, lora=True, cd_embedding=True, hypotheses=1)),
    ("+ multi-hypothesis (full PoSynDA)", dict(PAPER_RECIPE, gpa=True, lora=True, cd_embedding=True)),
    ("posynda defaults (full fine-tuning, view augmentation, snapped labels, EMA teacher)", {}),
)


def run_ablation(
    base_path,
    source: ClipSet,
    target: ClipSet,
    test: ClipSet,
    out_dir: Path,
    settings: AdaptSettings,
    rows,
    console,
    progress: bool = True,
    eval_settings: SamplingSettings = SamplingSettings(),
    device: Device = "auto",
    references: dict[str, dict] | None = None,
) -> dict:
    """Run every ``(name, overrides)`` row (``None`` = the base model, not adapted) on ``device``.

    ``references``: metrics of rows that are not adaptations of the base (baselines, a
    target-trained oracle), shown first in the table and marked as references.
    Writes ``ablation.json`` and ``ablation.md`` (the metrics table, then MPJPE / P-MPJPE per action)
    into ``out_dir`` and returns the JSON content.
    """
    results: dict[str, dict] = {}
    for k, (name, overrides) in enumerate(rows):
        console.print(f"[bold]{name}[/bold]")
        if overrides is None:
            metrics = evaluate(load_checkpoint(base_path, resolve_device(device)), test, eval_settings)
            metrics.update(trainable_parameters=0, seconds=0.0)
        else:
            row_settings = dataclasses.replace(settings, **overrides)
            report = adapt(
                base_path,
                source,
                target,
                out_dir / f"row{k}",
                row_settings,
                eval_clips=test,
                eval_settings=eval_settings,
                progress=progress,
                device=device,
            )
            metrics = dict(
                report["after"],
                trainable_parameters=report["trainable_parameters"],
                seconds=report["seconds"],
                settings=report["settings"],
            )
        results[name] = metrics
        if k < len(rows) - 1:  # every finished row on disk: a stopped ablation keeps what it measured
            _write(out_dir, _payload(results, references, test, settings, complete=False))
    payload = _payload(results, references, test, settings, complete=True)
    results = _write(out_dir, payload)
    console.print(metrics_table(results, title="PoSynDA ablation (paper Table 3)"))
    return payload


def _payload(rows: dict, references, test: ClipSet, settings: AdaptSettings, complete: bool) -> dict:
    """The ablation's JSON: the references first, then the rows, each with its MPJPE change against the first
    row (the source-only base); ``complete`` False while rows are still to come."""
    baseline = next(iter(rows.values()))["mpjpe"]
    results = {**{f"reference: {k}": dict(v, trainable_parameters=0) for k, v in (references or {}).items()}, **rows}
    for metrics in results.values():
        metrics["mpjpe_change_pct"] = 100.0 * (metrics["mpjpe"] / baseline - 1.0)
    return {
        "test_frames": int(test.valid_or_all().sum()),
        "rows": results,
        "common_settings": dataclasses.asdict(settings),
        "complete": complete,
    }


def _write(out_dir: Path, payload: dict) -> dict:
    """Write ``ablation.json`` and ``ablation.md`` (the metrics table, then MPJPE / P-MPJPE per action) of
    ``payload``; returns its rows."""
    results = payload["rows"]
    atomic_write_text(out_dir / "ablation.json", json.dumps(payload, indent=2))
    extra = (
        ("trainable params", lambda m: f"{m['trainable_parameters']:,}"),
        ("MPJPE vs baseline", lambda m: f"{m['mpjpe_change_pct']:+.1f} %"),
    )
    note = "" if payload["complete"] else "> **Incomplete**: written after every finished row.\n\n"
    per_action = per_action_markdown(results, "configuration")
    atomic_write_text(
        out_dir / "ablation.md",
        note
        + metrics_markdown(results, "configuration", extra)
        + "\nMPJPE / P-MPJPE (mm) per action:\n\n"
        + per_action,
    )
    return results
