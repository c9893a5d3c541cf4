"""Cost of an adaptation step: the real loop body and its teacher alone, per H, on the shipped model."""

import pytest

from posynda.bench import adapt_step
from posynda.errors import InputError
from tests.helpers.cli import markdown_rows


def test_rows_per_hypothesis_count():
    result = adapt_step.run(("tiny",), (1, 2), repeats=2, warmup=0, device="cpu")
    rows = result["rows"]
    assert [(r["preset"], r["hypotheses"]) for r in rows] == [("tiny", 1), ("tiny", 2)]
    for r in rows:
        assert r["step_ms"] > 0 and 0 < r["teacher_ms"]
        # the share is taken before the times are rounded to 0.1 ms
        assert r["teacher_share"] == pytest.approx(r["teacher_ms"] / r["step_ms"], abs=2e-3)
        assert (r["source_batch"], r["target_batch"]) == (24, 8) and r["settings"]["hypotheses"] == r["hypotheses"]
    assert rows[0]["x_vs_first"] == 1.0 and result["device"] == "cpu"
    assert markdown_rows(adapt_step.markdown(result))[1][:6] == ["tiny", "fp32", "off", "1", "27", "24+8"]


def test_unknown_presets_are_refused():
    with pytest.raises(InputError, match="unknown preset"):
        adapt_step.run(("huge",))
