"""Windowed lifting: aggregation by mean or by reprojection on the poses' device, overlap, progress."""

import numpy as np
import pytest
import torch

from posynda import hypotheses
from posynda.data.prepare import frame_intrinsics
from posynda.runtime import SamplingSettings
from posynda.runtime.windowed_lift import aggregate_hypotheses, lift_windows
from tests.helpers.clips import make_clips
from tests.helpers.models import MICRO, micro_checkpoint


@pytest.fixture
def scene():
    """``[B=2, H=3, T=4, J, 3]`` hypotheses of a clip set's first frames, with its 2D, intrinsics and weights."""
    clips = make_clips((8,), seed=1)
    rel = torch.from_numpy((clips.joints_3d - clips.joints_3d[:, :1]) / 1000.0)
    index = np.arange(8).reshape(2, 4)
    poses = rel[torch.from_numpy(index)][:, None].repeat(1, 3, 1, 1, 1)
    poses[:, 0] += 0.2  # hypotheses 0 and 2 are off, hypothesis 1 is exact
    poses[:, 2] -= 0.1
    poses[..., 0, :] = 0
    pixels = torch.from_numpy(clips.keypoints_2d)
    return poses, pixels, torch.from_numpy(frame_intrinsics(clips)), torch.ones(8, 17), index


@pytest.mark.parametrize("mode", ["joint", "frame"])
def test_reprojection_picks_the_exact_hypothesis(scene, mode):
    poses, pixels, intrinsics, weights, index = scene
    out = aggregate_hypotheses(poses, mode, pixels, intrinsics, weights, index)
    torch.testing.assert_close(out, poses[:, 1])


def test_mean_aggregation_and_a_single_hypothesis(scene):
    poses, pixels, intrinsics, weights, index = scene
    torch.testing.assert_close(aggregate_hypotheses(poses, "mean", pixels, intrinsics, weights, index), poses.mean(1))
    one = poses[:, 1:2]
    torch.testing.assert_close(aggregate_hypotheses(one, "joint", pixels, intrinsics, weights, index), one[:, 0])


@pytest.mark.gpu
def test_aggregation_stays_on_the_gpu(scene, monkeypatch):
    """On CUDA every tensor reaches reproject_select on the GPU, where "auto" dispatches to Triton."""
    poses, pixels, intrinsics, weights, index = scene
    seen = []
    select = hypotheses.reproject_select

    def spy(flat, keypoints, cams, mode, mask):
        seen.append({t.device.type for t in (flat, keypoints, cams, mask)})
        return select(flat, keypoints, cams, mode=mode, mask=mask)

    monkeypatch.setattr("posynda.runtime.windowed_lift.reproject_select", spy)
    out = aggregate_hypotheses(poses.cuda(), "joint", pixels, intrinsics, weights, index)
    assert out.is_cuda and seen == [{"cuda"}]
    torch.testing.assert_close(out.cpu(), poses[:, 1], atol=1e-5, rtol=0)


def test_lift_windows_covers_every_frame_and_reports_progress():
    clips = make_clips((20, 5), seed=2).without_3d()
    model = micro_checkpoint()
    calls = []
    settings = SamplingSettings(hypotheses=2, batch_size=2, stride=4)
    poses = lift_windows(
        model.model, model.diffusion, MICRO.frames, clips, settings, progress=lambda d, t: calls.append((d, t))
    )
    assert poses.shape == (25, 17, 3) and np.isfinite(poses).all() and (poses[:, 0] == 0).all()
    total = calls[-1][1]
    assert [d for d, _ in calls] == list(range(2, total, 2)) + [total] and all(t == total for _, t in calls)


def test_a_sequence_draws_the_noise_its_set_names_for_it_whichever_others_are_lifted_with_it():
    """ClipSet.noise_sequence: a chosen sequence of a named set is lifted as in the whole set (`lift --person`);
    unnamed, a lone sequence draws sequence 0's noise, and other noise gives other poses."""
    clips = make_clips((9, 12), seed=3).without_3d()
    model = micro_checkpoint()

    def lift(c):
        return lift_windows(model.model, model.diffusion, MICRO.frames, c, SamplingSettings(hypotheses=2, steps=2))

    whole = lift(clips)[clips.seq_index == 1]
    np.testing.assert_array_equal(lift(clips.with_noise_sequences().select_sequences([1])), whole)
    assert not np.array_equal(lift(clips.select_sequences([1])), whole)
