"""The adaptation student: which parameters train (LoRA + cross-dataset embedding, or every weight)."""

import pytest

from posynda.adapt import AdaptSettings, build_student
from posynda.adapt.student import adapted_denoiser, resumable_state
from posynda.models import PRESETS, build_denoiser, count_parameters
from tests.conftest import micro_checkpoint


@pytest.mark.parametrize("rank", [1, 4, 8])
def test_paper_lora_counts(rank):
    student = build_student(checkpoint_of(PRESETS["paper"]), AdaptSettings(lora=True, rank=rank))
    assert count_parameters(student, trainable_only=True) == 49_152 * rank + 51  # r=4: 196,608 + 51 = 196,659


def test_no_lora_trains_everything_and_no_cd_drops_the_offset():
    config = PRESETS["tiny"]
    full = build_student(checkpoint_of(config), AdaptSettings(lora=False, cd_embedding=False))
    assert count_parameters(full, trainable_only=True) == sum(p.numel() for p in build_denoiser(config).parameters())


def test_resumable_state_holds_the_trainable_tensors_and_every_buffer():
    student = build_student(micro_checkpoint(), AdaptSettings(lora=True, rank=2))
    state = resumable_state(student)
    names = {n for n, p in student.named_parameters() if p.requires_grad}
    assert set(state) == names | {n for n, _ in student.named_buffers()} and "offset" in state
    assert all("lora_" in n for n in names - {"offset"})
    assert adapted_denoiser(student) is student.denoiser


def test_resumable_state_of_the_shipped_architecture_keeps_its_batchnorm_statistics():
    from posynda.checkpoint import load_checkpoint
    from posynda.defaults import shipped_checkpoint

    student = build_student(load_checkpoint(shipped_checkpoint()), AdaptSettings())
    state = resumable_state(student)
    assert any(k.endswith("running_var") for k in state) and any(k.endswith("num_batches_tracked") for k in state)


def checkpoint_of(config):
    return micro_checkpoint(config)
