"""What a checkpoint holds and putting it back: the changing tensors, optimizer, schedule, scaler, teacher, RNG."""

import pytest
import torch

from posynda.adapt import AdaptSettings, build_student
from posynda.errors import InputError
from posynda.runstate import load_state, save_state
from posynda.training import prepare, resumable_state
from posynda.training.state import restore, run_state
from tests.helpers.models import micro_checkpoint
from tests.helpers.training import all_tensors, toy_step, toy_trainee, world


def test_resumable_state_holds_the_trainable_tensors_and_every_buffer():
    student = build_student(micro_checkpoint(), AdaptSettings(lora=True, rank=2))
    state = resumable_state(student)
    names = {n for n, p in student.named_parameters() if p.requires_grad}
    assert set(state) == names | {n for n, _ in student.named_buffers()} and "offset" in state
    assert all("lora_" in n for n in names - {"offset"})


def test_resumable_state_of_the_shipped_architecture_keeps_its_batchnorm_statistics():
    from posynda.checkpoint import load_checkpoint
    from posynda.defaults import shipped_checkpoint

    student = build_student(load_checkpoint(shipped_checkpoint()), AdaptSettings())
    state = resumable_state(student)
    assert any(k.endswith("running_var") for k in state) and any(k.endswith("num_batches_tracked") for k in state)


def trained(steps: int, **trainee):
    training = prepare(world(), toy_trainee(**trainee))
    for n in range(steps):
        torch.manual_seed(n)
        toy_step(training, n)
        training.scheduler.step()
        if training.teacher is not None:
            training.teacher.update_parameters(training.model)
        training.step = n + 1
    return training


def test_a_saved_and_restored_run_equals_the_one_it_was_saved_from(tmp_path):
    source = trained(3)
    save_state(tmp_path / "s.pt", source.step, **run_state(source))
    expected_draw = torch.rand(4)
    copy = prepare(world(), toy_trainee(seed=1), state=load_state(tmp_path / "s.pt"), state_path=tmp_path / "s.pt")
    assert torch.equal(torch.rand(4), expected_draw)  # the torch RNG came back too
    a, b = all_tensors(source), all_tensors(copy)
    assert set(a) == set(b)
    for name in a:
        torch.testing.assert_close(b[name], a[name], rtol=0, atol=0, msg=name)
    assert copy.step == 3 and copy.scheduler.last_epoch == 3
    assert copy.optimizer.param_groups[0]["lr"] == source.optimizer.param_groups[0]["lr"]


def test_the_gradient_scale_comes_back(tmp_path):
    source = trained(1)
    source.scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    source.scaler.scale(torch.ones((), requires_grad=True))  # the scale exists from the first use
    source.scaler.update(512.0)
    save_state(tmp_path / "s.pt", 1, **run_state(source))
    copy = prepare(world(), toy_trainee())
    copy.scaler = torch.amp.GradScaler("cpu")
    restore(copy, load_state(tmp_path / "s.pt"), tmp_path / "s.pt")
    assert copy.scaler.get_scale() == 512.0


def test_a_state_of_another_model_or_without_the_teacher_is_refused(tmp_path):
    source = trained(1, ema_decay=None)
    save_state(tmp_path / "s.pt", 1, **run_state(source))
    state = load_state(tmp_path / "s.pt")
    with pytest.raises(InputError, match="^resume: .* has no EMA teacher") as refused:
        prepare(world(), toy_trainee(), state=state, state_path=tmp_path / "s.pt")
    assert refused.value.parameter == "resume"
    other = toy_trainee(ema_decay=None)
    other.model.net.append(torch.nn.Linear(3, 3))
    with pytest.raises(InputError, match=r"holds other tensors than this model's \(\['net.4.bias'"):
        prepare(world(), other, state=state, state_path=tmp_path / "s.pt")
