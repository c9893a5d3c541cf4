"""Result tables: metrics for the terminal and Markdown tables for committed results."""

import pytest
from rich.console import Console

from posynda.report import action_of, markdown_table, metrics_markdown, metrics_table, per_action, per_action_markdown
from tests.helpers.cli import markdown_rows

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


@pytest.mark.parametrize(
    "name, action",
    [
        ("wild/test/TS1/squat_1", "squat"),
        ("studio/train/S1/walk_1.cam0", "walk"),
        ("S9/Walking 1.54138969", "Walking"),
        ("TS3", "TS3"),
    ],
)
def test_actions_from_sequence_names(name, action):
    assert action_of(name) == action


SCORE = {
    "per_sequence": {
        "a/bow_1": {"mpjpe": 10.0, "p_mpjpe": 5.0, "frames": 1},
        "b/bow_2": {"mpjpe": 40.0, "p_mpjpe": 9.0, "frames": 3},
        "a/kick_1": {"mpjpe": 5.0, "p_mpjpe": 4.0, "frames": 2},
    }
}


def test_per_action_is_frame_weighted():
    assert per_action(SCORE) == {
        "bow": {"mpjpe": 32.5, "p_mpjpe": 8.0, "frames": 4},
        "kick": {"mpjpe": 5.0, "p_mpjpe": 4.0, "frames": 2},
    }


def test_per_action_markdown_has_a_column_per_action_and_dashes_for_absent_ones():
    other = {"per_sequence": {"c/kick_1": {"mpjpe": 7.0, "p_mpjpe": 3.0, "frames": 5}}}
    assert markdown_rows(per_action_markdown({"base": SCORE, "other": other})) == [
        ["model", "bow", "kick"],
        ["base", "32.5 / 8.0", "5.0 / 4.0"],
        ["other", "-", "7.0 / 3.0"],
    ]


def test_terminal_tables_fold_long_names_instead_of_cutting_them():
    names = [f"studio/test/S9/walk_1.54138969.cam{k}" for k in range(2)]  # differ only at the end
    console = Console(record=True, width=60)
    console.print(metrics_table({name: METRICS for name in names}))
    text = "".join(line.split("│")[1].strip() for line in console.export_text().splitlines() if line.count("│") > 2)
    assert all(name in text for name in names) and "…" not in console.export_text()
