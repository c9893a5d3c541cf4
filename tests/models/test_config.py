"""Denoiser configurations: presets, JSON round trip, bad fields."""

import pytest

from posynda.errors import InputError
from posynda.models import PRESETS, DenoiserConfig, preset


def test_unknown_preset_is_an_input_error():
    with pytest.raises(InputError, match="tiny"):
        preset("huge")


@pytest.mark.parametrize("name", list(PRESETS))
def test_configs_round_trip_through_json(name):
    import json

    config = PRESETS[name]
    assert DenoiserConfig.from_dict(json.loads(config.to_json())) == config and preset(name) is config


@pytest.mark.parametrize("data, needle", [({"arch": "lstm"}, "unknown denoiser arch"), ({"width": 3}, "unknown field")])
def test_bad_configs_are_input_errors(data, needle):
    with pytest.raises(InputError, match=needle):
        DenoiserConfig.from_dict(data)
