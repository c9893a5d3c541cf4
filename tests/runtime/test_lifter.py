"""The Lifter: the same poses as evaluation and on every backend for a seed, absolute millimetres."""

import numpy as np
import pytest

from posynda.checkpoint import load_checkpoint
from posynda.defaults import shipped_checkpoint
from posynda.evaluate import lift_clips
from posynda.runtime import Lifter, SamplingSettings
from posynda.runtime.lifter import absolute_positions
from tests.conftest import SAMPLER_FLIP, SAMPLER_HYPOTHESES, SAMPLER_STEPS, make_clips


@pytest.fixture(scope="module")
def clips():
    return make_clips((40, 12), seed=5).without_3d()


def test_torch_lifter_is_exactly_eval_lift_clips(clips):
    settings = SamplingSettings(hypotheses=3, steps=2, aggregate="joint", seed=4, batch_size=2)
    result = Lifter(shipped_checkpoint()).lift(clips, settings)
    expected = lift_clips(load_checkpoint(shipped_checkpoint()), clips, settings)
    np.testing.assert_array_equal(result.root_relative_mm, expected)
    assert result.backend == "torch (cpu)"
    assert np.all(result.root_relative_mm[:, 0] == 0)


@pytest.mark.parametrize(
    "settings",
    [
        SamplingSettings(),
        SamplingSettings(hypotheses=3, steps=2, flip=False, aggregate="mean", seed=1),
        SamplingSettings(hypotheses=2, steps=3, aggregate="frame", seed=2, stride=9),
    ],
    ids=["default", "H3K2-mean", "H2K3-frame-overlap"],
)
def test_onnxruntime_and_torch_give_the_same_poses_for_a_seed(shipped_export, clips, settings):
    ort_lifter = Lifter(shipped_export / "denoiser.onnx", device="cpu")
    assert ort_lifter.describe() == "onnxruntime (CPUExecutionProvider)"
    a = ort_lifter.lift(clips, settings)
    b = Lifter(shipped_checkpoint()).lift(clips, settings)
    assert np.abs(a.root_relative_mm - b.root_relative_mm).max() <= 0.1  # mm, i.e. 1e-4 m
    assert np.abs(a.absolute_mm - b.absolute_mm).max() <= 0.5


def test_other_seed_other_poses(shipped_export, clips):
    lifter = Lifter(shipped_export / "denoiser.onnx")
    a = lifter.lift(clips, SamplingSettings(seed=0)).root_relative_mm
    b = lifter.lift(clips, SamplingSettings(seed=1)).root_relative_mm
    assert np.abs(a - b).max() > 1.0


def test_sampler_graph_lifts_like_the_denoiser_with_its_settings(shipped_export, clips):
    sampler = Lifter(shipped_export / "sampler.onnx")
    assert sampler.backend.graph == "sampler"
    result = sampler.lift(clips, SamplingSettings(hypotheses=7, steps=9, seed=3))  # K, H, flip fixed by the graph
    assert (result.settings.steps, result.settings.hypotheses, result.settings.flip) == (
        SAMPLER_STEPS,
        SAMPLER_HYPOTHESES,
        SAMPLER_FLIP,
    )
    assert result.settings.aggregate == "mean"
    expected = Lifter(shipped_export / "denoiser.onnx").lift(clips, result.settings)
    assert np.abs(result.root_relative_mm - expected.root_relative_mm).max() <= 0.1


def test_absolute_positions_recover_the_camera_frame():
    clips = make_clips((30,), seed=2)  # exact projections of known 3D
    rel = clips.joints_3d - clips.joints_3d[:, :1]
    absolute = absolute_positions(rel, clips)
    assert np.abs(absolute - clips.joints_3d).max() < 1.0  # mm


def test_lift_keypoints_with_the_default_camera():
    clips = make_clips((20,), seed=1)
    result = Lifter(shipped_checkpoint()).lift_keypoints(clips.keypoints_2d, (1000, 1000))
    assert result.root_relative_mm.shape == (20, 17, 3) and np.isfinite(result.absolute_mm).all()
    assert (result.absolute_mm[:, 0, 2] > 0).all()  # in front of the camera


def test_result_becomes_a_clip_file_with_absolute_3d(clips):
    result = Lifter(shipped_checkpoint()).lift(clips)
    lifted = result.to_clips(clips)
    np.testing.assert_array_equal(lifted.joints_3d, result.absolute_mm)
    np.testing.assert_array_equal(lifted.keypoints_2d, clips.keypoints_2d)
    assert result.seconds > 0 and result.settings == SamplingSettings()
