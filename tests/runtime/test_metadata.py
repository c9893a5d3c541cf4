"""Runtime metadata: what an artefact says about itself, written by export and read back by the runtime."""

import json

import pytest

from posynda.checkpoint import load_checkpoint
from posynda.errors import InputError
from posynda.fileio import sha256_file
from posynda.runtime.metadata import (
    WINDOWING,
    model_causal,
    model_geometry,
    runtime_metadata,
    sampler_metadata,
    sampler_settings,
)
from tests.helpers.models import MICRO, micro_checkpoint


def test_runtime_metadata_describes_the_checkpoint(micro_file):
    meta = runtime_metadata(load_checkpoint(micro_file))
    assert all(isinstance(v, str) for v in meta.values())
    assert meta["window_frames"] == str(MICRO.frames) and meta["skeleton"] == "h36m-17"
    assert len(json.loads(meta["joint_names"])) == 17
    assert json.loads(meta["scheduler"])["num_train_timesteps"] == 1000
    assert meta["source_checkpoint_sha256"] == sha256_file(micro_file)
    frames, joints, diffusion = model_geometry(micro_file, meta)
    assert (frames, joints, diffusion) == (MICRO.frames, 17, load_checkpoint(micro_file).diffusion)


@pytest.mark.parametrize("drop", ["window_frames", "denoiser", "scheduler"])
def test_incomplete_metadata_is_not_a_posynda_export(micro_file, drop):
    meta = runtime_metadata(load_checkpoint(micro_file))
    del meta[drop]
    with pytest.raises(InputError, match="not a posynda export"):
        model_geometry("m.onnx", meta)


@pytest.mark.parametrize("steps, hypotheses, flip", [(1, 1, True), (5, 3, False)])
def test_sampler_keys_round_trip(steps, hypotheses, flip):
    meta = sampler_metadata(steps, hypotheses, flip)
    assert sampler_settings(meta) == (steps, hypotheses, flip) and meta["aggregation"] == "mean"


def test_runtime_metadata_carries_what_a_c_runtime_needs(micro_file):
    from posynda.skeleton import FLIP_PERMUTATION, JOINT_ORDERS

    meta = runtime_metadata(load_checkpoint(micro_file))
    assert json.loads(meta["flip_permutation"]) == list(FLIP_PERMUTATION) and meta["root_joint"] == "0"
    coco = json.loads(meta["joint_orders"])["coco"]
    assert [tuple(map(tuple, rule)) for rule in coco] == list(JOINT_ORDERS["coco"][1])
    assert meta["noise"].startswith("philox4x32-10")


@pytest.mark.parametrize("causal", [False, True])
def test_causal_models_say_so_and_how_they_are_windowed(causal):
    import dataclasses

    meta = runtime_metadata(micro_checkpoint(dataclasses.replace(MICRO, causal=causal)))
    assert meta["causal"] == ("true" if causal else "false") and model_causal(meta) is causal
    assert meta["windowing"] == WINDOWING["causal" if causal else "centred"]


def test_the_causal_key_is_optional_but_never_garbled(micro_file):
    meta = runtime_metadata(load_checkpoint(micro_file))
    del meta["causal"]
    assert model_causal(meta) is False  # an export from before the key: centred
    meta["causal"] = "maybe"
    with pytest.raises(InputError, match="m.onnx: metadata 'causal' must be true or false, got 'maybe'"):
        model_geometry("m.onnx", meta)
