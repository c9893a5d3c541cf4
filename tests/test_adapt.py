"""Adaptation: trainable-parameter counts, merge parity, adapter reload, and no target-3D leakage."""

import dataclasses
import json

import numpy as np
import pytest
import torch

from posynda.adapt.lora import add_lora
from posynda.adapt.teacher import EMATeacher, pseudo_labels
from posynda.adapt.trainer import (
    AdaptSettings,
    adapt,
    build_student,
    load_adapted,
    merged_checkpoint,
    trainable_parameters,
)
from posynda.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from posynda.diffusion import DDIMScheduler, SchedulerConfig
from posynda.errors import InputError
from posynda.models import PRESETS, DenoiserConfig, build_denoiser
from tests.conftest import make_clips

MICRO = DenoiserConfig(arch="mixste", frames=9, dim=32, depth=1, heads=2, drop_path=0.0)
FAST = AdaptSettings(steps=3, source_batch=2, target_batch=2, hypotheses=2, log_every=1, checkpoint_every=2)


@pytest.fixture
def base(tmp_path):
    torch.manual_seed(0)
    return save_checkpoint(tmp_path / "base.safetensors", build_denoiser(MICRO), MICRO, SchedulerConfig())


def checkpoint_of(config):
    return Checkpoint(model=build_denoiser(config), config=config, diffusion=SchedulerConfig())


@pytest.mark.parametrize("rank", [1, 4, 8])
def test_paper_lora_counts(rank):
    student = build_student(checkpoint_of(PRESETS["paper"]), AdaptSettings(rank=rank))
    assert trainable_parameters(student) == 49_152 * rank + 51  # r=4: 196,608 + 51 = 196,659


def test_no_lora_trains_everything_and_no_cd_drops_the_offset():
    config = PRESETS["tiny"]
    full = build_student(checkpoint_of(config), AdaptSettings(lora=False, cd_embedding=False))
    assert trainable_parameters(full) == sum(p.numel() for p in build_denoiser(config).parameters())


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


NEEDS_CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs an NVIDIA GPU (CUDA)")


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=NEEDS_CUDA)])
def test_adapt_writes_adapter_merged_model_and_reloads(tmp_path, base, device):
    """On either device the written adapter and merged model load on the CPU and agree."""
    out = tmp_path / "run"
    report = adapt(
        base,
        make_clips((30, 20)),
        make_clips((25,), seed=3, with_3d=False),
        out,
        FAST,
        eval_clips=make_clips((15,), seed=4),
        progress=False,
        device=device,
    )
    assert np.isfinite(report["after"]["mpjpe"])
    assert {"before", "after", "settings", "trainable_parameters"} <= set(report)
    assert json.loads((out / "metrics.json").read_text())["after"]["mpjpe"] == report["after"]["mpjpe"]
    assert [json.loads(x)["step"] for x in (out / "metrics.jsonl").read_text().splitlines()] == [1, 2, 3]
    adapted = load_adapted(base, out / "adapter")
    merged = load_checkpoint(out / "model.safetensors")
    kp, noisy, t = torch.randn(1, 9, 17, 2), torch.randn(1, 9, 17, 3), torch.tensor([500])
    with torch.no_grad():
        torch.testing.assert_close(merged.model(kp, noisy, t), adapted(kp, noisy, t), atol=1e-5, rtol=0)
    other = save_checkpoint(tmp_path / "other.safetensors", build_denoiser(MICRO), MICRO, SchedulerConfig())
    with pytest.raises(InputError, match="another base checkpoint"):
        load_adapted(other, out / "adapter")
    with pytest.raises(InputError, match="already holds"):
        adapt(base, make_clips((30,)), make_clips((25,), with_3d=False), out, FAST, progress=False)


