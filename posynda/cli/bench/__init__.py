"""``posynda bench ...``: every benchmark, each writing JSON + Markdown into its run directory.

The commands are generated from the table :data:`posynda.cli.bench.rows.BENCHES`: each row's own options
plus the block every bench shares. ``--save`` also copies the files into ``bench/results/<machine>/``
(:mod:`posynda.bench.results`). Every bench takes ``--threads`` (PyTorch's and ONNX Runtime's CPU threads,
:func:`posynda.threads.use_threads`) and ``--quick`` (a smaller run for a first look; the values it changes are
those the command line was not given, and a quick run is never saved into bench/results). Benches that
measure row after row write their JSON and Markdown after every finished row, marked ``"complete": false``
until the end (:class:`posynda.bench.results.RowWriter`): a run that is stopped keeps what it measured.
"""

from __future__ import annotations

import click

from posynda.bench.results import RowWriter
from posynda.cli.bench.common import finish, json_option, out_option, quick_option, quick_or, save_option
from posynda.cli.bench.rows import BENCHES, BenchRow
from posynda.cli.lazy import LazyGroup
from posynda.cli.options import apply_options, device_option, run_dir, threads_option


def shared_options(row: BenchRow) -> list:
    """The options of ``row`` after its own: --quick, --threads, --device, --json, --out, --save (where it has them)."""
    shared = [quick_option(row.quick_help)] if row.quick_help is not None else []
    if row.threads != "none":
        shared.append(threads_option(keep=row.threads == "keep"))
    if row.device is not None:
        shared.append(device_option(row.device) if row.device else device_option())
    if row.json:
        shared.append(json_option)
    if row.out:
        shared.append(out_option(row.name))
    if row.save_help is not None:
        shared.append(save_option(row.save_help))
    return shared


def command_of(row: BenchRow) -> click.Command:
    """The click command of one table row."""

    def body(**options):
        quick = options.get("quick", False)
        for name, quick_value in row.quick.items():
            options[name] = quick_or(quick, name, options[name], quick_value)
        if row.check is not None:
            row.check(**options)  # before any folder
        if row.out:
            options["out_dir"] = run_dir(options.pop("out"), f"bench-{row.name}")
        if not row.finished:
            return row.run(**options)
        json_path, save = options.pop("json_path", None), options.pop("save", False)
        options.setdefault("quick", False)
        stem = row.stem_of(options)
        options["on_row"] = RowWriter(options["out_dir"], stem, row.markdown)
        result = row.run(**options)
        finish(options["out_dir"], stem, result, row.markdown(result), json_path, save, plot=row.plot, quick=quick)

    body.__doc__ = row.help
    return click.command(row.name)(apply_options([*row.options, *shared_options(row)], body))


@click.group(cls=LazyGroup)
def bench():
    """Benchmarks (committed results live under bench/results/)."""


for _row in BENCHES:
    bench.add_command(command_of(_row))
