"""Denoiser configurations: presets, JSON round trip, bad fields."""

import dataclasses
import json

import pytest

from posynda.errors import InputError
from posynda.models import PRESETS, DenoiserConfig, preset, preset_of


def test_unknown_preset_is_an_input_error():
    with pytest.raises(InputError, match="tiny"):
        preset("huge")


@pytest.mark.parametrize("name", list(PRESETS))
def test_configs_round_trip_through_json(name):
    config = PRESETS[name]
    assert DenoiserConfig.from_dict(json.loads(config.to_json())) == config and preset(name) is config
    causal = dataclasses.replace(config, causal=True)
    assert DenoiserConfig.from_dict(json.loads(causal.to_json())) == causal


def test_causal_is_written_only_when_set_and_keeps_the_preset_and_its_recipe():
    """Files written before ``causal`` existed read back as centred; a causal preset is still its preset."""
    assert "causal" not in json.loads(PRESETS["cpu"].to_json())
    causal = dataclasses.replace(PRESETS["cpu"], causal=True)
    assert json.loads(causal.to_json())["causal"] is True and preset_of(causal) == "cpu"


@pytest.mark.parametrize(
    "data, needle",
    [({"width": 3}, "unknown field"), ({"frames": 0}, "frames must be an integer"), ({"dim": 10**6}, "dim must be"),
     ({"dropout": 1.5}, "dropout must be in"), ({"filter_widths": []}, "filter_widths"),
     ({"causal": "yes"}, "causal and output_offset must be true or false")],
)  # fmt: skip
def test_bad_configs_are_input_errors(data, needle):
    with pytest.raises(InputError, match=needle):
        DenoiserConfig.from_dict(data)


def test_an_unknown_architecture_is_refused_where_denoisers_are_built():
    from posynda.models import build_denoiser

    with pytest.raises(InputError, match="unknown denoiser arch 'lstm' \\(expected one of mixste, videopose\\)"):
        build_denoiser(DenoiserConfig.from_dict({"arch": "lstm"}))
