"""The accuracy bench: the ablation with its chart, and the names its results are saved under."""

import json

import pytest

from posynda.adapt import ABLATION_ROWS, AdaptSettings
from posynda.baselines import BASELINES
from posynda.bench.accuracy import ABLATION_SAVE_NAMES, run_accuracy, save_names
from posynda.data import save_clips
from tests.helpers.cli import PNG
from tests.helpers.clips import make_clips


def test_embedded_pair_results_get_their_committed_names():
    assert save_names({"checkpoint": None, "source": None, "target": None, "test": None}) == ABLATION_SAVE_NAMES
    assert save_names({"checkpoint": "m.safetensors", "source": None, "target": None, "test": None}) is None


def test_ablation_with_its_chart(tmp_path, micro_file):
    pytest.importorskip("matplotlib")
    files = dict(
        checkpoint=micro_file,
        source=save_clips(tmp_path / "s.npz", make_clips((30,))),
        target=save_clips(tmp_path / "t.npz", make_clips((20,), seed=3, with_3d=False)),
        test=save_clips(tmp_path / "e.npz", make_clips((15,), seed=4)),
    )
    settings = AdaptSettings(steps=1, source_batch=2, target_batch=2, hypotheses=2)
    written = run_accuracy(tmp_path / "acc", settings, rows=ABLATION_ROWS[:2], mlp_steps=5, **files)
    assert [p.name for p in written] == ["ablation.json", "ablation.md", "ablation.png"]
    references = [f"reference: {name}" for name in BASELINES]  # no oracle: the target file has no 3D
    assert list(json.loads(written[0].read_text())["rows"]) == references + [name for name, _ in ABLATION_ROWS[:2]]
    assert written[2].read_bytes().startswith(PNG)
