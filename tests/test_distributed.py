"""Data parallel with torchrun (gloo on the CPU): the world alone and under torchrun, global-batch shards, a
2-process pretrain equal to a 1-process one, resumed under DDP, only rank 0 writing, a failing rank stops
the job, the CLI under torchrun."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from posynda.checkpoint import load_checkpoint
from posynda.distributed import World, join_world, launched_by_torchrun
from posynda.errors import InputError

pytestmark = pytest.mark.slow  # torchrun processes (outside the quick subset)

HELPER = Path(__file__).parent / "helpers" / "ddp_pretrain.py"
# Weights of a 2-process run match a 1-process run with the same global batch to this (the micro denoiser,
# 8 AdamW steps at lr 3e-3): the two ranks' half-batch gradients are averaged in another order than one
# process sums them (float32, ~1e-7 relative), and Adam's normalised steps carry that into weights
# that differ by about 6e-5 -- well under one step's size (3e-3), far from any real difference.
WEIGHT_ATOL = 1e-3


def torchrun(args, processes=2, timeout=300):
    """Run the helper (or ``-m posynda.cli``) under torchrun with ``processes`` gloo ranks; one thread each."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "POSYNDA_DIST_TIMEOUT": "60"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={processes}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=HELPER.parents[2])


def weights(path):
    return load_checkpoint(path).model.state_dict()


