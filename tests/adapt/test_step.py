"""One adaptation step: the reprojection term, GPA source pairs, the teacher's labels, and what changes."""

import numpy as np
import pytest
import torch

from posynda import camera
from posynda.adapt import AdaptSettings, adaptation_step, build_student, domain_sampler, teacher_labels
from posynda.adapt.step import StepDraws, reprojection_loss, source_pairs
from posynda.data.prepare import root_relative_metres
from posynda.diffusion import DDIMScheduler
from posynda.skeleton import bone_lengths
from tests.helpers.clips import make_clips
from tests.helpers.models import MICRO, micro_checkpoint

SETTINGS = AdaptSettings(source_batch=3, target_batch=2, hypotheses=2, lora=True)


def draws_for(settings, src, tgt, step=0):
    return StepDraws.draw(0, step, settings, len(src), len(tgt), 1000)


def test_reprojection_term_is_zero_for_a_consistent_pose():
    pose = torch.randn(2, 4, 17, 3, dtype=torch.float64) * 0.3
    pose[..., 0, :] = 0
    cam = torch.tensor([[1.5, 1.5, 0.01, -0.02, 0, 0, 0, 0, 0]] * 2, dtype=torch.float64)
    kp = camera.project(pose + torch.tensor([0.1, 0.0, 5.0], dtype=torch.float64), cam[:, None, :])
    assert float(reprojection_loss(pose, kp, cam, torch.ones(2, 4, 17, dtype=torch.float64))) < 1e-6


@pytest.fixture
def samplers():
    source, target = make_clips((30, 20)), make_clips((25,), seed=3, with_3d=False)
    return domain_sampler(source, MICRO.frames, True), domain_sampler(target, MICRO.frames, False)


@pytest.mark.parametrize("gpa", [True, False])
def test_source_pairs_are_model_units_and_gpa_moves_only_the_2d(samplers, gpa):
    src, tgt = samplers
    settings = AdaptSettings(source_batch=4, gpa=gpa, view_pitch_degrees=0.0, view_roll_degrees=0.0)
    draws = draws_for(settings, src, tgt)
    kp, labels = (x.numpy() for x in source_pairs(src, tgt, draws, settings))
    assert kp.shape == (4, MICRO.frames, 17, 2) and labels.shape == (4, MICRO.frames, 17, 3)
    assert (labels[..., 0, :] == 0).all() and np.abs(labels).max() < 2.0  # root-relative metres
    index = src.window_frames(draws.source_windows)
    own = np.array_equal(kp, src.norm[index])
    assert own != gpa  # GPA re-projects with a paired target camera; without it the source 2D stays


@pytest.mark.parametrize("snap", [False, True])
def test_teacher_labels_are_root_relative_metres(samplers, snap):
    _, tgt = samplers
    index = tgt.window_frames(np.array([0, 2]))
    settings = AdaptSettings(source_batch=3, target_batch=2, hypotheses=2, snap_labels=snap)
    labels = teacher_labels(micro_checkpoint().model, DDIMScheduler(), tgt, index, settings, np.array([5, 6])).numpy()
    assert labels.shape == (2, MICRO.frames, 17, 3) and np.isfinite(labels).all()
    assert np.abs(labels[..., 0, :]).max() < 1e-6
    alone = teacher_labels(micro_checkpoint().model, DDIMScheduler(), tgt, index[1:], settings, np.array([6])).numpy()
    np.testing.assert_allclose(alone[0], labels[1], atol=1e-6)  # a clip's label depends on its seed, not its batch


def test_a_step_trains_only_the_trainable_weights(samplers):
    src, tgt = samplers
    base = micro_checkpoint()
    student = build_student(base, SETTINGS)
    frozen = {n: p.detach().clone() for n, p in student.named_parameters() if not p.requires_grad}
    trained = {n: p.detach().clone() for n, p in student.named_parameters() if p.requires_grad}
    optimizer = torch.optim.Adam([p for p in student.parameters() if p.requires_grad], lr=1e-2)
    per_clip, loss = adaptation_step(
        student, student, optimizer, DDIMScheduler(), src, tgt, draws_for(SETTINGS, src, tgt), SETTINGS
    )
    assert per_clip.shape == (5,) and torch.isfinite(loss) and loss > 0
    now = dict(student.named_parameters())
    assert all(torch.equal(now[n], p) for n, p in frozen.items())
    assert any(not torch.equal(now[n], p) for n, p in trained.items())


AUGMENTATIONS = {"bone angles": dict(bone_aug_degrees=60), "view": dict(view_pitch_degrees=30, view_roll_degrees=10)}


@pytest.mark.parametrize("augmentation", AUGMENTATIONS.values(), ids=AUGMENTATIONS.keys())
@pytest.mark.parametrize("gpa", [True, False])
def test_augmented_pairs_keep_bones_and_their_2d_matches_their_3d(samplers, gpa, augmentation):
    src, tgt = samplers
    settings = AdaptSettings(source_batch=4, gpa=gpa, **augmentation)
    draws = draws_for(settings, src, tgt)
    kp, labels = (x.numpy() for x in source_pairs(src, tgt, draws, settings))
    index = src.window_frames(draws.source_windows)
    plain = root_relative_metres(src.joints_3d[index])
    np.testing.assert_allclose(bone_lengths(labels), bone_lengths(plain), rtol=1e-4)
    assert np.abs(labels - plain).max() > 0.01  # metres: the limbs moved
    if not gpa:  # seen by the source's own camera: the root-centred 2D shape changed with the 3D
        assert not np.allclose(kp, src.norm[index])
        np.testing.assert_allclose(kp[..., 0, :], src.norm[index][..., 0, :], atol=1e-5)  # the root stays


def test_draws_of_a_step_split_into_rank_parts_that_rebuild_the_global_batch(samplers):
    src, tgt = samplers
    settings = AdaptSettings(source_batch=4, target_batch=2, bone_aug_degrees=30)
    whole = draws_for(settings, src, tgt, step=3)
    halves = [whole.part(slice(0, 2), slice(0, 1)), whole.part(slice(2, 4), slice(1, 2))]
    assert [h.sources for h in halves] == [2, 2] and whole.sources == 4
    np.testing.assert_array_equal(np.r_[halves[0].flips[:2], halves[1].flips[:2]], whole.flips[:4])  # sources
    np.testing.assert_array_equal(np.r_[halves[0].flips[2:], halves[1].flips[2:]], whole.flips[4:])  # targets
    pairs = [source_pairs(src, tgt, h, settings)[1] for h in halves]
    torch.testing.assert_close(torch.cat(pairs), source_pairs(src, tgt, whole, settings)[1], rtol=0, atol=0)
    again = draws_for(settings, src, tgt, step=3)
    assert np.array_equal(again.noise_seeds, whole.noise_seeds)
    assert not np.array_equal(draws_for(settings, src, tgt, step=4).noise_seeds, whole.noise_seeds)
