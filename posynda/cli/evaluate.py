"""``posynda eval``: score a checkpoint on labelled clips (default: the embedded test splits)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console

from posynda.cli.options import (
    FILE,
    OUT_FILE,
    device_option,
    run_dir,
    sampling_options,
    threads_option,
    window_progress,
)
from posynda.defaults import shipped_checkpoint
from posynda.devices import resolve_device
from posynda.evaluate import evaluate_all, evaluation_payload, evaluation_targets, load_evaluation
from posynda.fileio import atomic_write_text
from posynda.report import metrics_table


@click.command("eval")
@click.option(
    "--model", "--checkpoint", "checkpoint", type=FILE, default=None,
    help="checkpoint to score (default: shipped studio model; --checkpoint is the same option)",
)  # fmt: skip
@click.option(
    "--data",
    "data_path",
    type=FILE,
    default=None,
    help="labelled test clip file (default: embedded studio/test and wild/test)",
)
@sampling_options
@click.option("--json", "json_path", type=OUT_FILE, default=None, help="also write the metrics here")
@click.option("--per-sequence/--no-per-sequence", default=True, show_default=True, help="print the per-sequence table")
@device_option()
@threads_option
def eval_cmd(checkpoint, data_path, settings, json_path, per_sequence, device):
    """Evaluate a checkpoint: MPJPE, P-MPJPE, PCK@150mm, AUC (3DHP protocol joints)."""
    path = Path(checkpoint) if checkpoint else shipped_checkpoint()
    targets = evaluation_targets(data_path)
    model, datasets = load_evaluation(path, targets, resolve_device(device))
    out_dir = run_dir(None, "eval")
    hk = f"H={settings.hypotheses}, K={settings.steps}"
    with window_progress(f"lifting ({hk})") as report:
        results = evaluate_all(
            model, datasets, targets, settings, lambda name, d, t: report(d, t, f"lifting {name} ({hk})")
        )
    console = Console()
    for name, result in results.items() if per_sequence else ():
        console.print(metrics_table(result["per_sequence"], title=f"{name}: per sequence"))
    flip = ", flip" if settings.flip else ""
    title = f"{path.name} (H={settings.hypotheses}, K={settings.steps}, {settings.aggregate}{flip})"
    console.print(metrics_table(results, title=title))
    text = json.dumps(evaluation_payload(results, path, single_file=data_path is not None), indent=2)
    atomic_write_text(out_dir / "metrics.json", text)
    if json_path:
        atomic_write_text(json_path, text)
        click.echo(f"wrote {json_path}")