def test_alone_the_world_is_one_process_and_shards_are_the_whole_batch(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    world = join_world("cpu")
    assert world == World() and world.is_main and not world.distributed and not launched_by_torchrun()
    assert world.shard(32) == slice(0, 32)
    value = torch.tensor(2.0)
    assert world.mean(value) is value
    assert world.stop_agreed(True, logging_step=False) and not world.stop_agreed(False, logging_step=True)


@pytest.mark.parametrize("rank, expected", [(0, slice(0, 16)), (1, slice(16, 32))])
def test_ranks_take_contiguous_equal_slices_of_the_global_batch(rank, expected):
    world = World(rank=rank, size=2, backend="gloo")
    assert world.shard(32) == expected
    with pytest.raises(InputError, match="batch_size 33 is the global batch: it must split evenly over 2") as refused:
        world.shard(33)
    assert refused.value.parameter == "batch_size"
    with pytest.raises(InputError, match="^source_batch 3 is the global batch"):
        world.shard(3, "source_batch")


@pytest.fixture(scope="module")
def ddp_runs(tmp_path_factory):
    """One 1-process and one 2-process run of 8 steps, and a 2-process run killed after 5 steps and resumed."""
    tmp = tmp_path_factory.mktemp("ddp")
    single = subprocess.run([sys.executable, str(HELPER), str(tmp / "single"), "8"], capture_output=True, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=300)  # fmt: skip
    assert single.returncode == 0, single.stderr
    for args in (["two", "8"], ["resumed", "8", "5"], ["resumed", "8", "--resume"]):
        result = torchrun([str(HELPER), str(tmp / args[0]), *args[1:]])
        assert result.returncode == 0, result.stderr[-3000:]
    return tmp


def test_two_processes_train_the_weights_of_one_with_the_same_global_batch(ddp_runs):
    one, two = weights(ddp_runs / "single/model.safetensors"), weights(ddp_runs / "two/model.safetensors")
    for name in one:
        torch.testing.assert_close(two[name], one[name], rtol=0, atol=WEIGHT_ATOL, msg=name)
    lines = [json.loads(x) for x in (ddp_runs / "two/metrics.jsonl").read_text().splitlines()]
    single = [json.loads(x) for x in (ddp_runs / "single/metrics.jsonl").read_text().splitlines()]
    assert [x["world_size"] for x in lines] == [2] * 8 and [x["world_size"] for x in single] == [1] * 8
    for a, b in zip(lines, single):  # the loss is the mean over both ranks' shards: the global batch's
        assert a["loss_mm"] == pytest.approx(b["loss_mm"], abs=0.01)
    assert load_checkpoint(ddp_runs / "two/model.safetensors").provenance["world_size"] == 2


def test_batch_norm_statistics_span_the_global_batch(tmp_path):
    """A VideoPose denoiser (batch norm, no dropout): 2 processes train the weights and the running statistics of
    one, to float rounding -- plain per-process batch norm would normalise each half batch by its own statistics."""
    one = subprocess.run([sys.executable, str(HELPER), str(tmp_path / "one"), "6", "--videopose"], capture_output=True,
                         text=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=300)  # fmt: skip
    assert one.returncode == 0, one.stderr[-3000:]
    two = torchrun([str(HELPER), str(tmp_path / "two"), "6", "--videopose"])
    assert two.returncode == 0, two.stderr[-3000:]
    a, b = weights(tmp_path / "one/model.safetensors"), weights(tmp_path / "two/model.safetensors")
    assert any(name.endswith("running_var") for name in a)
    for name in a:
        torch.testing.assert_close(b[name], a[name], rtol=0, atol=1e-5, msg=name)


# The shipped preset's dropout draws its masks per process, so 2 processes train other (equally likely) weights
# than 1: measured 3.9e-2 of the weights' norm apart after 12 steps at batch 32 (batch norm synchronised).
DROPOUT_BOUND = 6e-2


def test_with_dropout_two_processes_stay_within_the_stated_bound(tmp_path):
    base = ["-m", "posynda.cli", "pretrain", "--preset", "cpu", "--steps", "12", "--batch-size", "32", "--device",
            "cpu", "--quiet", "--seed", "0"]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    one = subprocess.run([sys.executable, *base, "--out", str(tmp_path / "one")], capture_output=True, text=True,
                         env=env, timeout=300, cwd=HELPER.parents[2])  # fmt: skip
    assert one.returncode == 0, one.stderr[-3000:]
    two = torchrun([*base, "--out", str(tmp_path / "two")])
    assert two.returncode == 0, two.stderr[-3000:]
    a, b = weights(tmp_path / "one/model.safetensors"), weights(tmp_path / "two/model.safetensors")
    names = [k for k in a if a[k].is_floating_point()]
    difference = torch.cat([(b[k] - a[k]).flatten() for k in names]).norm()
    assert 0 < difference / torch.cat([a[k].flatten() for k in names]).norm() < DROPOUT_BOUND


def test_a_ddp_run_killed_and_resumed_finishes_as_the_uninterrupted_one(ddp_runs):
    straight, resumed = weights(ddp_runs / "two/model.safetensors"), weights(ddp_runs / "resumed/model.safetensors")
    for name in straight:
        torch.testing.assert_close(resumed[name], straight[name], rtol=0, atol=0, msg=name)


def test_only_rank_0_writes(ddp_runs):
    counts = [json.loads((ddp_runs / f"two.rank{k}.json").read_text()) for k in (0, 1)]
    assert counts[0] == {"save_checkpoint": 4, "save_state": 4, "write_metrics": 4} and counts[1] == {}
    assert sorted(p.name for p in (ddp_runs / "two").iterdir()) == ["metrics.jsonl", "model.safetensors",
                                                                     "train_state.pt"]  # fmt: skip


def test_a_failing_rank_stops_the_job_with_its_error(tmp_path):
    result = torchrun([str(HELPER), str(tmp_path / "run"), "8", "--fail-rank", "1"])  # the timeout guards a hang
    assert result.returncode != 0
    assert "this rank fails on purpose" in result.stderr


def test_the_cli_pretrains_under_torchrun_and_refuses_an_uneven_global_batch(tmp_path):
    base = ["-m", "posynda.cli", "pretrain", "--preset", "tiny", "--steps", "2", "--device", "cpu", "--quiet"]
    result = torchrun([*base, "--batch-size", "4", "--out", str(tmp_path / "run")])
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("wrote ") == 1  # rank 0 prints
    assert load_checkpoint(tmp_path / "run/model.safetensors").provenance["world_size"] == 2
    uneven = torchrun([*base, "--batch-size", "3", "--out", str(tmp_path / "uneven")])
    assert uneven.returncode != 0 and "--batch-size 3 is the global batch" in uneven.stderr + uneven.stdout


def test_a_ddp_adapt_run_writes_a_valid_adapter_and_merged_model_equal_to_one_process(tmp_path):
    from posynda.checkpoint import save_checkpoint
    from posynda.data import save_clips
    from tests.helpers.clips import make_clips
    from tests.helpers.models import MICRO, micro_checkpoint

    micro = micro_checkpoint()
    files = {
        "base": save_checkpoint(tmp_path / "micro.safetensors", micro.model, MICRO, micro.diffusion),
        "source": save_clips(tmp_path / "src.npz", make_clips((40, 30))),
        "target": save_clips(tmp_path / "tgt.npz", make_clips((35, 25), seed=3).without_3d()),
        "eval": save_clips(tmp_path / "ev.npz", make_clips((20,), seed=4)),
    }
    args = ["-m", "posynda.cli", "adapt", "--checkpoint", str(files["base"]), "--source", str(files["source"]),
            "--target", str(files["target"]), "--eval", str(files["eval"]), "--steps", "4", "--source-batch", "4",
            "--target-batch", "2", "-H", "2", "--device", "cpu", "--quiet"]  # fmt: skip
    two = torchrun([*args, "--out", str(tmp_path / "two")])
    assert two.returncode == 0, two.stderr[-3000:]
    assert two.stdout.count("wrote ") == 1  # rank 0 reports
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    one = subprocess.run([sys.executable, *args, "--out", str(tmp_path / "one")], capture_output=True, text=True,
                         env=env, timeout=300)  # fmt: skip
    assert one.returncode == 0, one.stderr[-3000:]
    merged = load_checkpoint(tmp_path / "two/model.safetensors")
    assert merged.provenance["world_size"] == 2 and (tmp_path / "two/adapter/adaptation.json").is_file()
    single = weights(tmp_path / "one/model.safetensors")
    for name, value in merged.model.state_dict().items():
        torch.testing.assert_close(value, single[name], rtol=0, atol=WEIGHT_ATOL, msg=name)
    lines = [json.loads(x) for x in (tmp_path / "two/metrics.jsonl").read_text().splitlines()]
    assert lines and all(x["world_size"] == 2 for x in lines)
    report = json.loads((tmp_path / "two/metrics.json").read_text())
    assert report["world_size"] == 2 and "after" in report
