"""`posynda bench ...`: outputs in run directories, --save under a results root moved by
$POSYNDA_BENCH_RESULTS, bad options exit 2, what `all` skips and why; every bench takes --threads and
--quick (never saved), and one stopped after its first row keeps that row."""

import json
import sys

import pytest
import torch
from click.testing import CliRunner

from posynda import threads
from posynda.adapt import ABLATION_ROWS
from posynda.bench import throughput
from posynda.bench.results import INCOMPLETE_NOTE, QUICK_NOT_SAVED
from posynda.cli import main
from posynda.cli.bench import bench, shared_options
from posynda.cli.bench.rows import BENCHES
from posynda.cli.options import apply_options
from posynda.data import save_clips
from tests.helpers.cli import PNG, markdown_rows, run
from tests.helpers.clips import make_clips
from tests.helpers.interrupts import stop_at_call


def test_flops_writes_json_markdown_and_saves(results):
    tmp = results.parent.parent
    result = run(["bench", "flops", "--config", "tiny", "-K", "2", "--no-flip", "--json", "f.json", "--save"])
    assert result.exit_code == 0, result.output
    assert ["GFLOPs, baseline (paper convention)", "0.1809"] in [r[:2] for r in markdown_rows(result.output)]
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


def test_accuracy_with_a_micro_model_then_plot(results, micro_file):
    tmp = results.parent.parent
    data = save_clips(tmp / "data.npz", make_clips((30, 12)))
    target = save_clips(tmp / "target.npz", make_clips((20, 15), seed=9, with_3d=False))
    ckpt = micro_file
    args = ["bench", "accuracy", "--checkpoint", str(ckpt), "--source", str(data), "--target", str(target)]
    args += ["--eval", str(data), "--steps", "2", "--source-batch", "2", "--target-batch", "2", "-H", "2"]
    result = run([*args, "--mlp-steps", "5", "--quiet", "--out", "acc", "--save"])
    assert result.exit_code == 0, result.output
    payload = json.loads((tmp / "acc/ablation.json").read_text())
    assert len(payload["rows"]) == 3 + len(ABLATION_ROWS) and payload["common_settings"]["steps"] == 2
    assert all(name.startswith("reference: ") for name in list(payload["rows"])[:3])
    assert markdown_rows((tmp / "acc/ablation.md").read_text())[0][0] == "configuration"
    assert (tmp / "acc/ablation.png").read_bytes().startswith(PNG)
    # custom data: saved under the plain names, not as the embedded pair's ablation-studio-wild.*
    assert {p.name for p in results.iterdir()} == {"ablation.json", "ablation.md", "ablation.png"}

    result = run(["bench", "plot", "--ablation", "acc/ablation.json", "--out", "plots/a.png"])
    assert result.exit_code == 0, result.output
    assert (tmp / "plots/a.png").read_bytes().startswith(PNG)


FAKE_LATENCY = {
    "machine": {"cpu": "test CPU", "physical_cores": 2},
    "rows": [
        {"config": "tiny", "frames": 27, "batch": b, "backend": n, "median_ms": 10.0 * b, "p90_ms": 10.0 * b}
        for b in (1, 8)
        for n in ("torch-eager", "onnxruntime-cpu")
    ],
}


def test_plot_latency_and_usage_errors(results):
    tmp = results.parent.parent
    (tmp / "latency.json").write_text(json.dumps(FAKE_LATENCY))
    result = run(["bench", "plot", "--latency", "latency.json"])
    assert result.exit_code == 0, result.output
    assert (tmp / "latency.png").read_bytes().startswith(PNG)
    result = CliRunner().invoke(main, ["bench", "plot"])
    assert result.exit_code == 2 and "exactly one of --ablation" in result.output
    (tmp / "other.json").write_text("{}")
    result = CliRunner().invoke(main, ["bench", "plot", "--ablation", "other.json"])
    assert result.exit_code == 2 and "not an ablation JSON" in result.output


