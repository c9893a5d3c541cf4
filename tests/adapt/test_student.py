"""The adaptation student: which parameters train (LoRA + cross-dataset embedding, or every weight)."""

import pytest

from posynda.adapt import AdaptSettings, build_student
from posynda.adapt.student import adapted_denoiser
from posynda.models import PRESETS, build_denoiser, count_parameters
from tests.helpers.models import micro_checkpoint


@pytest.mark.parametrize("rank", [1, 4, 8])
def test_paper_lora_counts(rank):
    student = build_student(checkpoint_of(PRESETS["paper"]), AdaptSettings(lora=True, rank=rank))
    assert count_parameters(student, trainable_only=True) == 49_152 * rank + 51  # r=4: 196,608 + 51 = 196,659


def test_no_lora_trains_everything_and_no_cd_drops_the_offset():
    config = PRESETS["tiny"]
    full = build_student(checkpoint_of(config), AdaptSettings(lora=False, cd_embedding=False))
    assert count_parameters(full, trainable_only=True) == sum(p.numel() for p in build_denoiser(config).parameters())


def test_adapted_denoiser_is_the_one_inside_the_embedding():
    student = build_student(micro_checkpoint(), AdaptSettings(lora=True, rank=2))
    assert adapted_denoiser(student) is student.denoiser
    plain = build_student(micro_checkpoint(), AdaptSettings(cd_embedding=False))
    assert adapted_denoiser(plain) is plain


def checkpoint_of(config):
    return micro_checkpoint(config)
