"""The label-free check: measures from the 2D and the lifted poses only (no 3D), deterministic, and a verdict
that keeps an adaptation unless a measure gets worse than its tolerance, saying which."""

import dataclasses

import numpy as np
import pytest

from posynda.adapt.footage_check import TOLERANCES, FootageScores, footage_scores, judge, leading_sequences
from posynda.runtime.settings import SamplingSettings
from tests.helpers.clips import make_clips
from tests.helpers.models import micro_checkpoint

BEFORE = FootageScores(reprojection_px=10.0, bone_variation_pct=5.0, jitter=8.0, frames=100)


@pytest.mark.parametrize(
    "after, keep, flagged",
    [
        (dict(reprojection_px=6.0, bone_variation_pct=6.0, jitter=12.0), True, []),
        (dict(reprojection_px=10.4), True, []),  # within x1.05
        (dict(reprojection_px=11.0), False, ["reprojection"]),
        (dict(bone_variation_pct=9.5), True, []),  # within x2: detector footage wobbles (docs/realvideo.md)
        (dict(bone_variation_pct=10.5), False, ["bone variation"]),
        (dict(jitter=17.0, reprojection_px=20.0), False, ["reprojection", "jitter"]),
        (dict(reprojection_px=float("nan")), True, []),  # nothing to compare: not a reason to reject
    ],
)
def test_the_verdict(after, keep, flagged):
    verdict = judge(BEFORE, dataclasses.replace(BEFORE, **after))
    assert verdict.keep == keep and len(verdict.reasons) == len(TOLERANCES)
    assert [r.split(" ")[0] for r in verdict.reasons if "worse than" in r] == [f.split(" ")[0] for f in flagged]
    assert ("ORIGINAL" in verdict.line()) == (not keep) and "\n" not in verdict.line()


def test_the_leading_sequences_up_to_a_frame_budget():
    clips = make_clips((30, 20, 10), with_3d=False)
    assert leading_sequences(clips, 55).num_sequences == 2
    assert leading_sequences(clips, 5).num_sequences == 1  # at least one
    assert leading_sequences(clips, 10_000) is clips


def test_the_measures_need_no_3d_and_repeat():
    model = micro_checkpoint()
    clips = make_clips((24, 16), with_3d=False)
    settings = SamplingSettings(hypotheses=2, steps=2, seed=0)
    first, second = footage_scores(model, clips, settings), footage_scores(model, clips, settings)
    assert first == second and first.frames == 40
    assert all(np.isfinite(v) and v >= 0 for v in (first.reprojection_px, first.bone_variation_pct, first.jitter))
