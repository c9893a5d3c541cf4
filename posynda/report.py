"""Result tables: metrics for the terminal (rich) and GitHub Markdown tables for committed results."""

from __future__ import annotations

import re
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
    """A rich Table with one row per named metrics dict (keys of posynda.metrics.summarize).

    Names are folded onto more lines where the terminal is narrow, never cut (sequence names that
    differ only in their camera suffix must stay apart); the number columns never wrap."""
    table = Table(title=title or None)
    table.add_column("data", overflow="fold", min_width=12)
    for _, header, _ in COLUMNS:
        table.add_column(header, justify="right", no_wrap=True)
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


def action_of(name: str) -> str:
    """The action of a sequence name: its last path part without ``.``-suffixes (camera, segment) and
    without a trailing take number (``wild/test/TS1/squat_1`` -> ``squat``,
    ``S9/Walking 1.54138969`` -> ``Walking``, ``studio/train/S1/walk_1.cam0`` -> ``walk``)."""
    stem = name.rsplit("/", 1)[-1].split(".", 1)[0]
    return re.sub(r"[ _]\d+$", "", stem) or stem


def per_action(metrics: dict, action: Callable[[str], str] = action_of) -> dict[str, dict]:
    """Frame-weighted ``{action: {"mpjpe", "p_mpjpe", "frames"}}`` (mm) from a score's ``per_sequence``
    (``posynda.evaluate.score``), sorted by action; a metric missing from a sequence is left out."""
    sums: dict[str, dict[str, float]] = {}
    for name, m in metrics.get("per_sequence", {}).items():
        acc = sums.setdefault(action(name), {"frames": 0})
        acc["frames"] += m["frames"]
        for key in ("mpjpe", "p_mpjpe"):
            if key in m:
                acc[key] = acc.get(key, 0.0) + m[key] * m["frames"]
    return {
        a: {**{k: v / acc["frames"] for k, v in acc.items() if k != "frames"}, "frames": int(acc["frames"])}
        for a, acc in sorted(sums.items())
        if acc["frames"]
    }


def per_action_markdown(rows: dict[str, dict], first_header: str = "model", action=action_of) -> str:
    """A Markdown table, one row per named score and one column per action, each cell
    ``MPJPE / P-MPJPE`` mm of that action (``-`` where a row has no sequence of it)."""
    tables = {name: per_action(m, action) for name, m in rows.items()}
    actions = sorted({a for t in tables.values() for a in t})

    def cell(entry: dict | None) -> str:
        if not entry:
            return "-"
        return f"{entry['mpjpe']:.1f} / {entry['p_mpjpe']:.1f}" if "p_mpjpe" in entry else f"{entry['mpjpe']:.1f}"

    body = [[name, *(cell(t.get(a)) for a in actions)] for name, t in tables.items()]
    return markdown_table([first_header, *actions], body)
