"""Source pretraining: learning happens, checkpoints are atomic, resume is exact."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from posynda.checkpoint import load_checkpoint
from posynda.data import save_clips
from posynda.errors import InputError
from posynda.models import PRESETS, DenoiserConfig
from posynda.train import TrainRecipe, learning_rate, pretrain
from tests.conftest import make_clips

MICRO = DenoiserConfig(arch="mixste", frames=9, dim=32, depth=1, heads=2, drop_path=0.0)
RECIPE = TrainRecipe(batch_size=8, lr=3e-3, warmup_steps=0, log_every=1, checkpoint_every=2)


def test_loss_decreases_and_run_directory_is_complete(tmp_path):
    clips = make_clips((60, 60))
    pretrain(clips, MICRO, 60, tmp_path, recipe=RECIPE, progress=False)
    lines = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines] == list(range(1, 61))
    first, last = np.mean([x["loss_mm"] for x in lines[:5]]), np.mean([x["loss_mm"] for x in lines[-5:]])
    assert last < 0.7 * first
    ckpt = load_checkpoint(tmp_path / "model.safetensors")
    assert ckpt.provenance["steps"] == 60 and ckpt.config == MICRO
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.jsonl", "model.safetensors", "train_state.pt"]


def test_interrupted_and_resumed_run_equals_uninterrupted_run(tmp_path):
    clips = make_clips((50, 30))
    straight = pretrain(clips, MICRO, 8, tmp_path / "a", recipe=RECIPE, progress=False, seed=3)
    pretrain(clips, MICRO, 8, tmp_path / "b", recipe=RECIPE, progress=False, seed=3, stop_after=5)  # "killed" at 5
    assert json.loads((tmp_path / "b/metrics.jsonl").read_text().splitlines()[-1])["step"] == 4  # last checkpoint
    resumed = pretrain(clips, MICRO, 8, tmp_path / "b", recipe=RECIPE, progress=False, seed=3, resume=True)
    a, b = load_checkpoint(straight).model.state_dict(), load_checkpoint(resumed).model.state_dict()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=0, msg=name)
    assert (tmp_path / "a/metrics.jsonl").read_text().count("\n") == (tmp_path / "b/metrics.jsonl").read_text().count(
        "\n"
    )


def test_refuses_to_overwrite_a_run_and_to_resume_another_architecture(tmp_path):
    clips = make_clips((30,))
    pretrain(clips, MICRO, 2, tmp_path, recipe=RECIPE, progress=False)
    with pytest.raises(InputError, match="already holds a training run"):
        pretrain(clips, MICRO, 2, tmp_path, recipe=RECIPE, progress=False)
    with pytest.raises(InputError, match="another architecture"):
        pretrain(clips, PRESETS["tiny"], 4, tmp_path, recipe=RECIPE, progress=False, resume=True)
    with pytest.raises(InputError, match="joints_3d"):
        pretrain(clips.without_3d(), MICRO, 2, tmp_path / "x", recipe=RECIPE, progress=False)


def test_learning_rate_schedule_warms_up_then_decays():
    recipe = TrainRecipe(lr=1.0, warmup_steps=10, final_lr_fraction=0.1)
    lrs = [learning_rate(recipe, s, 1000) for s in range(1000)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert lrs[-1] == pytest.approx(0.1, rel=0.01) and all(a >= b for a, b in zip(lrs[10:], lrs[11:]))


@pytest.mark.slow
def test_cli_pretrain_killed_with_sigkill_resumes_from_its_checkpoint(tmp_path):
    data = save_clips(tmp_path / "src.npz", make_clips((80, 60)))
    out = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "posynda.cli",
        "pretrain",
        "--data",
        str(data),
        "--preset",
        "videopose-tiny",
        "--steps",
        "400",
        "--out",
        str(out),
        "--checkpoint-every",
        "10",
        "--batch-size",
        "4",
        "--quiet",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while not (out / "train_state.pt").exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = torch.load(out / "train_state.pt", weights_only=True)["step"]
    assert 0 < killed_at < 400
    resumed = subprocess.run(cmd[:-1] + ["--resume", "--quiet"], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    steps = [json.loads(x)["step"] for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(10, 401, 10))
    assert load_checkpoint(out / "model.safetensors").provenance["steps"] == 400


def test_batches_mirror_2d_and_3d_together():
    from posynda.skeleton import flip_left_right
    from posynda.train import _Batches

    clips = make_clips((40,))
    never = _Batches(clips, 9, TrainRecipe(batch_size=4, flip_prob=0.0))
    always = _Batches(clips, 9, TrainRecipe(batch_size=4, flip_prob=1.0))
    kp0, tgt0 = never.sample(np.random.default_rng(1))
    kp1, tgt1 = always.sample(np.random.default_rng(1))
    torch.testing.assert_close(kp1, flip_left_right(kp0))
    torch.testing.assert_close(tgt1, flip_left_right(tgt0))
    assert (tgt0[..., 0, :] == 0).all()  # root-relative metres