def test_latency_writes_and_saves_its_results(results):
    pytest.importorskip("onnxruntime")
    tmp = results.parent.parent
    args = ["bench", "latency", "--config", "tiny", "--batch", "1", "--repeats", "2", "--warmup", "0"]
    result = run([*args, "--backends", "torch-eager", "--no-e2e", "--json", "out.json", "--out", "run", "--save"])
    assert result.exit_code == 0, result.output
    payload = json.loads((tmp / "out.json").read_text())
    assert [r["backend"] for r in payload["rows"]] == ["torch-eager"] and payload["end_to_end"] == []
    assert (tmp / "run/latency.png").read_bytes()[:8] == PNG and "Skipped:" in (tmp / "run/latency.md").read_text()
    assert {p.name for p in results.iterdir()} == {"latency.json", "latency.md", "latency.png"}


@pytest.mark.parametrize(
    "args, needle",
    [
        (["latency", "--backends", "torch-eager,tvm"], "tvm"),
        (["latency", "--batch", "1,x"], "comma-separated integers"),
        (["latency", "--config", "tiny,huge"], "huge"),
        (["latency", "--repeats", "0"], "--repeats"),
        (["kernels", "--threads", "0"], "--threads"),
        (["throughput", "--presets", "huge"], "huge"),
        (["adapt-step", "-H", "0"], "values must be >= 1"),
        (["plot"], "exactly one of --ablation"),
        (["curves", "--suite", "bandai"], "--suite bandai needs --data-dir"),
        (["curves", "--steps", "0"], "--steps"),
        (["footage", "--suite", "bandai"], "--suite bandai needs --data-dir"),
        (["footage", "--minutes", "1,0"], "values must be > 0"),
        (["video", "--suite", "bandai"], "--suite bandai needs --data-dir"),
        (["train", "--precisions", "fp64"], "unknown precision"),
        (["train", "--world-sizes", "0"], "values must be >= 1"),
        (["train", "--precisions", "fp16", "--device", "cpu"], "--precisions: precision fp16 needs a CUDA device"),
        (["video", "--size", "640"], "expected WxH"),
    ],
)
def test_bad_options_exit_2(in_tmp, args, needle):
    result = CliRunner().invoke(main, ["bench", *args])
    assert result.exit_code == 2 and needle in result.output
    assert not (in_tmp / "runs").exists()


def test_curves_of_every_variant_on_given_files_saved_with_their_chart(results):
    tmp = results.parent.parent
    data = save_clips(tmp / "data.npz", make_clips((40,)))
    result = run(["bench", "curves", "--train", str(data), "--val", str(data), "--steps", "2", "--eval-every", "1"]
                 + ["--save"])  # fmt: skip
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp / "runs").iterdir()
    payload = json.loads((run_dir / "curves.json").read_text())
    assert all([p["step"] for p in r["points"]] == [1, 2] for r in payload["rows"].values())
    assert payload["data"] == {"train": str(data), "val": str(data)}
    assert {p.name for p in results.iterdir()} == {"curves.json", "curves.md", "curves.png"}


def test_kernels_and_throughput_save_like_every_bench(results):
    tmp = results.parent.parent
    result = run(["bench", "throughput", "--presets", "tiny", "--repeats", "1", "--save"])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp / "runs").iterdir()
    assert run_dir.name.startswith("bench-throughput-") and (run_dir / "throughput.md").is_file()
    assert {p.name for p in results.iterdir()} == {"throughput.json", "throughput.md"}
    assert json.loads((results / "throughput.json").read_text())["complete"] is True


def test_all_says_what_it_skipped(results):
    tmp = results.parent.parent
    result = run(["bench", "all", "--quick", "--skip", "flops,kernels,latency", "--out", "all"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp / "all/summary.json").read_text())
    assert summary["ran"] == {} and summary["skipped"]["accuracy"].endswith("pass --with-accuracy")
    assert "--with-accuracy" in result.output and not results.exists()
    result = CliRunner().invoke(main, ["bench", "all", "--skip", "flops,gpu"])
    assert result.exit_code == 2 and "unknown bench(s) ['gpu']" in result.output


@pytest.fixture
def restore_threads(monkeypatch):
    """``--threads`` sets the process's threads (posynda.threads, PyTorch): put them back after the test."""
    monkeypatch.setattr(threads, "_chosen", threads._chosen)
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("name", sorted(bench.commands))
def test_every_bench_takes_threads_and_every_run_quick(name):
    options = {param.name for param in bench.commands[name].params}
    assert ("threads" in options) == (name != "threads")  # bench threads sets each worker's threads itself
    assert ("quick" in options) == (name not in ("flops", "plot"))  # FLOPs are counted, plots drawn: nothing to shorten


