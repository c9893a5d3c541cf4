"""The loop's settings: their files and the checks that name the parameter."""

import pytest

from posynda.errors import InputError
from posynda.training import TrainingSettings


def test_the_files_of_a_run(tmp_path):
    settings = TrainingSettings(out_dir=str(tmp_path), state_file="train_state.pt", steps=3)
    assert settings.state_path == tmp_path / "train_state.pt" and settings.metrics_path == tmp_path / "metrics.jsonl"
    assert not settings.holds_a_run()
    settings.model_path.write_bytes(b"")
    assert settings.holds_a_run()


@pytest.mark.parametrize("name", ["steps", "log_every", "checkpoint_every", "stop_after"])
def test_counts_below_one_are_refused_naming_the_parameter(tmp_path, name):
    with pytest.raises(InputError, match=f"^{name} must be >= 1, got 0") as refused:
        TrainingSettings(**{"out_dir": tmp_path, "state_file": "s.pt", "steps": 5, name: 0})
    assert refused.value.parameter == name
