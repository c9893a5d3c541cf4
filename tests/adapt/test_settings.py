"""Adaptation settings: the learning-rate schedule, the defaults chosen on validation data, bad values."""

import pytest

from posynda.adapt import AdaptSettings
from posynda.adapt.settings import DEFAULT_LR_FULL, DEFAULT_LR_LORA
from posynda.errors import InputError


@pytest.mark.parametrize(
    "schedule,step,expected",
    [("constant", 0, 3e-3), ("constant", 99, 3e-3), ("cosine", 0, 3e-3), ("cosine", 50, 1.5e-3), ("cosine", 100, 0.0)],
)
def test_learning_rate_schedule(schedule, step, expected):
    settings = AdaptSettings(steps=100, lr=3e-3, lr_schedule=schedule)
    assert settings.learning_rate_at(step) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "bad, needle",
    [
        ({"selection": "pose"}, "selection"),
        ({"hypotheses": 0}, "hypotheses"),
        ({"hypotheses": 1000}, "hypotheses"),
        ({"rank": 0}, "rank"),
        ({"lr_schedule": "step"}, "lr_schedule"),
        ({"teacher": "oracle"}, "teacher"),
        ({"view_pitch_degrees": -5.0}, "view_pitch_degrees"),
        ({"view_roll_degrees": 120.0}, "view_roll_degrees"),
        ({"ema_decay": 1.0}, "ema_decay"),
        ({"lr": float("nan")}, "lr must be a finite number"),
        ({"lr": float("inf")}, "lr must be a finite number"),
        ({"lr": -1e-3}, "lr must be positive"),
        ({"sampling_steps": 0}, r"sampling_steps must be in \[1, 1000\]"),
        ({"sampling_steps": 5000}, "sampling_steps"),
        ({"ema_decay": float("nan")}, "ema_decay must be a finite number"),
        ({"reproj_weight": -1.0}, "reproj_weight"),
        ({"bone_aug_degrees": 200.0}, "bone_aug_degrees"),
        ({"source_batch": 10**6}, "source_batch"),
        ({"steps": 0}, "steps must be in"),
    ],
)
def test_bad_settings(bad, needle):
    with pytest.raises(InputError, match=needle):
        AdaptSettings(**bad)


def test_default_learning_rate_follows_the_lora_switch():
    assert AdaptSettings(lora=True).learning_rate == DEFAULT_LR_LORA
    assert AdaptSettings().learning_rate == DEFAULT_LR_FULL  # full fine-tuning is the default
    assert AdaptSettings(lora=False).learning_rate == DEFAULT_LR_FULL
    assert AdaptSettings(lr=5e-4, lora=False).learning_rate == 5e-4
