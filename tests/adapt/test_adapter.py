"""Saved adaptations: the merge into plain weights equals the adapted model; reloading; wrong bases refused."""

import dataclasses

import pytest
import torch

from posynda.adapt import AdaptSettings, build_student, load_adapted, merge_adapter, merged_checkpoint, save_adapter
from posynda.adapt.adapter import adapter_sha256, read_adapter_info
from posynda.checkpoint import save_checkpoint
from posynda.errors import InputError
from posynda.models import PRESETS
from tests.helpers.models import MICRO, micro_checkpoint


def _check_merge_matches_adapted(base, settings):
    """Perturb the trainable weights of a student of ``base``, merge, compare outputs; return the merged checkpoint."""
    student = build_student(base, settings)
    with torch.no_grad():  # make the adapters and the offset non-trivial
        for p in student.parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p) * 0.05)
    student.eval()
    kp, noisy, t = torch.randn(2, 27, 17, 2), torch.randn(2, 27, 17, 3), torch.tensor([3, 999])
    with torch.no_grad():
        expected = student(kp, noisy, t)
        merged = merged_checkpoint(student, base, settings, {})
        got = merged.model(kp, noisy, t)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
    return merged


@pytest.mark.parametrize(
    "preset,settings",
    [
        ("tiny", AdaptSettings()),
        ("tiny", AdaptSettings(lora=False)),
        ("tiny", AdaptSettings(cd_embedding=False)),
        ("videopose-tiny", AdaptSettings()),
    ],
)
def test_merged_model_matches_the_adapted_one(preset, settings):
    torch.manual_seed(1)
    merged = _check_merge_matches_adapted(checkpoint_of(PRESETS[preset]), settings)
    assert merged.config.output_offset == settings.cd_embedding


@pytest.mark.parametrize("settings", [AdaptSettings(), AdaptSettings(cd_embedding=False)])
def test_adapting_an_adapted_model_keeps_its_offset(settings):
    torch.manual_seed(2)
    base = checkpoint_of(dataclasses.replace(PRESETS["tiny"], output_offset=True))
    with torch.no_grad():
        base.model.output_offset.normal_(0, 0.05)
    assert _check_merge_matches_adapted(base, settings).config.output_offset


def checkpoint_of(config):
    return micro_checkpoint(config, seed=0)


@pytest.fixture(params=[dict(lora=True, rank=2), dict(lora=False)], ids=["lora", "full"])
def saved(tmp_path, micro_file, request):
    """A perturbed LoRA + CD (or fully fine-tuned + CD) student of the micro checkpoint, saved as ``run/adapter``."""
    settings = AdaptSettings(**request.param)
    student = build_student(micro_checkpoint(), settings)
    with torch.no_grad():
        for p in student.parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p) * 0.05)
    return save_adapter(tmp_path / "run", student.eval(), settings, micro_file), student


def test_saved_adapter_reloads_and_merges_to_the_same_model(saved, micro_file):
    adapter, student = saved
    info, settings = read_adapter_info(adapter)
    assert (settings.lora, settings.rank) in {(True, 2), (False, 4)} and info["base_checkpoint"] == str(micro_file)
    kp, noisy, t = torch.randn(2, 9, 17, 2), torch.randn(2, 9, 17, 3), torch.tensor([3, 999])
    with torch.no_grad():
        expected = student(kp, noisy, t)
        torch.testing.assert_close(load_adapted(micro_file, adapter)(kp, noisy, t), expected, atol=1e-6, rtol=0)
        merged = merge_adapter(micro_file, adapter)
        torch.testing.assert_close(merged.model(kp, noisy, t), expected, atol=1e-5, rtol=0)
    assert merged.provenance["adapter_sha256"] == adapter_sha256(adapter) and merged.config.output_offset


def test_adapter_of_another_base_or_folder_is_refused(saved, tmp_path):
    adapter, _ = saved
    other = micro_checkpoint(seed=1)
    other_file = save_checkpoint(tmp_path / "other.safetensors", other.model, MICRO, other.diffusion)
    with pytest.raises(InputError, match="another base checkpoint"):
        load_adapted(other_file, adapter)
    with pytest.raises(InputError, match="no such adapter directory"):
        merge_adapter(other_file, tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="not a posynda adapter directory"):
        merge_adapter(other_file, tmp_path / "empty")


def test_adapter_hash_changes_with_any_file(saved):
    adapter, _ = saved
    before = adapter_sha256(adapter)
    (adapter / "adaptation.json").write_text((adapter / "adaptation.json").read_text() + " ")
    assert adapter_sha256(adapter) != before
