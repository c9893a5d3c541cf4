"""`posynda adapt`: a run and its before/after table, the ablation, bad input exits 2 with nothing written,
--resume refusing other settings, and calibrated targets measured across their cameras."""

import dataclasses
import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from posynda.adapt import ABLATION_ROWS
from posynda.camera import project
from posynda.checkpoint import save_checkpoint
from posynda.cli import main
from posynda.data import ClipSet, save_clips
from posynda.diffusion import SchedulerConfig
from posynda.models import build_denoiser
from tests.helpers.cli import error_lines, markdown_rows, run, tree_digest
from tests.helpers.clips import bad_clip_file, make_clips
from tests.helpers.detections import scene, write_coco
from tests.helpers.models import MICRO
from tests.helpers.multiview import pose2sim_toml, ring_cameras, walking_world


def test_adapt_and_ablation_commands(files):
    tmp, data, ckpt, _ = files
    target = save_clips(tmp / "target.npz", make_clips((20, 15), seed=9, with_3d=False))
    common = [
        "--checkpoint",
        str(ckpt),
        "--source",
        str(data),
        "--target",
        str(target),
        "--eval",
        str(data),
        "--steps",
        "2",
        "--source-batch",
        "2",
        "--target-batch",
        "2",
        "-H",
        "2",
        "--quiet",
    ]
    result = run(["adapt", *common, "--out", "adapted"])
    assert result.exit_code == 0, result.output
    assert "before (source only)" in result.output and "after (adapted)" in result.output
    report = json.loads((tmp / "adapted/metrics.json").read_text())
    assert {"mpjpe", "p_mpjpe", "pck", "auc", "per_sequence"} <= set(report["before"]) <= set(report["after"])
    assert (tmp / "adapted/adapter/denoiser.safetensors").is_file()  # full fine-tuning, the default
    result = run(["adapt", *common, "--ablation", "--mlp-steps", "5", "--out", "ablation"])
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp / "ablation/ablation.json").read_text())["rows"]
    metrics, per_action = (tmp / "ablation/ablation.md").read_text().split("per action:")
    for table in markdown_rows(metrics), markdown_rows(per_action):
        assert table[0][0] == "configuration" and [r[0] for r in table[1:]] == list(rows)
    # the baselines first (the micro model is no preset, so there is no oracle), then the 5 Table 3 rows
    references = ["reference: mean pose", "reference: nearest neighbour", "reference: single-frame MLP (Martinez 2017)"]
    assert list(rows)[:3] == references and len(rows) == 3 + len(ABLATION_ROWS)
    bad = bad_clip_file(tmp, make_clips((20,)), "16-joints")
    result = CliRunner().invoke(main, ["adapt", *common[:4], "--target", str(bad), "--out", "x", "--quiet"])
    assert result.exit_code == 2 and "keypoints_2d" in result.output


