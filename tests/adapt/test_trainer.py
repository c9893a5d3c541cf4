"""The adaptation loop: what a run writes, resuming, and that the target's 3D is never read."""

import dataclasses
import json

import numpy as np
import pytest
import torch

from posynda.adapt import AdaptSettings, adapt, load_adapted, trainer
from posynda.checkpoint import load_checkpoint, save_checkpoint
from posynda.errors import InputError, RunInterrupted
from tests.helpers.clips import make_clips
from tests.helpers.interrupts import ctrl_c_on_call
from tests.helpers.models import MICRO, micro_checkpoint

# constant lr: the resume test stands in for a killed 4-step run with a 2-step one (a cosine schedule depends on steps)
FAST = AdaptSettings(
    steps=3, source_batch=2, target_batch=2, hypotheses=2, log_every=1, checkpoint_every=2, lr_schedule="constant"
)


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def test_adapt_writes_adapter_merged_model_and_reloads(tmp_path, micro_file, device):
    """On either device the written adapter and merged model load on the CPU and agree."""
    out = tmp_path / "run"
    report = adapt(
        micro_file,
        make_clips((30, 20)),
        make_clips((25,), seed=3, with_3d=False),
        out,
        FAST,
        eval_clips=make_clips((15,), seed=4),
        progress=False,
        device=device,
    )
    assert np.isfinite(report["after"]["mpjpe"])
    assert {"before", "after", "settings", "trainable_parameters"} <= set(report)
    assert json.loads((out / "metrics.json").read_text())["after"]["mpjpe"] == report["after"]["mpjpe"]
    assert [json.loads(x)["step"] for x in (out / "metrics.jsonl").read_text().splitlines()] == [1, 2, 3]
    adapted = load_adapted(micro_file, out / "adapter")
    merged = load_checkpoint(out / "model.safetensors")
    kp, noisy, t = torch.randn(1, 9, 17, 2), torch.randn(1, 9, 17, 3), torch.tensor([500])
    with torch.no_grad():
        torch.testing.assert_close(merged.model(kp, noisy, t), adapted(kp, noisy, t), atol=1e-5, rtol=0)
    with pytest.raises(InputError, match="already holds"):
        adapt(micro_file, make_clips((30,)), make_clips((25,), with_3d=False), out, FAST, progress=False)


@pytest.mark.parametrize("lora", [False, True])
def test_a_causal_model_adapts_into_a_causal_model(tmp_path, lora):
    """PoSynDA on a causal base (pretrain --causal): the adapted, merged model is causal too -- frames after t
    still change nothing at t."""
    config = dataclasses.replace(MICRO, causal=True)
    base = micro_checkpoint(config)
    path = save_checkpoint(tmp_path / "causal.safetensors", base.model, config, base.diffusion)
    settings = dataclasses.replace(FAST, lora=lora)
    adapt(path, make_clips((30, 20)), make_clips((25,), seed=3, with_3d=False), tmp_path / "run", settings,
          progress=False)  # fmt: skip
    merged = load_checkpoint(tmp_path / "run" / "model.safetensors")
    assert merged.config.causal
    kp, noisy, t = torch.randn(1, 9, 17, 2), torch.randn(1, 9, 17, 3), torch.tensor([500])
    later = kp.clone()
    later[:, 6:] += 1.0
    with torch.no_grad():
        assert torch.equal(merged.model(kp, noisy, t)[:, :6], merged.model(later, noisy, t)[:, :6])


def test_adaptation_never_reads_target_3d(tmp_path, micro_file):
    source, target = make_clips((30, 20)), make_clips((25, 12), seed=7)
    garbage = dataclasses.replace(
        target, joints_3d=np.random.default_rng(0).normal(size=target.joints_3d.shape).astype(np.float32) * 1e4
    )
    adapt(micro_file, source, target.without_3d(), tmp_path / "a", FAST, progress=False)
    adapt(micro_file, source, garbage, tmp_path / "b", FAST, progress=False)
    a = load_checkpoint(tmp_path / "a/model.safetensors").model.state_dict()
    b = load_checkpoint(tmp_path / "b/model.safetensors").model.state_dict()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def test_resume_continues_from_the_last_checkpoint(tmp_path, micro_file):
    source, target = make_clips((30,)), make_clips((25,), seed=2, with_3d=False)
    adapt(micro_file, source, target, tmp_path / "a", dataclasses.replace(FAST, steps=4), progress=False)
    adapt(micro_file, source, target, tmp_path / "b", dataclasses.replace(FAST, steps=2), progress=False)
    (tmp_path / "b/model.safetensors").unlink()  # as if killed after the step-2 checkpoint
    adapt(micro_file, source, target, tmp_path / "b", dataclasses.replace(FAST, steps=4), resume=True, progress=False)
    a = load_checkpoint(tmp_path / "a/model.safetensors").model.state_dict()
    b = load_checkpoint(tmp_path / "b/model.safetensors").model.state_dict()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=0, msg=name)


