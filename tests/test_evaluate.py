"""Lifting clip files and scoring: windowing, hypotheses, aggregation, determinism."""

import numpy as np
import pytest

from posynda.data import save_clips
from posynda.errors import InputError
from posynda.evaluate import (
    evaluate,
    evaluate_all,
    evaluation_payload,
    evaluation_targets,
    lift_clips,
    load_evaluation,
    score,
)
from posynda.runtime import SamplingSettings
from tests.helpers.clips import make_clips
from tests.helpers.models import micro_checkpoint


@pytest.fixture
def checkpoint():
    return micro_checkpoint()


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


def test_files_are_read_first_then_scored_into_the_eval_json(tmp_path, micro_file):
    path = save_clips(tmp_path / "test.npz", make_clips((15,)))
    targets = evaluation_targets(path)
    assert targets == {"test": path} and set(evaluation_targets()) == {"studio/test", "wild/test"}
    model, datasets = load_evaluation(micro_file, targets)
    seen = []
    results = evaluate_all(model, datasets, targets, SamplingSettings(), lambda name, d, t: seen.append(name))
    assert set(seen) == {"test"} and results["test"]["data"] == str(path)
    single = evaluation_payload(results, micro_file, single_file=True)
    assert single["checkpoint"] == str(micro_file) and single["mpjpe"] == results["test"]["mpjpe"]
    assert evaluation_payload(results, micro_file, single_file=False) == {
        "checkpoint": str(micro_file),
        "domains": results,
    }
    with pytest.raises(InputError, match="no such clip file"):
        load_evaluation(micro_file, {"x": tmp_path / "missing.npz"})
