"""Result tables for the terminal (rich) and for committed Markdown files."""

from __future__ import annotations

COLUMNS = (
    ("mpjpe", "MPJPE mm", "{:.1f}"),
    ("p_mpjpe", "P-MPJPE mm", "{:.1f}"),
    ("pck", "PCK@150 %", "{:.1f}"),
    ("auc", "AUC %", "{:.1f}"),
    ("frames", "frames", "{:d}"),
)


def _cells(metrics: dict) -> list[str]:
    return [fmt.format(metrics[key]) if key in metrics else "-" for key, _, fmt in COLUMNS]


def metrics_table(rows: dict[str, dict], title: str = ""):
    """A rich Table with one row per named metrics dict (keys of posynda.metrics.summarize)."""
    from rich.table import Table

    table = Table(title=title or None)
    table.add_column("data")
    for _, header, _ in COLUMNS:
        table.add_column(header, justify="right")
    for name, metrics in rows.items():
        table.add_row(name, *_cells(metrics))
    return table


def metrics_markdown(rows: dict[str, dict], first_header: str = "data") -> str:
    """The same table as GitHub Markdown."""
    lines = ["| " + " | ".join([first_header] + [h for _, h, _ in COLUMNS]) + " |", "|" + "---|" * (len(COLUMNS) + 1)]
    lines += ["| " + " | ".join([name] + _cells(m)) + " |" for name, m in rows.items()]
    return "\n".join(lines) + "\n"
