import json

import pytest

from posynda.adapt import AdaptSettings
from posynda.baselines import BASELINES
from posynda.bench import realmotion_run
from posynda.bench.realmotion import action_of, split_of, suite_files
from posynda.bench.realmotion_run import realmotion_markdown, run_realmotion
from posynda.bench.results import RowWriter
from posynda.checkpoint import load_checkpoint
from posynda.errors import InputError
from tests.helpers.bvh import write_bvh
from tests.helpers.cli import markdown_rows
from tests.helpers.interrupts import Stopped, stop_at_call


@pytest.mark.parametrize(
    "stem, split",
    [
        ("dataset-1_walk_happy_001", "source-train"),
        ("dataset-1_run_tired_001", "source-test"),
        ("dataset-1_bow_happy_001", "target-train"),
        ("dataset-1_bye_old_001", "target-val"),
        ("dataset-1_call_normal_002", "target-val"),
        ("dataset-1_guide_sad_001", "target-test"),
        ("dataset-1_punch_normal_002", "target-test"),
        ("dataset-1_dance-long_normal_001", None),
        ("my_take", None),
    ],
)
def test_every_take_has_one_split(stem, split):
    assert split_of(stem) == split


@pytest.mark.parametrize(
    "name, action",
    [
        ("dataset-1_walk-back_happy_001.seg2.cam3", "walk-back"),
        ("studio/train/S1/walk_1.cam0", "walk"),
        ("S9/Walking 1.54138969", "Walking"),
        ("TS3", "TS3"),
    ],
)
def test_actions_from_sequence_names(name, action):
    assert action_of(name) == action


@pytest.fixture
def takes(tmp_path):
    """A folder of small BVH takes named as the dataset's, one per split."""
    data = tmp_path / "data"
    data.mkdir()
    for i, stem in enumerate(["walk_happy_001", "walk_tired_001", "bow_happy_001", "bye_old_001", "guide_sad_001"]):
        write_bvh(data / f"dataset-1_{stem}.bvh", frames=40, seed=i)
    return tmp_path


def test_the_suite_renders_each_split_from_a_folder_of_takes(takes, tmp_path):
    files = suite_files(takes, out=tmp_path / "clips", log=lambda *_: None)
    assert sorted(files) == sorted(["source-train", "source-test", "target-train", "target-val", "target-test"])
    assert all(p.is_file() and p.parent == tmp_path / "clips" for p in files.values())


def test_a_folder_without_takes_is_refused(tmp_path):
    with pytest.raises(InputError, match="no Bandai-Namco"):
        suite_files(tmp_path, out=tmp_path / "clips")


@pytest.mark.parametrize("causal", [False, True])
def test_the_benchmark_runs_end_to_end_with_every_row(takes, tmp_path, causal):
    settings = AdaptSettings(steps=1, source_batch=2, target_batch=2, hypotheses=2)
    payload = run_realmotion(takes, tmp_path / "run", settings, log=lambda *_: None, pretrain_steps=2, mlp_steps=5,
                             clips_dir=tmp_path / "c", causal=causal)  # fmt: skip
    names = list(payload["rows"])
    lifters = ["posynda source-only", "posynda adapted (defaults)", "oracle (trained on target 3D)"]
    assert names == [*BASELINES, *lifters, *([f"{n} (causal)" for n in lifters] if causal else [])]
    if causal:  # the causal rows are causal models all through: pretrained, adapted, the oracle
        for folder in ("causal-source-only", "causal-adapt0", "causal-oracle"):
            assert load_checkpoint(tmp_path / "run" / folder / "model.safetensors").config.causal
        overall = {}
        for row in markdown_rows((tmp_path / "run" / "realmotion.md").read_text()):
            overall.setdefault(row[0], row)  # the first table's row (the per-action table repeats the names)
        assert overall["posynda source-only (causal)"][5] == "1.000"  # read against the causal source-only
    assert all({"in-domain", "cross-domain"} <= set(payload["rows"][n]) for n in names)
    table = markdown_rows((tmp_path / "run" / "realmotion.md").read_text())
    assert table[0][:2] == ["model", "in-domain MPJPE"] and [r[0] for r in table[1 : 1 + len(names)]] == names
    assert json.loads((tmp_path / "run" / "realmotion.json").read_text())["complete"] is True


def test_a_run_stopped_in_its_first_adaptation_keeps_the_rows_before(takes, tmp_path, monkeypatch):
    stop_at_call(monkeypatch, realmotion_run, "adapt", 1)
    settings = AdaptSettings(steps=1, source_batch=2, target_batch=2, hypotheses=2)
    with pytest.raises(Stopped):
        run_realmotion(
            takes,
            tmp_path / "run",
            settings,
            log=lambda *_: None,
            pretrain_steps=2,
            mlp_steps=5,
            clips_dir=tmp_path / "c",
            on_row=RowWriter(tmp_path / "run", "realmotion", realmotion_markdown),
        )
    payload = json.loads((tmp_path / "run" / "realmotion.json").read_text())
    assert payload["complete"] is False and list(payload["rows"]) == [*BASELINES, "posynda source-only"]
    table = markdown_rows((tmp_path / "run" / "realmotion.md").read_text())
    assert [r[0] for r in table[1:3]] == list(BASELINES)[:2] and table[1][5] != "-"  # ratios to source-only
