"""Resuming an adaptation: the saved state must belong to the same base and the same settings."""

import dataclasses
import json

import pytest

from posynda.adapt import AdaptSettings
from posynda.adapt.resume import RESUMABLE_CHANGES, SettingsChanged, load_resume_state
from posynda.errors import InputError
from posynda.runstate import save_state

SETTINGS = AdaptSettings(steps=10, rank=2, lr_schedule="constant")


@pytest.fixture
def state_file(tmp_path):
    path = tmp_path / "adapt_state.pt"
    settings = json.dumps(dataclasses.asdict(SETTINGS))
    save_state(path, 4, settings=settings, base_sha256="abc", source_sha256="src", target_sha256="tgt")
    return path


@pytest.mark.parametrize("field", RESUMABLE_CHANGES)
def test_run_length_and_logging_may_change(state_file, field):
    state = load_resume_state(state_file, dataclasses.replace(SETTINGS, **{field: 20}), "abc")
    assert state["step"] == 4


def test_a_cosine_run_cannot_change_its_length(tmp_path):
    cosine = dataclasses.replace(SETTINGS, lr_schedule="cosine")
    path = tmp_path / "adapt_state.pt"
    save_state(path, 4, settings=json.dumps(dataclasses.asdict(cosine)), base_sha256="abc")
    assert load_resume_state(path, dataclasses.replace(cosine, log_every=3), "abc")["step"] == 4
    with pytest.raises(InputError, match="steps=10"):
        load_resume_state(path, dataclasses.replace(cosine, steps=20), "abc")


@pytest.mark.parametrize(
    "settings, base, needle",
    [
        (dataclasses.replace(SETTINGS, rank=4), "abc", "rank=2"),
        (dataclasses.replace(SETTINGS, gpa=False), "abc", "gpa=True"),
        (SETTINGS, "other", "another base checkpoint"),
        (dataclasses.replace(SETTINGS, lr_schedule="cosine"), "abc", "lr_schedule='constant'"),
    ],
    ids=["rank", "gpa", "base", "schedule"],
)
def test_other_settings_or_base_are_refused(state_file, settings, base, needle):
    with pytest.raises(InputError, match=needle):
        load_resume_state(state_file, settings, base)


def test_a_state_without_settings_is_not_an_adapt_state(tmp_path):
    save_state(tmp_path / "s.pt", 1)
    with pytest.raises(InputError, match="not a posynda adapt state"):
        load_resume_state(tmp_path / "s.pt", SETTINGS, "abc")


def test_a_refusal_carries_the_field_and_both_values_for_the_cli(state_file):
    with pytest.raises(SettingsChanged) as refused:
        load_resume_state(state_file, dataclasses.replace(SETTINGS, rank=4), "abc")
    assert (refused.value.field, refused.value.saved, refused.value.current) == ("rank", 2, 4)
    assert refused.value.parameter == "resume" and str(refused.value).startswith("resume: the run was made with rank=2")


@pytest.mark.parametrize(
    "data, refused",
    [({"source": "src", "target": "tgt"}, None), ({"source": "src", "target": "other"}, "other target data"),
     ({"source": "other", "target": "tgt"}, "other source data"), (None, None)],
    ids=["same", "target", "source", "not checked"],
)  # fmt: skip
def test_other_source_or_target_data_are_refused(state_file, data, refused):
    if refused is None:
        assert load_resume_state(state_file, SETTINGS, "abc", data)["step"] == 4
        return
    with pytest.raises(InputError, match=refused) as caught:
        load_resume_state(state_file, SETTINGS, "abc", data)
    assert caught.value.parameter == "resume"


def test_a_state_from_before_the_data_was_recorded_resumes(tmp_path):
    path = tmp_path / "adapt_state.pt"
    save_state(path, 4, settings=json.dumps(dataclasses.asdict(SETTINGS)), base_sha256="abc")
    assert load_resume_state(path, SETTINGS, "abc", {"source": "src", "target": "tgt"})["step"] == 4
