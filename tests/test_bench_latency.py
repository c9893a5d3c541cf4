"""`posynda bench latency`: rows per backend and batch, skipped backends with reasons, the end-to-end
Lifter run, files in the run directory; sigma clipping on synthetic samples."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from posynda.bench import latency, suite
from posynda.cli import main

PNG = b"\x89PNG\r\n\x1a\n"
rng = np.random.default_rng(0)
NOISE = list(10.0 + rng.normal(0.0, 0.1, 40))


@pytest.mark.parametrize(
    "samples, dropped",
    [
        ([5.0, 5.0, 5.0, 5.0], []),  # no spread: nothing to clip
        ([1.0, 2.0, 100.0], []),  # too few samples to judge (a 3-sigma outlier needs n > 10)
        (NOISE, []),  # Gaussian noise: nothing beyond 3 sigma
        (NOISE + [50.0], [50.0]),  # one slow call (background load)
        (NOISE + [0.5], [0.5]),  # the lower side too
        (NOISE + [13.0, 500.0], [13.0, 500.0]),  # 13 only stands out once 500 is gone (second pass)
    ],
)
def test_sigma_clip(samples, dropped):
    kept = latency.sigma_clip(samples)
    assert sorted(set(samples) - set(kept.tolist())) == sorted(dropped)
    assert len(kept) == len(samples) - len(dropped)


def test_sigma_clip_keeps_min_and_stats_report_clipped():
    assert len(latency.sigma_clip([1.0, 1.0, 1.0, 9.0], min_keep=4)) == 4
    stats = latency.timing_stats(NOISE + [50.0], batch=2, frames=27)
    assert stats["clipped"] == 1 and stats["repeats"] == 41
    assert stats["median_ms"] == pytest.approx(float(np.median(NOISE)), abs=1e-3)
    assert stats["poses_per_s"] == pytest.approx(stats["clips_per_s"] * 27, rel=1e-3)


def test_bench_latency_cli(tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(suite.RESULTS_ENV, str(tmp_path / "results"))
    args = ["bench", "latency", "--config", "tiny", "--batch", "1", "--repeats", "3", "--warmup", "1"]
    args += ["--backends", "torch-eager,onnxruntime-cpu", "--json", "out.json", "--out", "run", "--save"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    payload = json.loads((tmp_path / "out.json").read_text())
    rows = {r["backend"]: r for r in payload["rows"]}
    assert set(rows) == {"torch-eager", "onnxruntime-cpu"}
    for row in rows.values():
        assert row["config"] == "tiny" and row["batch"] == 1 and row["repeats"] == 3
        assert row["median_ms"] > 0 and row["p90_ms"] >= row["median_ms"] and row["clips_per_s"] > 0
        assert row["poses_per_s"] == pytest.approx(row["clips_per_s"] * 27, rel=1e-2)
    assert rows["torch-eager"]["speedup_vs_torch"] == 1.0
    assert payload["backend_info"]["tiny"]["onnxruntime-cpu"]["provider"] == "CPUExecutionProvider"
    skipped = payload["skipped"]  # every backend not run is listed with a reason
    assert set(skipped) >= set(latency.BACKENDS) - set(rows) - {"onnxruntime-cuda", "tensorrt-fp32", "tensorrt-fp16"}
    assert all(isinstance(reason, str) and reason for reason in skipped.values())
    m = payload["machine"]
    assert m["cpu"] and m["torch"] and m["onnxruntime"] and m["onnx"] and m["python"]
    e2e = {r["backend"]: r for r in payload["end_to_end"]}
    assert set(e2e) == {"torch", "onnxruntime"}
    for row in e2e.values():  # 500 frames / T = 27 -> 19 windows, x 2 for flip, in one call of <= 64 windows x 2
        assert row["frames"] == 500 and row["clips_denoised"] == 38 and row["denoiser_calls"] == 1
        assert row["wall_s"] > 0 and row["frames_per_s"] > 0
    run_dir = tmp_path / "run"
    assert (run_dir / "latency.png").read_bytes()[:8] == PNG
    md = (run_dir / "latency.md").read_text()
    assert "| tiny | 221,187 | 27 | 1 | onnxruntime-cpu |" in md and "End to end" in md and "Skipped:" in md
    saved = tmp_path / "results" / suite.machine_slug()
    assert {p.name for p in saved.iterdir()} == {"latency.json", "latency.md", "latency.png"}


def test_bench_latency_rejects_unknown_backend(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["bench", "latency", "--backends", "torch-eager,tvm"])
    assert result.exit_code == 2 and "tvm" in result.output
    result = CliRunner().invoke(main, ["bench", "latency", "--batch", "1,x"])
    assert result.exit_code == 2 and "comma-separated integers" in result.output
