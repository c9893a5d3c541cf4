"""Default inputs: cached embedded domains and the shipped studio checkpoint."""

import json

import pytest
from click.testing import CliRunner

from posynda.checkpoint import load_checkpoint
from posynda.cli import main
from posynda.data import load_clips
from posynda.defaults import default_clips_path, new_run_dir, shipped_checkpoint
from posynda.models import PRESETS


def test_default_clips_are_generated_once_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("POSYNDA_CACHE", str(tmp_path))
    path = default_clips_path("wild", "test")
    assert path.is_relative_to(tmp_path) and path.is_file()
    stamp = path.stat().st_mtime_ns
    assert default_clips_path("wild", "test").stat().st_mtime_ns == stamp  # not regenerated
    assert load_clips(path).num_frames > 1000


def test_run_dirs_never_collide(tmp_path):
    a, b = new_run_dir("eval", tmp_path), new_run_dir("eval", tmp_path)
    assert a != b and a.is_dir() and b.is_dir()


def test_shipped_checkpoint_is_the_tiny_studio_model():
    ckpt = load_checkpoint(shipped_checkpoint())
    assert ckpt.config == PRESETS["tiny"]
    assert ckpt.provenance["data"] == "embedded studio/train" and ckpt.provenance["steps"] >= 1000
    assert shipped_checkpoint().stat().st_size < 5_000_000


@pytest.mark.slow
def test_eval_without_arguments_shows_the_domain_gap(tmp_path, monkeypatch):
    monkeypatch.setenv("POSYNDA_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["eval", "--no-per-sequence", "--json", "all.json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "studio/test" in result.output and "wild/test" in result.output
    domains = json.loads((tmp_path / "all.json").read_text())["domains"]
    assert domains["wild/test"]["mpjpe"] > 1.3 * domains["studio/test"]["mpjpe"]
    assert domains["wild/test"]["pck"] < domains["studio/test"]["pck"]
