"""The training bench: every row times the real pretraining step in its own process(es), 1 and 2 ranks."""

import pytest

from posynda.bench.training_step import markdown, run_train
from posynda.errors import InputError
from tests.helpers.cli import markdown_rows


@pytest.mark.slow
def test_rows_for_one_and_two_processes_time_the_real_step(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    result = run_train(("videopose-tiny",), world_sizes=(1, 2), device="cpu", repeats=2, warmup=1, log=lambda _: None)
    assert [r["world_size"] for r in result["rows"]] == [1, 2]
    for row in result["rows"]:
        assert row["preset"] == "videopose-tiny" and row["global_batch"] == 32 and row["frames"] == 27
        assert row["step_ms"] > 0 and row["frames_per_s"] == pytest.approx(32 * 27 / row["step_ms"] * 1000, rel=0.01)
        assert row["peak_memory_mib"] > 50 and 0 < row["matrix_peak_share"] < 5
        assert row["train_flops_per_step"] > 0 and row["device"] == "cpu"
    table = markdown_rows(markdown(result))
    assert table[0][:4] == ["preset", "precision", "compile", "world size"] and table[1][8] == "1.00x"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(precisions=("fp16",)), "^precisions: precision fp16 needs a CUDA device"),
        (dict(presets=("huge",)), r"^presets: unknown \[.huge.\]"),
    ],
    ids=["fp16-on-cpu", "preset"],
)
def test_bad_rows_are_refused_before_any_work(kwargs, match):
    with pytest.raises(InputError, match=match):
        run_train(**{"presets": ("tiny",), "device": "cpu", **kwargs})
