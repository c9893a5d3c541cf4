"""Fixtures of the training loop's tests: the toy run's settings (the toy itself: tests/helpers/training.py)."""

import pytest

from posynda.training import TrainingSettings


@pytest.fixture
def toy_settings(tmp_path):
    def make(name: str = "run", **changes) -> TrainingSettings:
        options = dict(steps=12, log_every=2, checkpoint_every=4, seed=3, device="cpu", progress=False)
        return TrainingSettings(out_dir=tmp_path / name, state_file="state.pt", **{**options, **changes})

    return make
