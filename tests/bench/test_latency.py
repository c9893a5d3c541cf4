"""Denoiser latency: rows per backend and batch, skipped backends with reasons (the extra to install when ONNX
Runtime is missing), the end-to-end Lifter run, the run's peak memory."""

import sys

import pytest

from posynda.bench import latency
from posynda.bench.latency import CountingBackend
from posynda.runtime import Lifter, load_backend
from tests.helpers.cli import markdown_rows
from tests.helpers.clips import make_clips


def test_tiny_on_torch_and_onnxruntime():
    pytest.importorskip("onnxruntime")
    result = latency.run(("tiny",), batches=(1,), repeats=3, warmup=1, backends=("torch-eager", "onnxruntime-cpu"))
    rows = {r["backend"]: r for r in result["rows"]}
    assert set(rows) == {"torch-eager", "onnxruntime-cpu"}
    for row in rows.values():
        assert row["config"] == "tiny" and row["batch"] == 1 and row["repeats"] == 3
        assert row["median_ms"] > 0 and row["p90_ms"] >= row["median_ms"] and row["clips_per_s"] > 0
        assert row["poses_per_s"] == pytest.approx(row["clips_per_s"] * 27, rel=1e-2)
    assert rows["torch-eager"]["speedup_vs_torch"] == 1.0
    assert result["backend_info"]["tiny"]["onnxruntime-cpu"]["provider"] == "CPUExecutionProvider"
    skipped = result["skipped"]  # every backend not run is listed with a reason
    assert set(skipped) >= set(latency.LATENCY_BACKENDS) - set(rows)
    assert all(isinstance(reason, str) and reason for reason in skipped.values())
    m = result["machine"]
    assert m["cpu"] and m["versions"]["torch"] and m["versions"]["onnxruntime"] and m["python"]
    assert m["peak_rss_mb"] > 100 and f"peak RSS {m['peak_rss_mb']:,.0f} MB" in latency.markdown(result)
    e2e = {r["backend"]: r for r in result["end_to_end"]}
    assert set(e2e) == {"torch", "onnxruntime"}
    for row in e2e.values():  # 500 frames / T = 27 -> 19 windows, x 2 for flip, in one call of <= 64 windows x 2
        assert row["frames"] == 500 and row["clips_denoised"] == 38 and row["denoiser_calls"] == 1
        assert row["wall_s"] > 0 and row["frames_per_s"] > 0
    table = markdown_rows(latency.markdown(result))
    assert ["tiny", "221,187", "27", "1", "onnxruntime-cpu"] in [r[:5] for r in table]


def test_unknown_backends_are_refused():
    with pytest.raises(ValueError, match="unknown backend"):
        latency.run(("tiny",), backends=("tvm",))


def test_counting_backend_counts_calls_and_clips(micro_file):
    counted = CountingBackend(load_backend(micro_file, device="cpu"))
    counted.max_batch = 3
    result = Lifter(counted).lift(make_clips((30,)).without_3d())
    assert counted.calls == 3 and counted.clips == 8  # 4 windows x 2 (flip) in one sampling call: 3 + 3 + 2
    assert result.backend == "torch (cpu)"


ONNX_BACKENDS = ("onnxruntime-cpu", "onnxruntime-cpu-int8", "onnxruntime-cpu-default-options")


@pytest.mark.parametrize("missing", ["onnxruntime", "onnx"])
def test_without_the_export_extra_the_onnx_backends_are_skipped_naming_it(monkeypatch, missing):
    monkeypatch.setitem(sys.modules, missing, None)  # not importable, not found
    result = latency.run(("tiny",), batches=(1,), repeats=1, warmup=0, backends=("torch-eager", *ONNX_BACKENDS))
    assert [r["backend"] for r in result["rows"]] == ["torch-eager"]
    assert all("pip install 'posynda[export]'" in result["skipped"][name] for name in ONNX_BACKENDS)
    assert [r["backend"] for r in result["end_to_end"]] == ["torch"]
    assert result["rows"][0]["onnx_export_s"] is None  # nothing was exported
