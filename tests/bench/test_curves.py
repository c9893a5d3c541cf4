"""Training curves: every variant trained on the same data with validation points, a table and a chart."""

import pytest

from posynda.bench.curves import CURVE_VARIANTS, markdown, run_curves
from posynda.bench.plots import plot_curves
from posynda.errors import InputError
from tests.helpers.bench import SMALL
from tests.helpers.cli import PNG, markdown_rows
from tests.helpers.clips import make_clips


def test_the_default_variants_cross_architecture_with_input_normalisation():
    kinds = {(preset, overrides.get("input_norm")) for preset, overrides in CURVE_VARIANTS.values()}
    assert kinds == {("tiny", None), ("tiny", "root"), ("videopose-tiny", None), ("cpu", None)}


def test_curves_record_validation_points_per_variant_with_table_and_chart(tmp_path):
    result = run_curves(make_clips((40, 40)), make_clips((30,), seed=5), tmp_path, steps=4, eval_every=2,
                        variants=SMALL, log=lambda *_: None)  # fmt: skip
    assert list(result["rows"]) == list(SMALL)
    for row in result["rows"].values():
        assert [p["step"] for p in row["points"]] == [2, 4] and row["final"] == row["points"][-1]
        assert row["best"]["val_mpjpe"] == min(p["val_mpjpe"] for p in row["points"])
        assert row["seconds_per_step"] > 0 and len(row["loss"]) >= 1
    table = markdown_rows(markdown(result))
    assert table[0][0] == "variant" and [r[0] for r in table[1:]] == list(SMALL)
    pytest.importorskip("matplotlib")
    assert plot_curves(result, tmp_path / "curves.png").read_bytes().startswith(PNG)


def test_validation_clips_need_3d(tmp_path):
    with pytest.raises(InputError, match="joints_3d"):
        run_curves(make_clips((40,)), make_clips((30,), with_3d=False), tmp_path, steps=2, variants=SMALL)
