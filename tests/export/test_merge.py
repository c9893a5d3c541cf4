"""What an export starts from: the plain checkpoint, or the base with its adaptation merged, and their names."""

import json

import torch

from posynda.adapt import AdaptSettings, build_student, save_adapter
from posynda.export.merge import load_for_export
from posynda.fileio import sha256_file
from posynda.models import example_inputs
from tests.helpers.models import MICRO, micro_checkpoint


def test_plain_checkpoint_is_named_by_its_file(micro_file):
    ckpt, source = load_for_export(micro_file)
    assert source == {"source_checkpoint": micro_file.name, "source_checkpoint_sha256": sha256_file(micro_file)}
    assert ckpt.config == MICRO


def test_an_adapter_is_merged_and_recorded(tmp_path, micro_file):
    settings = AdaptSettings(rank=2)
    student = build_student(micro_checkpoint(), settings)
    with torch.no_grad():
        student.offset.fill_(0.01)
    adapter = save_adapter(tmp_path / "run", student.eval(), settings, micro_file)
    ckpt, source = load_for_export(micro_file, adapter)
    assert source["source_checkpoint_sha256"] == sha256_file(micro_file) and len(source["adapter_sha256"]) == 64
    assert json.loads(source["merged_adaptation"])["rank"] == 2
    inputs = example_inputs(1, MICRO.frames, 17)
    with torch.no_grad():
        torch.testing.assert_close(ckpt.model(*inputs), student(*inputs), atol=1e-6, rtol=0)