def test_adaptation_never_reads_target_3d(tmp_path, base):
    source, target = make_clips((30, 20)), make_clips((25, 12), seed=7)
    garbage = dataclasses.replace(
        target, joints_3d=np.random.default_rng(0).normal(size=target.joints_3d.shape).astype(np.float32) * 1e4
    )
    adapt(base, source, target.without_3d(), tmp_path / "a", FAST, progress=False)
    adapt(base, source, garbage, tmp_path / "b", FAST, progress=False)
    a = load_checkpoint(tmp_path / "a/model.safetensors").model.state_dict()
    b = load_checkpoint(tmp_path / "b/model.safetensors").model.state_dict()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def test_resume_continues_from_the_last_checkpoint(tmp_path, base):
    source, target = make_clips((30,)), make_clips((25,), seed=2, with_3d=False)
    adapt(base, source, target, tmp_path / "a", dataclasses.replace(FAST, steps=4), progress=False)
    adapt(base, source, target, tmp_path / "b", dataclasses.replace(FAST, steps=2), progress=False)
    (tmp_path / "b/model.safetensors").unlink()  # as if killed after the step-2 checkpoint
    adapt(base, source, target, tmp_path / "b", dataclasses.replace(FAST, steps=4), resume=True, progress=False)
    a = load_checkpoint(tmp_path / "a/model.safetensors").model.state_dict()
    b = load_checkpoint(tmp_path / "b/model.safetensors").model.state_dict()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=0, msg=name)


def test_pseudo_labels_pick_among_the_hypotheses_per_joint():
    torch.manual_seed(0)
    model = build_denoiser(MICRO).eval()
    clips = make_clips((9,))
    kp_px = torch.from_numpy(clips.keypoints_2d)[None]
    from posynda import camera

    kp = camera.normalize_screen(kp_px, 1000.0, 1000.0)
    intr = torch.from_numpy(clips.camera[:1])
    labels = pseudo_labels(
        model, DDIMScheduler(), kp, kp_px, intr, torch.ones(1, 9, 17), 3, 1, "joint", torch.Generator().manual_seed(0)
    )
    from posynda.diffusion import draw_noise, sample_poses

    hyps = sample_poses(
        model, kp, DDIMScheduler(), 3, 1, False, draw_noise(1, 3, 9, 17, 1, torch.Generator().manual_seed(0))
    )
    match = (hyps[0] == labels[0][None]).all(-1)  # [H, T, J]
    assert match.any(0).all()  # every joint of every frame comes from one of the hypotheses


def test_ema_teacher_moves_towards_the_student():
    student = torch.nn.Linear(2, 2)
    ema = EMATeacher(student, decay=0.5)
    with torch.no_grad():
        student.weight.add_(1.0)
    before = ema.model.weight.clone()
    ema.update(student)
    torch.testing.assert_close(ema.model.weight, (before + student.weight) / 2)


@pytest.mark.parametrize(
    "schedule,step,expected",
    [("constant", 0, 3e-3), ("constant", 99, 3e-3), ("cosine", 0, 3e-3), ("cosine", 50, 1.5e-3), ("cosine", 100, 0.0)],
)
def test_learning_rate_schedule(schedule, step, expected):
    settings = AdaptSettings(steps=100, lr=3e-3, lr_schedule=schedule)
    assert settings.learning_rate_at(step) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "bad",
    [{"selection": "pose"}, {"hypotheses": 0}, {"rank": 0}, {"lr_schedule": "step"}, {"teacher": "oracle"}],
)
def test_bad_settings(bad):
    with pytest.raises(InputError):
        AdaptSettings(**bad)


def test_bad_lora_rank():
    with pytest.raises(InputError):
        add_lora(build_denoiser(MICRO), "mixste", rank=0)


def test_reprojection_term_is_zero_for_a_consistent_pose_and_changes_training(tmp_path, base):
    from posynda import camera
    from posynda.adapt.trainer import reprojection_loss

    pose = torch.randn(2, 4, 17, 3, dtype=torch.float64) * 0.3
    pose[..., 0, :] = 0
    cam = torch.tensor([[1.5, 1.5, 0.01, -0.02, 0, 0, 0, 0, 0]] * 2, dtype=torch.float64)
    kp = camera.project(pose + torch.tensor([0.1, 0.0, 5.0], dtype=torch.float64), cam[:, None, :])
    assert float(reprojection_loss(pose, kp, cam, torch.ones(2, 4, 17, dtype=torch.float64))) < 1e-6
    source, target = make_clips((30,)), make_clips((25,), seed=2, with_3d=False)
    adapt(base, source, target, tmp_path / "a", FAST, progress=False)
    adapt(base, source, target, tmp_path / "b", dataclasses.replace(FAST, reproj_weight=1.0), progress=False)
    a = load_checkpoint(tmp_path / "a/model.safetensors").model.state_dict()
    b = load_checkpoint(tmp_path / "b/model.safetensors").model.state_dict()
    assert any(not torch.equal(a[k], b[k]) for k in a)
