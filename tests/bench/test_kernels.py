"""The reproject_select bench on a CPU: reference rows, bytes moved, the Triton row skipped with its reason."""

import pytest

from posynda.bench import kernels as bench
from tests.helpers.cli import markdown_rows


def test_kernel_benchmark_runs_on_cpu():
    result = bench.run("cpu", sizes=(32,), hypotheses=(1, 3), quick=True, log=None)
    assert result["skipped"]["triton"] == bench.NO_CUDA
    rows = result["rows"]
    assert [(r["backend"], r["h"], r["status"]) for r in rows] == [("torch", 1, "ok"), ("torch", 3, "ok")]
    n, h, j = 32, 3, 17
    inputs = n * h * j * 3 * 4 + n * j * 2 * 4 + n * 9 * 4 + n * j * 4  # hypotheses, keypoints, intrinsics, mask
    outputs = n * j * 3 * 4 + n * j * 8 + n * h * j * 4 + n * h * 3 * 4  # selected, index, error, translation
    assert rows[1]["bytes"] == inputs + outputs == bench.io_bytes(n, h)
    assert rows[1]["gbs"] == pytest.approx(rows[1]["bytes"] / rows[1]["median_ms"] / 1e6)
    assert result["copy"]["gbs"] > 0 and result["machine"]["device"] == "cpu"
    text = bench.markdown(result)
    table = markdown_rows(text)
    assert table[0][:3] == ["N", "H", "backend"] and [r[:3] for r in table[1:]] == [
        ["32", "1", "torch"],
        ["32", "3", "torch"],
    ]
    assert bench.NO_CUDA in text
