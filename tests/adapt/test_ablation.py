"""The Table 3 ablation: one row per component, scored on the test split, written as JSON + Markdown."""

import dataclasses
import json

import pytest
from rich.console import Console

from posynda.adapt import ABLATION_ROWS, PAPER_RECIPE, AdaptSettings, run_ablation
from posynda.report import action_of
from tests.helpers.cli import markdown_rows
from tests.helpers.clips import make_clips

FAST = AdaptSettings(steps=2, source_batch=2, target_batch=2, hypotheses=2)


@pytest.mark.slow
def test_rows_add_one_component_each_and_are_scored_against_the_baseline(tmp_path, micro_file):
    rows = ABLATION_ROWS[:2] + ABLATION_ROWS[-2:]  # source-only, + GPA, full PoSynDA, posynda defaults
    test = make_clips((15,), seed=4)
    payload = run_ablation(
        micro_file, make_clips((30,)), make_clips((20,), seed=3, with_3d=False), test, tmp_path, FAST, rows,
        Console(quiet=True), progress=False, device="cpu",
    )  # fmt: skip
    assert list(payload["rows"]) == [name for name, _ in rows]
    baseline, gpa, full, defaults = payload["rows"].values()
    assert baseline["trainable_parameters"] == 0 and baseline["mpjpe_change_pct"] == 0.0
    assert gpa["settings"]["lora"] is False and gpa["settings"]["hypotheses"] == 1
    assert full["settings"]["lora"] and full["settings"]["hypotheses"] == FAST.hypotheses
    assert full["trainable_parameters"] < gpa["trainable_parameters"]
    assert all(full["settings"][k] == v for k, v in PAPER_RECIPE.items())  # the paper's rows keep its recipe
    assert defaults["settings"] == dataclasses.asdict(FAST)  # the last row is the defaults, untouched
    assert gpa["mpjpe_change_pct"] == 100 * (gpa["mpjpe"] / baseline["mpjpe"] - 1)
    assert json.loads((tmp_path / "ablation.json").read_text()) == payload
    metrics, per_action = (tmp_path / "ablation.md").read_text().split("per action:")
    table = markdown_rows(metrics)
    assert table[0][0] == "configuration" and len(table) == 1 + len(rows)
    assert table[1][-1] == "+0.0 %"
    actions = sorted({action_of(name) for name in test.sequence_names()})
    per_action_rows = markdown_rows(per_action)
    assert per_action_rows[0] == ["configuration", *actions] and [r[0] for r in per_action_rows[1:]] == [
        name for name, _ in rows
    ]
    assert payload["test_frames"] == test.num_frames


def test_a_stopped_ablation_keeps_its_finished_rows(tmp_path, micro_file, monkeypatch):
    """The source-only row and the first adaptation are on disk (incomplete) when the second adaptation fails."""
    import posynda.adapt.ablation as ablation

    real_adapt, calls = ablation.adapt, []

    def adapt_then_fail(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_adapt(*args, **kwargs)

    monkeypatch.setattr(ablation, "adapt", adapt_then_fail)
    rows = ABLATION_ROWS[:3]
    with pytest.raises(KeyboardInterrupt):
        run_ablation(
            micro_file, make_clips((30,)), make_clips((20,), seed=3, with_3d=False), make_clips((15,), seed=4),
            tmp_path, FAST, rows, Console(quiet=True), progress=False, device="cpu",
        )  # fmt: skip
    saved = json.loads((tmp_path / "ablation.json").read_text())
    assert saved["complete"] is False and list(saved["rows"]) == [name for name, _ in rows[:2]]
    assert (tmp_path / "ablation.md").read_text().startswith("> **Incomplete**")
