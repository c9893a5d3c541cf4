"""Bench figures: PNGs of a latency run and of an ablation; other JSON is refused."""

import json

import pytest

from posynda.bench.plots import plot_ablation, plot_latency
from posynda.errors import InputError
from tests.helpers.cli import PNG

pytest.importorskip("matplotlib")


def fake_latency_result():
    rows = [
        {"config": "tiny", "frames": 27, "batch": b, "backend": backend, "median_ms": ms * b, "p90_ms": ms * b}
        for b in (1, 8)
        for backend, ms in (("torch-eager", 30.0), ("onnxruntime", 7.0))
    ]
    return {"machine": {"cpu": "test CPU", "physical_cores": 2}, "rows": rows}


def fake_ablation():
    rows = {"source-only baseline": {"mpjpe": 200.0}, "+ GPA": {"mpjpe": 150.0, "mpjpe_change_pct": -25.0}}
    return {"rows": rows, "test_frames": 100}


@pytest.mark.parametrize("plot, payload", [(plot_latency, fake_latency_result()), (plot_ablation, fake_ablation())])
def test_plots_are_pngs_from_a_dict_or_a_file(tmp_path, plot, payload):
    assert plot(payload, tmp_path / "a.png").read_bytes().startswith(PNG)
    (tmp_path / "r.json").write_text(json.dumps(payload))
    assert plot(tmp_path / "r.json", tmp_path / "b.png").read_bytes().startswith(PNG)


@pytest.mark.parametrize(
    "plot, needle", [(plot_latency, "not a latency JSON"), (plot_ablation, "not an ablation JSON")]
)
def test_other_json_is_refused(tmp_path, plot, needle):
    (tmp_path / "other.json").write_text("{}")
    with pytest.raises(InputError, match=needle):
        plot(tmp_path / "other.json", tmp_path / "x.png")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(InputError, match="cannot read"):
        plot(tmp_path / "broken.json", tmp_path / "x.png")
