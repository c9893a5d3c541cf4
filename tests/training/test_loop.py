"""The one training loop: its live objects, its lines and checkpoints, Ctrl-C and exact resume of every state."""

import json
import warnings

import pytest
import torch

from posynda.errors import InputError, RunInterrupted
from posynda.runstate import load_state
from posynda.training import Validation, joined_world, prepare, refuse_to_overwrite, train
from tests.helpers.interrupts import ctrl_c_on_call
from tests.helpers.training import all_tensors, toy_rate, toy_step, toy_trainee, world


def assert_same_run(a, b):
    ta, tb = all_tensors(a), all_tensors(b)
    assert set(ta) == set(tb)
    for name in ta:
        torch.testing.assert_close(tb[name], ta[name], rtol=0, atol=0, msg=name)
    assert a.scheduler.last_epoch == b.scheduler.last_epoch and a.step == b.step


def metrics_without_time(settings) -> list[dict]:
    lines = [json.loads(x) for x in settings.metrics_path.read_text().splitlines()]
    return [{k: v for k, v in line.items() if k != "seconds"} for line in lines]


def test_prepare_builds_the_optimizer_schedule_scaler_and_teacher():
    trainee = toy_trainee()
    trainee.model.net[0].requires_grad_(False)  # a frozen layer is not optimised
    training = prepare(world(), trainee)
    params = training.optimizer.param_groups[0]["params"]
    assert len(params) == 4 and all(p.requires_grad for p in params)
    assert training.optimizer.param_groups[0]["weight_decay"] == 0.1
    assert training.optimizer.param_groups[0]["lr"] == toy_rate(0)  # LambdaLR over the base rate 1, exactly
    assert not training.scaler.is_enabled() and training.forward is training.model and training.model.training
    assert not training.teacher.training and not any(p.requires_grad for p in training.teacher.parameters())
    assert prepare(world(), toy_trainee(ema_decay=None)).teacher is None


def test_a_run_logs_checkpoints_and_the_rate_of_every_step_exactly(toy_settings):
    settings = toy_settings(steps=7, log_every=2, checkpoint_every=4)
    written = []
    training = train(world(), settings, toy_trainee(), toy_step, facts={"recipe": "toy"},
                     on_checkpoint=lambda model, step: written.append(step))  # fmt: skip
    assert training.step == 7 and written == [4, 7]  # every checkpoint_every steps and the last
    lines = [json.loads(x) for x in settings.metrics_path.read_text().splitlines()]
    assert [x["step"] for x in lines] == [2, 4, 6, 7]
    assert list(lines[0]) == ["step", "loss_mm", "half_mm", "lr", "seconds", "world_size"]
    assert [x["lr"] for x in lines] == [toy_rate(n - 1) for n in (2, 4, 6, 7)]  # the rate the step ran at
    assert all(x["half_mm"] == pytest.approx(x["loss_mm"] / 2) for x in lines)
    state = load_state(settings.state_path)
    assert state["step"] == 7 and state["recipe"] == "toy" and state["ema"]["n_averaged"] == 8
    assert state["scheduler"]["last_epoch"] == 7 and state["scaler"] == {}
    assert state["log"]["sums"] is None and state["log"]["count"] == 0  # step 7 was logged


def test_stop_and_resume_equal_the_uninterrupted_run_in_every_tensor(toy_settings):
    """Batch norm statistics, dropout, AdamW moments, the schedule and the EMA teacher all continue exactly."""
    straight = train(world(), toy_settings("a"), toy_trainee(), toy_step)
    settings = toy_settings("b", stop_after=6)  # killed after step 6: its last checkpoint is step 4
    train(world(), settings, toy_trainee(), toy_step)
    assert load_state(settings.state_path)["step"] == 4
    resumed = train(world(), toy_settings("b"), toy_trainee(), toy_step, state=load_state(settings.state_path))
    assert_same_run(straight, resumed)
    assert metrics_without_time(toy_settings("a")) == metrics_without_time(toy_settings("b"))


def test_ctrl_c_stops_after_the_step_with_its_checkpoint_and_resumes_exactly(toy_settings):
    straight = train(world(), toy_settings("a", checkpoint_every=100), toy_trainee(), toy_step)
    settings = toy_settings("b", checkpoint_every=100)
    with pytest.raises(RunInterrupted, match=r"at step 5 of 12; .* continue with --resume"):
        train(world(), settings, toy_trainee(), ctrl_c_on_call(toy_step, 5))
    state = load_state(settings.state_path)
    assert state["step"] == 5 and state["log"]["count"] == 1  # step 5 is in no line yet (log_every 2)
    resumed = train(world(), settings, toy_trainee(), toy_step, state=state)
    assert_same_run(straight, resumed)
    a, b = (metrics_without_time(s) for s in (toy_settings("a"), settings))
    assert a == b  # the line of step 6 averages steps 5 and 6 as the uninterrupted run's does


def test_a_resumed_run_may_be_longer_and_follows_its_own_schedule(toy_settings):
    settings = toy_settings(steps=4)
    train(world(), settings, toy_trainee(rate=lambda n: 0.01), toy_step)
    longer = toy_settings(steps=6)
    training = train(world(), longer, toy_trainee(rate=lambda n: 0.02), toy_step, state=load_state(settings.state_path))
    lines = [json.loads(x) for x in longer.metrics_path.read_text().splitlines()]
    assert [x["lr"] for x in lines] == [0.01, 0.01, 0.02] and training.step == 6


def test_a_step_without_an_update_still_moves_the_schedule_quietly(toy_settings):
    """As an fp16 step whose update the gradient scaler skipped (inf gradients): the rate follows the step number."""

    def skipped(training, step):
        return {"loss": torch.zeros(())}

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # LambdaLR's warning about an optimizer that did not step would fail here
        training = train(world(), toy_settings(steps=3), toy_trainee(), skipped)
    assert training.scheduler.last_epoch == 3 and training.optimizer.param_groups[0]["lr"] == toy_rate(3)


def test_validation_lines_come_every_few_steps_and_at_the_last(toy_settings):
    settings = toy_settings(steps=5, log_every=10)
    seen = []

    def score(model):
        seen.append(model.training)
        return {"val_score": 1.5}

    train(world(), settings, toy_trainee(), toy_step, validation=Validation(2, score))
    lines = [json.loads(x) for x in settings.metrics_path.read_text().splitlines()]
    assert [(x["step"], "val_score" in x) for x in lines] == [(2, True), (4, True), (5, False), (5, True)]
    assert seen == [True, True, True] and all(x["seconds"] >= 0 for x in lines)


def test_new_runs_do_not_overwrite_and_fp16_needs_cuda(toy_settings):
    settings = toy_settings()
    refuse_to_overwrite(settings, False, "a toy run")  # nothing there yet
    train(world(), toy_settings(steps=2), toy_trainee(), toy_step)
    with pytest.raises(InputError, match="already holds a toy run"):
        refuse_to_overwrite(settings, False, "a toy run")
    refuse_to_overwrite(settings, True, "a toy run")
    with pytest.raises(InputError, match="^precision fp16 needs a CUDA device"):
        with joined_world("cpu", "fp16"):
            pass
