"""`posynda bench flops | accuracy | plot | all`: outputs in run directories, --save under a results
root moved by $POSYNDA_BENCH_RESULTS, what `all --quick` skips and why."""

import functools
import json
import types

import pytest
import torch
from click.testing import CliRunner

from posynda.bench import suite
from posynda.checkpoint import save_checkpoint
from posynda.cli import main
from posynda.data import save_clips
from posynda.diffusion import SchedulerConfig
from posynda.models import DenoiserConfig, build_denoiser
from tests.conftest import make_clips

MICRO = DenoiserConfig(arch="mixste", frames=9, dim=32, depth=1, heads=2, drop_path=0.0)
PNG = b"\x89PNG\r\n\x1a\n"


def run(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.fixture
def results(tmp_path, monkeypatch):
    """Work in tmp_path; --save writes under tmp_path/results/<machine>/."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(suite.RESULTS_ENV, str(tmp_path / "results"))
    return tmp_path / "results" / suite.machine_slug()


def test_machine_slug_and_results_root(results, monkeypatch):
    import os

    if not torch.cuda.is_available():
        assert suite.machine_slug() == f"cpu-{os.cpu_count()}core"
    assert suite.results_dir() == results
    monkeypatch.delenv(suite.RESULTS_ENV)
    assert str(suite.results_dir()).startswith("bench/results/")


def test_flops_writes_json_markdown_and_saves(results):
    tmp = results.parent.parent
    result = run(["bench", "flops", "--config", "tiny", "-K", "2", "--no-flip", "--json", "f.json", "--save"])
    assert result.exit_code == 0, result.output
    assert "| GFLOPs, baseline (paper convention) | 0.1809 |" in result.output
    assert "K=2 x H=3 evaluations = 6 evaluations" in result.output
    payload = json.loads((tmp / "f.json").read_text())
    assert payload["config"] == "tiny" and payload["settings"] == {
        "hypotheses": 3,
        "steps": 2,
        "flip": False,
        "rank": 4,
        "batch": 1,
    }
    assert payload["per_evaluation"]["baseline"]["paper_flops"] == 180_988_928
    (run_dir,) = (tmp / "runs").iterdir()
    assert run_dir.name.startswith("bench-flops-") and f"run directory: runs/{run_dir.name}" in result.output
    assert json.loads((run_dir / "flops-tiny.json").read_text()) == payload
    assert (results / "flops-tiny.json").read_text() == (run_dir / "flops-tiny.json").read_text()
    assert (results / "flops-tiny.md").read_text().startswith("# FLOPs and parameters: `tiny`")


def test_flops_bad_input_exits_2(results):
    result = CliRunner().invoke(main, ["bench", "flops", "--config", "huge"])
    assert result.exit_code == 2 and "unknown config 'huge'" in result.output
    result = CliRunner().invoke(main, ["bench", "flops", "--config", "tiny", "--rank", "0"])
    assert result.exit_code == 2 and "--rank" in result.output


def test_accuracy_with_a_micro_model_then_plot(results):
    tmp = results.parent.parent
    data = save_clips(tmp / "data.npz", make_clips((30, 12)))
    target = save_clips(tmp / "target.npz", make_clips((20, 15), seed=9, with_3d=False))
    ckpt = save_checkpoint(tmp / "m.safetensors", build_denoiser(MICRO), MICRO, SchedulerConfig())
    args = ["bench", "accuracy", "--checkpoint", str(ckpt), "--source", str(data), "--target", str(target)]
    args += ["--eval", str(data), "--steps", "2", "--source-batch", "2", "--target-batch", "2", "-H", "2"]
    result = run([*args, "--quiet", "--out", "acc", "--save"])
    assert result.exit_code == 0, result.output
    payload = json.loads((tmp / "acc/ablation.json").read_text())
    assert len(payload["rows"]) == 5 and payload["common_settings"]["steps"] == 2
    assert "| configuration |" in (tmp / "acc/ablation.md").read_text()
    assert (tmp / "acc/ablation.png").read_bytes().startswith(PNG)
    # custom data: saved under the plain names, not as the embedded pair's ablation-studio-wild.*
    assert {p.name for p in results.iterdir()} == {"ablation.json", "ablation.md", "ablation.png"}

    result = run(["bench", "plot", "--ablation", "acc/ablation.json", "--out", "plots/a.png"])
    assert result.exit_code == 0, result.output
    assert (tmp / "plots/a.png").read_bytes().startswith(PNG)


def fake_latency_result():
    rows = [
        {"config": "tiny", "frames": 27, "batch": b, "backend": backend, "median_ms": ms * b, "p90_ms": ms * b}
        for b in (1, 8)
        for backend, ms in (("torch-eager", 30.0), ("onnxruntime", 7.0))
    ]
    return {"machine": {"cpu": "test CPU", "physical_cores": 2}, "rows": rows}


def test_plot_latency_and_usage_errors(results):
    tmp = results.parent.parent
    (tmp / "latency.json").write_text(json.dumps(fake_latency_result()))
    result = run(["bench", "plot", "--latency", "latency.json"])
    assert result.exit_code == 0, result.output
    assert (tmp / "latency.png").read_bytes().startswith(PNG)
    result = CliRunner().invoke(main, ["bench", "plot"])
    assert result.exit_code == 2 and "exactly one of --ablation" in result.output
    (tmp / "other.json").write_text("{}")
    result = CliRunner().invoke(main, ["bench", "plot", "--ablation", "other.json"])
    assert result.exit_code == 2 and "not an ablation JSON" in result.output


def test_all_quick_says_what_it_skipped(results, monkeypatch):
    tmp = results.parent.parent
    monkeypatch.setattr(suite, "latency_module", lambda: (None, "posynda.bench.latency is not installed"))
    result = run(["bench", "all", "--quick", "--skip", "kernels", "--out", "all"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp / "all/summary.json").read_text())
    assert set(summary["ran"]) == {"flops-tiny", "flops-paper"}
    assert summary["skipped"] == {
        "kernels": "--skip",
        "latency": "posynda.bench.latency is not installed",
        "accuracy": suite.ACCURACY_SKIPPED,
    }
    assert "--with-accuracy" in result.output and "| flops-paper |" in result.output
    assert json.loads((tmp / "all/flops-paper.json").read_text())["rows"][4]["value"] == "277.26"
    assert not results.exists()  # nothing saved without --save


def test_all_quick_save_keeps_quick_runs_out_of_the_results(results, monkeypatch):
    tmp = results.parent.parent
    from posynda.bench import kernels

    calls = {}

    def fake_run(configs, batches=None, repeats=None, out_dir=None):
        calls.update(configs=configs, repeats=repeats)
        result = fake_latency_result()
        suite.write_result(out_dir, "latency", result, "# latency\n")
        return result

    latency = types.SimpleNamespace(run=fake_run, to_markdown=lambda result: "# latency\n")
    monkeypatch.setattr(suite, "latency_module", lambda: (latency, None))
    monkeypatch.setattr(kernels, "run", functools.partial(kernels.run, sizes=(64,), hypotheses=(1,)))
    result = run(["bench", "all", "--quick", "--skip", "flops", "--out", "all", "--save"])
    assert result.exit_code == 0, result.output
    assert calls == {"configs": ("tiny",), "repeats": 5}
    summary = json.loads((tmp / "all/summary.json").read_text())
    assert set(summary["ran"]) == {"kernels", "latency"}
    if not torch.cuda.is_available():
        assert summary["skipped"]["kernels/triton"].startswith("no CUDA device")
    assert set(summary["not_saved"]) == {"kernels", "latency"}
    assert (tmp / "all/latency.png").read_bytes().startswith(PNG) and (tmp / "all/kernels.md").is_file()
    assert not results.exists()  # quick runs are not saved