@pytest.mark.parametrize("row", BENCHES, ids=lambda row: row.name)
def test_every_command_is_its_table_row_with_the_shared_block(row):
    command = bench.commands[row.name]
    names = [param.name for param in command.params]
    own = [param.name for param in apply_options(row.options, lambda **_: None).__click_params__]
    shared = [param.name for param in apply_options(shared_options(row), lambda **_: None).__click_params__]
    assert sorted(names) == sorted(own + shared) and len(set(names)) == len(names)
    assert command.help == row.help and list(bench.commands) == [r.name for r in BENCHES]


QUICK_RUNS = {  # bench args (small where --quick leaves a choice), JSON stem, check of the JSON
    "latency": (["latency", "--backends", "torch-eager", "--no-e2e"], "latency",
                lambda r: [(x["config"], x["batch"], x["repeats"]) for x in r["rows"]] == [("tiny", 1, 5)]),
    "throughput": (["throughput", "--presets", "tiny"], "throughput",
                   lambda r: [(x["preset"], x["repeats"]) for x in r["rows"]] == [("tiny", 2)]),
    "kernels": (["kernels", "--sizes", "32", "-H", "1"], "kernels",
                lambda r: r["settings"]["quick"] and [x["n"] for x in r["rows"]] == [32]),
    "adapt-step": (["adapt-step", "--presets", "tiny", "--device", "cpu"], "adapt_step",
                   lambda r: [x["hypotheses"] for x in r["rows"]] == [1, 3]),
}  # fmt: skip


@pytest.mark.parametrize("name", list(QUICK_RUNS))
def test_quick_runs_are_smaller_and_never_saved(results, restore_threads, name):
    args, stem, smaller = QUICK_RUNS[name]
    result = run(["bench", *args, "--quick", "--threads", "1", "--out", "run", "--save"])
    assert result.exit_code == 0, result.output
    payload = json.loads((results.parent.parent / "run" / f"{stem}.json").read_text())
    assert payload["complete"] is True and smaller(payload)
    assert f"not saved: {QUICK_NOT_SAVED}" in result.output and not results.exists()
    assert threads.chosen_threads() == torch.get_num_threads() == 1


def test_latency_states_its_threads_and_peak_memory(results, restore_threads):
    args = ["bench", "latency", "--config", "tiny", "--batch", "1", "--repeats", "1", "--warmup", "0", "--no-e2e"]
    result = run([*args, "--backends", "torch-eager", "--threads", "1", "--out", "run"])
    assert result.exit_code == 0, result.output
    machine = json.loads((results.parent.parent / "run/latency.json").read_text())["machine"]
    assert machine["threads_pinned"] == 1 and machine["peak_rss_mb"] > 0 and "peak RSS" in result.output


def test_a_bench_stopped_after_its_first_row_keeps_it(results, monkeypatch):
    stop_at_call(monkeypatch, throughput, "measure", 2, KeyboardInterrupt)  # Ctrl-C in the second row
    result = run(["bench", "throughput", "--presets", "tiny,videopose-tiny", "--repeats", "1", "--out", "run"])
    assert result.exit_code == 130 and "interrupted" in result.output
    run_dir = results.parent.parent / "run"
    payload = json.loads((run_dir / "throughput.json").read_text())
    assert payload["complete"] is False and [r["preset"] for r in payload["rows"]] == ["tiny"]
    assert (run_dir / "throughput.md").read_text().startswith(INCOMPLETE_NOTE)


def test_latency_without_onnxruntime_skips_its_backends_naming_the_extra(results, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    args = ["bench", "latency", "--config", "tiny", "--batch", "1", "--repeats", "1", "--warmup", "0", "--out", "run"]
    result = run([*args, "--backends", "torch-eager,onnxruntime-cpu,onnxruntime-cpu-int8"])
    assert result.exit_code == 0, result.output
    text = (results.parent.parent / "run/latency.md").read_text()
    for name in ("onnxruntime-cpu", "onnxruntime-cpu-int8"):
        assert f"- `{name}`: {name} needs ONNX Runtime: pip install 'posynda[export]'" in text
