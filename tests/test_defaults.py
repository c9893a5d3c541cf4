"""Default inputs: cached embedded domains and the shipped studio checkpoint."""

import dataclasses

import pytest

from posynda import defaults
from posynda.checkpoint import load_checkpoint
from posynda.data import load_clips, save_clips
from posynda.defaults import TRAINING_DATA, adaptation_inputs, default_clips_path, new_run_dir, shipped_checkpoint
from posynda.errors import InputError
from posynda.models import PRESETS
from posynda.pretrain import RECIPES
from tests.helpers.clips import make_clips


def test_default_clips_are_generated_once_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("POSYNDA_CACHE", str(tmp_path))
    path = default_clips_path("wild", "test")
    assert path.is_relative_to(tmp_path) and path.is_file()
    stamp = path.stat().st_mtime_ns
    assert default_clips_path("wild", "test").stat().st_mtime_ns == stamp  # not regenerated
    assert load_clips(path).num_frames > 1000


def test_the_default_training_data_is_studio_train_then_the_shipped_motion_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("POSYNDA_CACHE", str(tmp_path))
    studio = save_clips(tmp_path / "studio.npz", make_clips((30, 20)))
    monkeypatch.setattr(defaults, "default_clips_path", lambda domain, split: studio)
    path = defaults.default_training_path()
    clips = load_clips(path)
    names = list(clips.sequence_names())
    assert names[:2] == ["seq0", "seq1"] and len(names) == 2 + 3 * 20 * 4
    assert all(n.startswith("motion/") for n in names[2:])
    stamp = path.stat().st_mtime_ns
    assert defaults.default_training_path().stat().st_mtime_ns == stamp  # not regenerated


def test_run_dirs_never_collide(tmp_path):
    a, b = new_run_dir("eval", tmp_path), new_run_dir("eval", tmp_path)
    assert a != b and a.is_dir() and b.is_dir()


def test_shipped_checkpoint_is_the_cpu_preset_made_by_the_default_pretrain_command():
    ckpt = load_checkpoint(shipped_checkpoint())
    assert ckpt.config == PRESETS["cpu"]
    assert ckpt.provenance["data"] == TRAINING_DATA and ckpt.provenance["steps"] == RECIPES["cpu"].steps
    assert (
        ckpt.provenance["command"].startswith("posynda pretrain --out runs/studio-cpu") and ckpt.provenance["seed"] == 0
    )
    assert shipped_checkpoint().stat().st_size < 5_000_000


def test_the_shipped_causal_checkpoint_is_the_cpu_preset_made_causal_by_the_same_recipe():
    ckpt = load_checkpoint(shipped_checkpoint(causal=True))
    assert ckpt.config == dataclasses.replace(PRESETS["cpu"], causal=True)
    assert ckpt.provenance["data"] == TRAINING_DATA and ckpt.provenance["steps"] == RECIPES["cpu"].steps
    assert ckpt.provenance["command"].startswith("posynda pretrain --causal --out runs/studio-cpu-causal")
    assert ckpt.provenance["seed"] == 0


def test_adaptation_inputs_default_to_the_embedded_pair_without_target_3d(tmp_path, micro_file):
    labelled = save_clips(tmp_path / "t.npz", make_clips((20,)))
    base, source, target, test = adaptation_inputs(micro_file, labelled, labelled, labelled)
    assert base == micro_file and source.has_3d and test.has_3d and not target.has_3d


def test_a_bad_checkpoint_fails_before_any_data_is_read(tmp_path):
    with pytest.raises(InputError, match="no such checkpoint"):
        adaptation_inputs(tmp_path / "missing.safetensors", tmp_path / "also-missing.npz")
