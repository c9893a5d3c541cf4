"""Adaptation vs amount of target footage: nested whole-sequence subsets, one adapted row per budget."""

import dataclasses

import numpy as np
import pytest

from posynda.adapt import AdaptSettings
from posynda.bench.footage import footage_subsets, markdown, run_footage
from posynda.bench.plots import plot_footage
from posynda.errors import InputError
from tests.helpers.cli import PNG, markdown_rows
from tests.helpers.clips import make_clips


def _with_fps(clips, fps):
    return dataclasses.replace(clips, fps=np.full(clips.num_sequences, fps, np.float32))


def test_subsets_are_nested_whole_sequences_reaching_each_budget_then_everything():
    target = _with_fps(make_clips((30, 30, 30, 30), with_3d=False), 60.0)  # 4 sequences of 0.5 s
    subsets = footage_subsets(target, minutes=(1 / 120, 1 / 60))  # 0.5 s, 1 s
    assert [s.num_frames for s in subsets] == [30, 60, 120]
    names = [set(s.sequence_names()) for s in subsets]
    assert names[0] < names[1] < names[2]
    assert footage_subsets(target, minutes=(10.0,))[-1] is target and len(footage_subsets(target, (10.0,))) == 1
    with pytest.raises(InputError, match="positive"):
        footage_subsets(target, minutes=(0.0,))


def test_every_budget_is_an_adapted_row_after_the_source_only_one(tmp_path, micro_file):
    settings = AdaptSettings(steps=1, source_batch=2, target_batch=2, hypotheses=2)
    target = _with_fps(make_clips((30, 30, 30), seed=3, with_3d=False), 60.0)
    result = run_footage(micro_file, make_clips((40,)), target, make_clips((20,), seed=4), tmp_path, minutes=(1 / 120,),
                         settings=settings, log=lambda *_: None)  # fmt: skip
    assert [r["frames"] for r in result["rows"]] == [0, 30, 90]
    assert result["rows"][0]["minutes"] == 0 and "seconds" in result["rows"][1]
    table = markdown_rows(markdown(result))
    assert table[0][0] == "target 2D, minutes" and table[1][5] == "+0.0 %" and len(table) == 4
    pytest.importorskip("matplotlib")
    assert plot_footage(result, tmp_path / "f.png").read_bytes().startswith(PNG)
