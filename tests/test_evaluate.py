"""Lifting clip files and scoring: windowing, hypotheses, aggregation, determinism."""

import numpy as np
import pytest
import torch

from posynda.checkpoint import Checkpoint
from posynda.diffusion import SchedulerConfig
from posynda.errors import InputError
from posynda.evaluate import SamplingSettings, evaluate, lift_clips, score
from posynda.models import DenoiserConfig, build_denoiser
from tests.conftest import make_clips

MICRO = DenoiserConfig(arch="mixste", frames=9, dim=32, depth=1, heads=2, drop_path=0.0)


@pytest.fixture
def checkpoint():
    torch.manual_seed(0)
    return Checkpoint(model=build_denoiser(MICRO).eval(), config=MICRO, diffusion=SchedulerConfig())


@pytest.mark.parametrize(
    "h,k,aggregate,flip", [(1, 1, "joint", True), (3, 2, "joint", False), (3, 1, "frame", True), (2, 2, "mean", False)]
)
def test_lift_shapes_and_seed_determinism(checkpoint, h, k, aggregate, flip):
    clips = make_clips((20, 5))  # the 5-frame sequence is shorter than the 9-frame window
    settings = SamplingSettings(hypotheses=h, steps=k, aggregate=aggregate, flip=flip, batch_size=2, seed=1)
    a = lift_clips(checkpoint, clips, settings)
    b = lift_clips(checkpoint, clips, settings)
    assert a.shape == (25, 17, 3) and np.isfinite(a).all() and (a[:, 0] == 0).all()
    np.testing.assert_array_equal(a, b)
    if k > 1 or h > 1:
        c = lift_clips(
            checkpoint, clips, SamplingSettings(hypotheses=h, steps=k, aggregate=aggregate, flip=flip, seed=2)
        )
        assert not np.allclose(a, c)


def test_score_of_ground_truth_is_perfect_and_per_sequence():
    clips = make_clips((12, 8))
    result = score(clips.joints_3d.copy(), clips)
    assert result["mpjpe"] == pytest.approx(0, abs=1e-9) and result["pck"] == 100 and result["auc"] == 100
    assert set(result["per_sequence"]) == {"seq0", "seq1"} and result["per_sequence"]["seq1"]["frames"] == 8


def test_evaluate_records_settings_and_needs_ground_truth(checkpoint):
    clips = make_clips((15,))
    result = evaluate(checkpoint, clips, SamplingSettings(hypotheses=2, steps=1))
    assert {"mpjpe", "p_mpjpe", "pck", "auc", "per_sequence", "settings"} <= set(result)
    assert result["settings"]["hypotheses"] == 2
    with pytest.raises(InputError, match="joints_3d"):
        evaluate(checkpoint, clips.without_3d())


@pytest.mark.parametrize("kwargs", [{"hypotheses": 0}, {"steps": 0}, {"aggregate": "median"}])
def test_bad_settings_are_input_errors(kwargs):
    with pytest.raises(InputError):
        SamplingSettings(**kwargs)
