"""``posynda adapt``: PoSynDA adaptation of a source-trained lifter to an unlabelled target (or Table 3)."""

from __future__ import annotations

import click
from rich.console import Console

from posynda.adapt import ABLATION_ROWS, adapt_files, run_default_ablation
from posynda.cli.options import (
    FOLDER,
    adapt_settings_options,
    adaptation_data_options,
    device_option,
    quiet_option,
    run_dir,
)
from posynda.report import metrics_table


@click.command()
@adaptation_data_options
@click.option("--out", type=FOLDER, default=None, help="run directory (default: runs/adapt-<time>)")
@adapt_settings_options()
@device_option("where the teacher, the student and the evaluations run (auto: CUDA when PyTorch sees a GPU)")
@click.option("--resume", is_flag=True, help="continue the run in --out from its last checkpoint")
@click.option("--ablation", is_flag=True, help="run the five rows of the paper's Table 3 instead of one adaptation")
@quiet_option
def adapt(checkpoint, source, target, eval_path, out, settings, device, resume, ablation, quiet):
    """Adapt a source-trained lifter to an unlabelled target domain (PoSynDA)."""
    files = dict(checkpoint=checkpoint, source=source, target=target, test=eval_path)
    out_dir = run_dir(out, "ablation" if ablation else "adapt", resume)
    if ablation:
        run_default_ablation(out_dir, settings, ABLATION_ROWS, Console(), progress=not quiet, device=device, **files)
        return
    report, test = adapt_files(out_dir, settings, resume=resume, progress=not quiet, device=device, **files)
    rows = {"before (source only)": report["before"], "after (adapted)": report["after"]}
    params = f"{report['trainable_parameters']:,} trainable parameters"
    title = f"{test.num_frames} test frames; {params}; {report['seconds']:.0f} s"
    Console().print(metrics_table(rows, title=title))
    click.echo(f"wrote {out_dir / 'model.safetensors'} and {out_dir / 'adapter'}")
