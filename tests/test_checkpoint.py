"""Checkpoints: safetensors + metadata round trip, and refusals of foreign or broken files."""

import json

import pytest
import torch
from safetensors.torch import save_file

from posynda.checkpoint import load_checkpoint, read_metadata, save_checkpoint
from posynda.diffusion import SchedulerConfig
from posynda.errors import InputError
from posynda.models import PRESETS, build_denoiser


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = build_denoiser(PRESETS["tiny"])
    path = save_checkpoint(tmp_path / "m.safetensors", model, PRESETS["tiny"], SchedulerConfig(eta=0.5), {"steps": 3})
    return model, path


def test_round_trip_restores_weights_and_config(saved):
    model, path = saved
    ckpt = load_checkpoint(path)
    assert ckpt.config == PRESETS["tiny"] and ckpt.diffusion.eta == 0.5 and ckpt.provenance == {"steps": 3}
    for (name, a), (_, b) in zip(model.state_dict().items(), ckpt.model.state_dict().items()):
        assert torch.equal(a, b), name
    meta = read_metadata(path)
    assert meta["format"] == "posynda-checkpoint-v2" and meta["skeleton"] == "h36m-17"
    assert json.loads(meta["denoiser"])["frames"] == 27


def test_checkpoint_of_another_architecture_is_refused(tmp_path, saved):
    _, path = saved
    meta = read_metadata(path)
    meta["denoiser"] = PRESETS["videopose-tiny"].to_json()  # weights of MixSTE, config of VideoPose
    from safetensors.torch import load_file

    other = tmp_path / "other.safetensors"
    save_file(load_file(str(path)), str(other), metadata=meta)
    with pytest.raises(InputError, match="do not match the videopose architecture"):
        load_checkpoint(other)


def test_a_checkpoint_of_the_width_normalised_input_is_refused_with_the_reason(tmp_path, saved):
    """Format v1 models took u' = 2u/w - 1: their weights mean something else under the canonical camera."""
    _, path = saved
    meta = read_metadata(path)
    meta["format"] = "posynda-checkpoint-v1"
    from safetensors.torch import load_file

    old = tmp_path / "old.safetensors"
    save_file(load_file(str(path)), str(old), metadata=meta)
    with pytest.raises(InputError, match="posynda-checkpoint-v1 checkpoint: .*normalised by the image width.*train it"):
        load_checkpoint(old)


@pytest.mark.parametrize("kind", ["not-safetensors", "truncated", "no-metadata", "missing"])
def test_broken_or_foreign_files_are_input_errors(tmp_path, saved, kind):
    _, path = saved
    bad = tmp_path / "bad.safetensors"
    if kind == "not-safetensors":
        bad.write_bytes(b"this is not a model")
    elif kind == "truncated":
        bad.write_bytes(path.read_bytes()[:5000])
    elif kind == "no-metadata":
        save_file({"w": torch.zeros(3)}, str(bad))
    with pytest.raises(InputError) as err:
        load_checkpoint(bad)
    assert "\n" not in str(err.value)