def test_ctrl_c_saves_the_whole_steps_and_the_run_resumes_exactly(tmp_path, micro_file):
    source, target = make_clips((30,)), make_clips((25,), seed=2, with_3d=False)
    settings = dataclasses.replace(FAST, steps=4, checkpoint_every=100)
    adapt(micro_file, source, target, tmp_path / "a", settings, progress=False)
    with pytest.MonkeyPatch.context() as pressing, pytest.raises(RunInterrupted, match="at step 2 of 4"):
        pressing.setattr(trainer, "adaptation_step", ctrl_c_on_call(trainer.adaptation_step, 2))
        adapt(micro_file, source, target, tmp_path / "b", settings, progress=False)
    assert not (tmp_path / "b/model.safetensors").exists()
    adapt(micro_file, source, target, tmp_path / "b", settings, resume=True, progress=False)
    a = load_checkpoint(tmp_path / "a/model.safetensors").model.state_dict()
    b = load_checkpoint(tmp_path / "b/model.safetensors").model.state_dict()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=0, msg=name)


def test_the_reprojection_term_changes_training(tmp_path, micro_file):
    source, target = make_clips((30,)), make_clips((25,), seed=2, with_3d=False)
    adapt(micro_file, source, target, tmp_path / "a", FAST, progress=False)
    adapt(micro_file, source, target, tmp_path / "b", dataclasses.replace(FAST, reproj_weight=1.0), progress=False)
    a = load_checkpoint(tmp_path / "a/model.safetensors").model.state_dict()
    b = load_checkpoint(tmp_path / "b/model.safetensors").model.state_dict()
    assert any(not torch.equal(a[k], b[k]) for k in a)


def test_ctrl_c_at_a_random_step_of_the_shipped_architecture_resumes_bit_for_bit(tmp_path):
    """The shipped VideoPose model (BatchNorm statistics, dropout) with the default settings (EMA teacher, cosine
    schedule, full fine-tuning): SIGINT at a step drawn at random, then --resume, equals the uninterrupted run in
    every tensor -- weights, BatchNorm running statistics and their step counters."""
    import secrets

    from posynda.defaults import shipped_checkpoint

    base = shipped_checkpoint()
    source, target = make_clips((60,)), make_clips((50,), seed=2, with_3d=False)
    settings = AdaptSettings(steps=7, source_batch=3, target_batch=3, hypotheses=2, checkpoint_every=100)
    interrupt = 2 + secrets.randbelow(settings.steps - 2)  # SIGINT during step `interrupt` (1-based) of 7
    adapt(base, source, target, tmp_path / "a", settings, progress=False, device="cpu")
    with pytest.MonkeyPatch.context() as pressing, pytest.raises(RunInterrupted, match=f"at step {interrupt} of 7"):
        pressing.setattr(trainer, "adaptation_step", ctrl_c_on_call(trainer.adaptation_step, interrupt))
        adapt(base, source, target, tmp_path / "b", settings, progress=False, device="cpu")
    adapt(base, source, target, tmp_path / "b", settings, resume=True, progress=False, device="cpu")
    a = load_checkpoint(tmp_path / "a/model.safetensors").model.state_dict()
    b = load_checkpoint(tmp_path / "b/model.safetensors").model.state_dict()
    assert any("running_mean" in name for name in a)  # the architecture has BatchNorm statistics
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=0, msg=f"{name} (interrupted in step {interrupt})")
    (line_a,), (line_b,) = ([json.loads(x) for x in (tmp_path / d / "metrics.jsonl").read_text().splitlines()]
                            for d in "ab")  # fmt: skip
    line_a.pop("seconds"), line_b.pop("seconds")
    assert line_a == line_b  # one line at step 7, over all 7 steps: the running sums were part of the state
