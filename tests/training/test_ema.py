"""The EMA teacher: AveragedModel with posynda's update -- floating tensors move by mul/add, counters stay."""

import copy

import torch

from posynda.models import build_denoiser
from posynda.models.layers import SinusoidalTimestepEmbedding
from posynda.training import ema_teacher
from tests.helpers.models import MICRO
from tests.helpers.training import Toy


def test_ema_teacher_moves_towards_the_student():
    student = torch.nn.Linear(2, 2)
    ema = ema_teacher(student, decay=0.5)
    with torch.no_grad():
        student.weight.add_(1.0)
    before = ema.module.weight.clone()
    ema.update_parameters(student)
    torch.testing.assert_close(ema.module.weight, (before + student.weight) / 2)


def test_every_update_is_the_mul_add_rule_on_weights_and_batch_norm_statistics_and_leaves_counters():
    torch.manual_seed(0)
    student, decay = Toy(), 0.998
    teacher = ema_teacher(student, decay)
    expected = copy.deepcopy(student.state_dict())  # the rule by hand, from the copy at creation
    for _ in range(3):
        student.train()
        student(torch.randn(16, 4)).sum().backward()  # moves the running statistics and their counter
        with torch.no_grad():
            for p in student.parameters():
                p.add_(torch.randn_like(p) * 0.1)
        teacher.update_parameters(student)
        for name, live in student.state_dict().items():
            if live.is_floating_point():
                expected[name].mul_(decay).add_(live, alpha=1 - decay)
    averaged = teacher.module.state_dict()
    for name, value in expected.items():
        assert torch.equal(averaged[name], value), name  # bit for bit
    assert averaged["net.1.num_batches_tracked"] == 0 and student.net[1].num_batches_tracked == 3
    assert int(teacher.n_averaged) == 4  # the copy at creation and three averages
    assert not teacher.training and not any(p.requires_grad for p in teacher.parameters())


def test_the_timestep_frequencies_are_a_constant_the_teacher_leaves_alone():
    torch.manual_seed(0)
    student = build_denoiser(MICRO)
    teacher = ema_teacher(student, 0.998)
    for _ in range(5):
        teacher.update_parameters(student)
    assert not any(name.endswith("freqs") for name, _ in student.named_buffers())
    frequencies = [m.freqs for m in teacher.modules() if isinstance(m, SinusoidalTimestepEmbedding)]
    assert frequencies and all(torch.equal(f, SinusoidalTimestepEmbedding(f.numel() * 2).freqs) for f in frequencies)
