"""What every ``posynda bench`` command shares: the option block (``--quick``, ``--threads``, ``--out``,
``--save``, ``--json``, ``--device``), ``--quick``'s values, and :func:`finish` (results files, printing,
``--save`` into ``bench/results/<machine>/``)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.core import ParameterSource

from posynda.bench.plots import plot_if_available
from posynda.bench.results import QUICK_NOT_SAVED, completed, measured_device, save_copies, write_results
from posynda.cli.options import FILE, FOLDER, NameList
from posynda.devices import PRECISIONS
from posynda.errors import InputError
from posynda.fileio import atomic_write_text

SAVE_HELP = "also write the results into bench/results/<machine>/ (root: $POSYNDA_BENCH_RESULTS)"
POSITIVE = click.IntRange(min=1)
QUICK_ADAPT_STEPS = 50  # --quick: adaptation steps of accuracy's and footage's runs
QUICK_TRAIN_STEPS = 200  # --quick: pretraining steps (the MLP baseline, the oracle, the real-motion base)


def out_option(name: str):
    return click.option("--out", type=FOLDER, default=None, help=f"run directory (default: runs/bench-{name}-<time>)")


def save_option(extra: str = ""):
    return click.option("--save", is_flag=True, help=SAVE_HELP + extra)


def json_option(fn):
    return click.option("--json", "json_path", type=FILE, default=None, help="also write the JSON here")(fn)


def quick_option(what: str):
    """``--quick``: a smaller run (``what`` it changes), never saved into the results folder."""
    return click.option("--quick", is_flag=True, help=f"a smaller run, never saved: {what} (options you give win)")


def quick_or(quick: bool, name: str, value, quick_value):
    """``quick_value`` under ``--quick`` when the option ``name`` was not given on the command line, else ``value``."""
    if not quick:
        return value
    source = click.get_current_context().get_parameter_source(name)
    return quick_value if source in (None, ParameterSource.DEFAULT) else value


def log_err(line: str) -> None:
    click.echo(line, err=True)


def save_or_say(files, quick: bool, rename=None, device=None) -> None:
    """With ``--save``: copy ``files`` into the results folder, unless the run was ``--quick`` (then say why not)."""
    if quick:
        log_err(f"not saved: {QUICK_NOT_SAVED}")
        return
    click.echo(f"saved {', '.join(str(p) for p in save_copies(files, rename=rename, device=device))}")


def finish(
    out_dir: Path, stem: str, result: dict, markdown: str, json_path=None, save=False, plot=None, quick=False
) -> None:
    """Write ``stem.json`` / ``stem.md`` (+ ``stem.png`` from ``plot(result, path)``) of the finished run
    (``"complete": true``), print, copy to ``--json`` and, with ``save`` (not ``quick``), into the results folder."""
    result = completed(result)
    files = write_results(out_dir, stem, result, markdown)
    if plot is not None:
        files += plot_if_available(plot, result, out_dir / f"{stem}.png", log_err)
    click.echo(markdown)
    click.echo(f"wrote {', '.join(str(f) for f in files)}")
    if json_path:
        atomic_write_text(json_path, json.dumps(result, indent=2) + "\n")
        click.echo(f"wrote {json_path}")
    if save:
        save_or_say(files, quick, device=measured_device(result))


def require_data_dir(suite: str, data_dir) -> None:
    """The Bandai suites render their clips from ``--data-dir``: refuse them without it (before any folder)."""
    if suite == "bandai" and not data_dir:
        raise InputError("--suite bandai needs --data-dir (the Bandai-Namco-Research-Motiondataset-1 folder)")


def precisions_option(what: str):
    """``--precisions fp32,bf16,...`` (the autocast of ``what``), checked names, as a tuple."""
    return click.option(
        "--precisions", type=NameList(PRECISIONS, "precision"), default="fp32", show_default=True,
        help=f"comma-separated autocast of {what}: fp32, bf16, fp16 (CUDA)",
    )  # fmt: skip


def compiles_option(what: str):
    """``--compile off|on|off,on`` (torch.compile of ``what``) as a tuple of booleans in ``compiles``."""
    return click.option(
        "--compile", "compiles", type=NameList(("off", "on"), "compile setting"), default="off", show_default=True,
        callback=lambda _ctx, _param, names: tuple(n == "on" for n in names),
        help=f"off, on or off,on: torch.compile of {what}",
    )  # fmt: skip


def suite_option(help_text: str):
    """``--suite embedded|bandai``."""
    return click.option(
        "--suite", type=click.Choice(["embedded", "bandai"]), default="embedded", show_default=True, help=help_text
    )


def data_dir_option(help_text: str = "bandai: the dataset"):
    return click.option("--data-dir", type=click.Path(file_okay=False, exists=True), default=None, help=help_text)
