"""Result tables: metrics for the terminal and Markdown tables for committed results."""

from rich.console import Console

from posynda.report import markdown_table, metrics_markdown, metrics_table
from tests.conftest import markdown_rows

METRICS = {"mpjpe": 95.44, "p_mpjpe": 82.0, "pck": 77.8, "auc": 41.9, "frames": 20604}


def test_markdown_table_aligns_columns():
    text = markdown_table(["name", "value"], [["a", "1.0"], ["long name", "22.5"]])
    lines = text.splitlines()
    assert lines[1].startswith("|:") and lines[1].endswith(":|") and len({len(line) for line in lines}) == 1
    assert markdown_rows(text) == [["name", "value"], ["a", "1.0"], ["long name", "22.5"]]
    assert markdown_table(["x"], [["y"]], align="c").splitlines()[1] == "|:---:|"


def test_metrics_tables_format_each_column():
    rows = markdown_rows(metrics_markdown({"wild/test": METRICS}, extra=(("note", lambda m: f"{m['frames']:,}"),)))
    assert rows == [
        ["data", "MPJPE mm", "P-MPJPE mm", "PCK@150 %", "AUC %", "frames", "note"],
        ["wild/test", "95.4", "82.0", "77.8", "41.9", "20604", "20,604"],
    ]
    console = Console(record=True, width=120)
    console.print(metrics_table({"wild/test": METRICS, "partial": {"mpjpe": 1.0}}, title="t"))
    text = console.export_text()
    assert "95.4" in text and "partial" in text and " - " in text
