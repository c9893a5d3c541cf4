"""Runtime metadata shared by every exported artefact."""

import json

from posynda.checkpoint import load_checkpoint, save_checkpoint
from posynda.diffusion import SchedulerConfig
from posynda.export import runtime_metadata
from posynda.fileio import sha256_file
from posynda.models import PRESETS, build_denoiser


def test_runtime_metadata_describes_the_checkpoint(tmp_path):
    path = save_checkpoint(
        tmp_path / "m.safetensors", build_denoiser(PRESETS["tiny"]), PRESETS["tiny"], SchedulerConfig()
    )
    meta = runtime_metadata(load_checkpoint(path))
    assert all(isinstance(v, str) for v in meta.values())
    assert meta["window_frames"] == "27" and meta["skeleton"] == "h36m-17"
    assert len(json.loads(meta["joint_names"])) == 17
    assert json.loads(meta["scheduler"])["num_train_timesteps"] == 1000
    assert meta["source_checkpoint_sha256"] == sha256_file(path)
