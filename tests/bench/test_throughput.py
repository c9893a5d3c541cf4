"""Training and sampling throughput per preset, as ratios against the first preset of the run."""

import pytest

from posynda.bench import throughput
from posynda.errors import InputError
from tests.helpers.cli import markdown_rows


def test_rows_and_ratios():
    result = throughput.run(("tiny", "videopose-tiny"), repeats=1)
    rows = result["rows"]
    assert [r["preset"] for r in rows] == ["tiny", "videopose-tiny"]
    for r in rows:
        assert r["train_step_ms"] > 0 and r["infer_frames_per_s"] > 0 and r["frames"] == 27
        assert r["train_frames_per_s"] == pytest.approx(r["train_batch"] * 27 / r["train_step_ms"] * 1000, rel=1e-2)
    table = markdown_rows(throughput.markdown(result))
    assert table[1][0] == "tiny" and table[1][6] == "1.00" and table[1][8] == "1.00"


def test_unknown_presets_are_refused():
    with pytest.raises(InputError, match="unknown preset"):
        throughput.run(("huge",))
