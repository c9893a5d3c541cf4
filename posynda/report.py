"""Result tables: metrics for the terminal (rich) and GitHub Markdown tables for committed results."""

from __future__ import annotations

from typing import Callable, Sequence

from rich.table import Table
from tabulate import tabulate

COLUMNS = (
    ("mpjpe", "MPJPE mm", "{:.1f}"),
    ("p_mpjpe", "P-MPJPE mm", "{:.1f}"),
    ("pck", "PCK@150 %", "{:.1f}"),
    ("auc", "AUC %", "{:.1f}"),
    ("frames", "frames", "{:d}"),
)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence], align: str | None = None) -> str:
    """A GitHub Markdown (pipe) table of already formatted cells; ``align``: one of "lrc" per column
    (default: the first column left, the others right). Ends with a newline."""
    align = align or "l" + "r" * (len(headers) - 1)
    names = {"l": "left", "r": "right", "c": "center"}
    text = tabulate(
        [[str(c) for c in row] for row in rows],
        headers=list(headers),
        tablefmt="pipe",
        colalign=[names[a] for a in align],
        disable_numparse=True,
    )
    return text + "\n"


def _cells(metrics: dict) -> list[str]:
    return [fmt.format(metrics[key]) if key in metrics else "-" for key, _, fmt in COLUMNS]


def metrics_table(rows: dict[str, dict], title: str = "") -> Table:
    """A rich Table with one row per named metrics dict (keys of posynda.metrics.summarize)."""
    table = Table(title=title or None)
    table.add_column("data")
    for _, header, _ in COLUMNS:
        table.add_column(header, justify="right")
    for name, metrics in rows.items():
        table.add_row(name, *_cells(metrics))
    return table


def metrics_markdown(
    rows: dict[str, dict], first_header: str = "data", extra: Sequence[tuple[str, Callable[[dict], str]]] = ()
) -> str:
    """The same table as GitHub Markdown; ``extra``: more ``(header, cell of a metrics dict)`` columns."""
    headers = [first_header] + [h for _, h, _ in COLUMNS] + [h for h, _ in extra]
    body = [[name, *_cells(m), *(cell(m) for _, cell in extra)] for name, m in rows.items()]
    return markdown_table(headers, body)