def _bad_adapt_inputs(tmp, data, ckpt, clips):
    """name -> (adapt arguments replacing the defaults, needle of the one-line error)."""
    unlabelled = save_clips(tmp / "unlabelled.npz", make_clips((20,), seed=3, with_3d=False))
    mismatched = tmp / "mismatched.safetensors"
    wider = dataclasses.replace(MICRO, dim=48)  # weights of another width under MICRO's metadata
    save_checkpoint(mismatched, build_denoiser(wider), wider, SchedulerConfig())
    header_len = int.from_bytes(mismatched.read_bytes()[:8], "little")
    header = json.loads(mismatched.read_bytes()[8 : 8 + header_len])
    header["__metadata__"]["denoiser"] = MICRO.to_json()
    blob = json.dumps(header).encode()
    blob += b" " * (-len(blob) % 8)
    mismatched.write_bytes(len(blob).to_bytes(8, "little") + blob + mismatched.read_bytes()[8 + header_len :])
    return {
        "source-without-3d": ({"--source": unlabelled}, "joints_3d"),
        "target-16-joints": ({"--target": bad_clip_file(tmp, clips, "16-joints")}, "keypoints_2d"),
        "target-without-intrinsics": ({"--target": bad_clip_file(tmp, clips, "no-camera")}, "camera"),
        "checkpoint-other-architecture": ({"--checkpoint": mismatched}, "architecture"),
        "hypotheses-0": ({"--hypotheses": 0}, "hypotheses"),
        "rank-0": ({"--rank": 0}, "rank"),
        "cuda-without-gpu": ({"--device": "cuda"}, "CUDA"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "source-without-3d",
        "target-16-joints",
        "target-without-intrinsics",
        "checkpoint-other-architecture",
        "hypotheses-0",
        "rank-0",
        pytest.param(
            "cuda-without-gpu",
            marks=pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU"),
        ),
    ],
)
def test_adapt_bad_input_exits_2_and_writes_nothing(files, case):
    tmp, data, ckpt, clips = files
    overrides, needle = _bad_adapt_inputs(tmp, data, ckpt, clips)[case]
    options = {"--checkpoint": ckpt, "--source": data, "--target": data, "--eval": data, "--steps": 2}
    options.update(overrides)
    args = ["adapt", *[str(x) for kv in options.items() for x in kv], "--out", "out", "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    errors = error_lines(result)
    assert len(errors) == 1 and needle in errors[0], result.output
    assert tree_digest(tmp / "out") == {}


@pytest.mark.parametrize(
    "change,needle",
    [
        # the refusal names the options as typed, not the settings fields
        (["--rank", "2"], "made with --rank 4, not --rank 2;"),
        (["--no-cd"], "made without --no-cd, not --no-cd;"),
        (["-H", "3"], "made with --hypotheses 2, not --hypotheses 3;"),
        (["--lora"], "made with --no-lora, not --lora;"),
        (["--no-snap-labels"], "made with --snap-labels, not --no-snap-labels;"),
        (["--view-pitch", "5"], "made with --view-pitch 20.0, not --view-pitch 5.0;"),
        (["--lr", "0.001"], "made with --lr default, not --lr 0.001;"),
        (["--lr-schedule", "cosine"], "made with --steps 2, not --steps 4;"),  # cosine fixes the run length too
    ],
)
def test_adapt_resume_refuses_other_settings_and_keeps_the_run(files, change, needle):
    tmp, data, ckpt, _ = files
    common = ["adapt", "--checkpoint", str(ckpt), "--source", str(data), "--target", str(data)]
    common += ["--source-batch", "2", "--target-batch", "1", "-H", "2", "--out", "run", "--quiet"]
    common += ["--lr-schedule", "constant"]  # a constant-rate run may be lengthened on resume
    assert run([*common, "--steps", "2"]).exit_code == 0
    before = tree_digest(tmp / "run")
    result = CliRunner().invoke(main, [*common, "--steps", "4", "--resume", *change])
    assert result.exit_code == 2 and needle in result.output, result.output
    assert tree_digest(tmp / "run") == before
    other = tmp / "other.safetensors"
    save_checkpoint(other, build_denoiser(MICRO), MICRO, SchedulerConfig())
    result = CliRunner().invoke(main, [*common[:2], str(other), *common[3:], "--steps", "4", "--resume"])
    assert result.exit_code == 2 and "another base checkpoint" in result.output, result.output
    assert tree_digest(tmp / "run") == before
    other_target = save_clips(tmp / "other-target.npz", make_clips((20,), seed=5, with_3d=False))
    result = CliRunner().invoke(main, [*common[:6], str(other_target), *common[7:], "--steps", "4", "--resume"])
    assert result.exit_code == 2 and "was adapted with other target data" in result.output, result.output
    assert tree_digest(tmp / "run") == before


def test_adapt_takes_a_coco_results_target_and_prints_its_report(files):
    tmp, data, ckpt, _ = files
    target = write_coco(tmp / "coco.json", scene(frames=12))
    common = ["adapt", "--checkpoint", ckpt, "--source", data, "--eval", data, "--target", target, "--steps", "1"]
    common += ["--source-batch", "2", "--target-batch", "2", "-H", "2", "--quiet"]
    result = run([*common, "--image-size", "1920x1080", "--out", "adapted"])
    assert result.exit_code == 0, result.output
    assert f"input {target}: coco, 2 sequences, 1920x1080" in result.output
    assert "  coco/person1: 12 frames, track 1 (tracker)" in result.output
    assert (tmp / "adapted/model.safetensors").is_file()
    result = CliRunner().invoke(main, [str(a) for a in common] + ["--out", "refused"])
    errors = error_lines(result)
    assert result.exit_code == 2 and len(errors) == 1 and "--image-size WxH" in errors[0], result.output
    assert tree_digest(tmp / "refused") == {}


def test_own_footage_is_checked_without_labels_and_a_worse_adaptation_keeps_the_original(files, monkeypatch):
    tmp, data, ckpt, _ = files
    target = save_clips(tmp / "target.npz", make_clips((20, 15), seed=9, with_3d=False))
    common = ["adapt", "--checkpoint", ckpt, "--source", data, "--target", target, "--steps", "2"]
    common += ["--source-batch", "2", "--target-batch", "2", "-H", "2", "--quiet"]
    result = run([*common, "--out", "kept"])
    assert result.exit_code == 0, result.output
    assert "target footage, no labels: 35 frames lifted before and after" in result.output
    assert "labelled data" not in result.output and "before (source only)" in result.output  # the footage table
    report = json.loads((tmp / "kept/metrics.json").read_text())
    assert "before" not in report and set(report["footage"]) == {"before", "after", "kept", "reasons", "verdict"}
    # the same run with a check nothing passes: the original weights stay in model.safetensors
    monkeypatch.setattr("posynda.adapt.footage_check.TOLERANCES", {"reprojection_px": 0.0})
    result = run([*common, "--out", "rejected"])
    assert result.exit_code == 0, result.output
    assert "kept the ORIGINAL weights" in result.output and "rejected.safetensors" in result.output
    from safetensors.numpy import load_file

    base, kept = load_file(str(ckpt)), load_file(str(tmp / "rejected/model.safetensors"))
    assert all((base[k] == kept[k]).all() for k in base)
    adapted = load_file(str(tmp / "rejected/rejected.safetensors"))
    assert any((base[k] != v).any() for k, v in adapted.items() if k in base)
    result = run([*common, "--no-check", "--out", "unchecked"])
    assert result.exit_code == 0 and "footage" not in json.loads((tmp / "unchecked/metrics.json").read_text())


def test_several_targets_are_joined(files):
    tmp, data, ckpt, _ = files
    first = save_clips(tmp / "cam1.npz", make_clips((20,), seed=3, with_3d=False))
    second = save_clips(tmp / "cam2.npz", make_clips((15,), seed=4, with_3d=False))
    common = ["adapt", "--checkpoint", ckpt, "--source", data, "--target", first, "--target", second]
    result = run([*common, "--steps", "1", "--source-batch", "2", "--target-batch", "2", "-H", "2", "--quiet",
                  "--out", "joined"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"input {first}" in result.output and f"input {second}" in result.output
    assert json.loads((tmp / "joined/metrics.json").read_text())["footage"]["before"]["frames"] == 35


def _calibrated_targets(tmp, frames: int = 20, size=None):
    """``Calib.toml`` of a three-camera ring and one clip file per camera (``cam01.npz`` ...) of one person."""
    cameras = ring_cameras(3)
    (tmp / "Calib.toml").write_text(pose2sim_toml(cameras))
    world, paths = walking_world(frames), []
    for camera in cameras:
        pix = np.asarray(project(camera.to_camera(world), camera.intrinsics)).astype(np.float32)
        clip = ClipSet.single_sequence(pix, camera.intrinsics, size or camera.image_size, name=camera.name)
        clip = dataclasses.replace(clip, source_frame=np.arange(frames, dtype=np.int32))
        paths.append(save_clips(tmp / f"{camera.name}.npz", clip))
    return tmp / "Calib.toml", paths


def test_calibrated_targets_measure_how_far_the_cameras_disagree(files):
    tmp, data, ckpt, _ = files
    calibration, targets = _calibrated_targets(tmp)
    args = ["adapt", "--checkpoint", ckpt, "--source", data, "--calibration", calibration, "--steps", "1"]
    args += [x for t in targets for x in ("--target", t)] + ["--world-up", "y"]  # the ring's world: y up
    result = run([*args, "--source-batch", "2", "--target-batch", "2", "-H", "2", "--quiet", "--out", "views"])
    assert result.exit_code == 0, result.output
    assert "--calibration: 1 people seen by several cameras: cam01, cam02, cam03" in result.output
    assert "f = 300 px (from camera cam01 of Calib.toml)" in result.output
    assert "multi-view disagreement (mm)" in result.output  # a row of the table and a part of the verdict
    assert "adapting to the target as level cameras see it" in result.output  # as `lift --calibration` lifts
    footage = json.loads((tmp / "views/metrics.json").read_text())["footage"]
    assert footage["before"]["multiview_mm"] > 0 and footage["after"]["multiview_mm"] > 0
    # the ring's cameras look down: as filmed (--no-level), the 2D the lifter sees and so the measures differ
    filmed = run([*args, "--source-batch", "2", "--target-batch", "2", "-H", "2", "--quiet", "--out", "filmed",
                  "--no-level"])  # fmt: skip
    assert filmed.exit_code == 0 and "level cameras" not in filmed.output, filmed.output
    as_filmed = json.loads((tmp / "filmed/metrics.json").read_text())["footage"]
    assert as_filmed["before"]["reprojection_px"] != footage["before"]["reprojection_px"]


@pytest.mark.parametrize(
    "case, needle",
    [
        ("unknown-camera", "Calib.toml has cameras cam01, cam02, cam03 (name each --target file after its camera)"),
        ("intrinsics-too", "--calibration gives each camera: drop --intrinsics / --fov"),
        ("no-target", "--calibration names the cameras of --target files"),
        ("other-size", "camera cam01 is calibrated for 320x240 px, --target cam01.npz is 640x480"),
        ("level-no-calibration", "--level / --no-level needs --calibration"),
        ("world-up-no-calibration", "--world-up needs --calibration"),
        ("wrong-up-axis", "with the world's z axis up, camera cam01 looks 70 degrees down; lifting through a level"),
    ],
)
def test_calibrated_targets_bad_input_exits_2_and_writes_nothing(files, case, needle):
    tmp, data, ckpt, _ = files
    calibration, targets = _calibrated_targets(tmp, size=(640, 480) if case == "other-size" else None)
    args = ["adapt", "--checkpoint", ckpt, "--source", data, "--steps", "1"]
    args += [] if case.endswith("no-calibration") else ["--calibration", calibration]
    args += {
        "level-no-calibration": ["--target", targets[0], "--no-level"],
        "world-up-no-calibration": ["--target", targets[0], "--world-up", "y"],
        "unknown-camera": ["--target", data],
        "intrinsics-too": ["--target", targets[0], "--intrinsics", "300,300,160,120"],
        "no-target": [],
        "other-size": ["--target", "cam01.npz", "--world-up", "y"],
        "wrong-up-axis": ["--target", targets[0]],  # the ring's world is y up; --world-up is z by default
    }[case]
    result = CliRunner().invoke(main, [str(a) for a in args] + ["--out", "out", "--quiet"])
    assert result.exit_code == 2, result.output
    errors = error_lines(result)
    assert len(errors) == 1 and needle in errors[0], result.output
    assert tree_digest(tmp / "out") == {}
