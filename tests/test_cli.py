"""The command line: exit codes, one-line errors, outputs in run directories, fast start-up."""

import dataclasses
import json
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from posynda.checkpoint import save_checkpoint
from posynda.cli import main
from posynda.data import save_clips
from posynda.diffusion import SchedulerConfig
from posynda.models import DenoiserConfig, build_denoiser
from tests.conftest import make_clips
from tests.test_clips import write_raw

MICRO = DenoiserConfig(arch="mixste", frames=9, dim=32, depth=1, heads=2, drop_path=0.0)


def run(args, cwd=None):
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    clips = make_clips((30, 12))
    data = save_clips(tmp_path / "data.npz", clips)
    ckpt = save_checkpoint(tmp_path / "m.safetensors", build_denoiser(MICRO), MICRO, SchedulerConfig())
    return tmp_path, data, ckpt, clips


def test_help_is_fast_and_imports_nothing_heavy():
    code = (
        "import sys, time; t=time.perf_counter(); from posynda.cli import main\n"
        "heavy=[m for m in ('torch','peft','onnx','onnxruntime','tensorrt','triton') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "posynda.cli", "--help"], check=True, capture_output=True)
    assert time.perf_counter() - t0 < 2.0


def test_eval_prints_a_table_and_writes_json(files):
    tmp, data, ckpt, _ = files
    result = run(["eval", "--checkpoint", str(ckpt), "--data", str(data), "-H", "2", "--json", "out.json"])
    assert result.exit_code == 0, result.output
    assert "MPJPE" in result.output and "run directory:" in result.output
    payload = json.loads((tmp / "out.json").read_text())
    assert {"mpjpe", "p_mpjpe", "pck", "auc", "per_sequence"} <= set(payload)
    assert set(payload["per_sequence"]) == {"seq0", "seq1"}
    run_dirs = list((tmp / "runs").iterdir())
    assert len(run_dirs) == 1 and (run_dirs[0] / "metrics.json").is_file()


def test_pretrain_writes_the_run_directory(files):
    tmp, data, _, _ = files
    result = run(
        [
            "pretrain",
            "--data",
            str(data),
            "--preset",
            "videopose-tiny",
            "--steps",
            "3",
            "--out",
            "run",
            "--batch-size",
            "2",
            "--quiet",
        ]
    )
    assert result.exit_code == 0, result.output
    assert (tmp / "run/model.safetensors").is_file() and (tmp / "run/metrics.jsonl").is_file()


def bad_clip_file(tmp, clips, kind):
    path = tmp / f"{kind}.npz"
    if kind == "16-joints":
        write_raw(path, clips, keypoints_2d=np.zeros((clips.num_frames, 16, 2), np.float32))
    elif kind == "nan-3d":
        clips.joints_3d[3, 2, 0] = np.nan
        write_raw(path, clips)
    elif kind == "no-camera":
        write_raw(path, clips, camera=None)
    elif kind == "truncated":
        good = save_clips(tmp / "good.npz", clips)
        path.write_bytes(good.read_bytes()[:1000])
    return path


@pytest.mark.parametrize(
    "kind,needle",
    [("16-joints", "keypoints_2d"), ("nan-3d", "joints_3d"), ("no-camera", "camera"), ("truncated", "truncated")],
)
@pytest.mark.parametrize("command", ["eval", "pretrain"])
def test_bad_clip_files_exit_2_with_one_line(files, kind, needle, command):
    tmp, _, ckpt, clips = files
    path = bad_clip_file(tmp, clips, kind)
    args = (
        ["eval", "--checkpoint", str(ckpt), "--data", str(path)]
        if command == "eval"
        else ["pretrain", "--data", str(path), "--steps", "2", "--out", "out", "--quiet"]
    )
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    lines = [x for x in result.output.splitlines() if x.startswith("posynda: error")]
    assert len(lines) == 1 and needle in lines[0]
    assert not (tmp / "out" / "model.safetensors").exists()


@pytest.mark.parametrize("content", [b"garbage", b""])
def test_bad_checkpoint_exits_2(files, content):
    tmp, data, _, _ = files
    bad = tmp / "bad.safetensors"
    bad.write_bytes(content)
    result = CliRunner().invoke(main, ["eval", "--checkpoint", str(bad), "--data", str(data)])
    assert result.exit_code == 2 and "posynda: error:" in result.output


def test_short_sequences_are_padded_not_rejected(files):
    tmp, _, ckpt, _ = files
    short = save_clips(tmp / "short.npz", make_clips((4,)))  # shorter than the 9-frame window
    result = run(["eval", "--checkpoint", str(ckpt), "--data", str(short), "--json", "s.json"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp / "s.json").read_text())["frames"] == 4


def test_usage_errors_exit_2(files):
    result = CliRunner().invoke(main, ["pretrain", "--preset", "enormous", "--steps", "1", "--out", "x"])
    assert result.exit_code == 2 and "unknown preset" in result.output
    result = CliRunner().invoke(
        main, ["eval", "--hypotheses", "0", "--data", str(files[1]), "--checkpoint", str(files[2])]
    )
    assert result.exit_code == 2


def test_data_synth_convert_and_info(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(["data", "synth", "--domain", "wild", "--split", "test", "--scale", "0.2", "--out", "w.npz"])
    assert result.exit_code == 0, result.output
    assert "sequences" in run(["data", "info", "w.npz"]).output
    j3d = np.random.default_rng(0).normal(size=(12, 17, 3)) * 300 + np.array([0, 0, 4000.0])
    kp = np.stack([1500 * j3d[..., 0] / j3d[..., 2] + 1017, 1500 * j3d[..., 1] / j3d[..., 2] + 1043], -1)
    np.savez(tmp_path / "data_test_3dhp.npz", data={"TS1": {"data_2d": kp, "data_3d": j3d, "valid": np.ones(12)}})
    result = run(["data", "convert", "--from", "3dhp", "--input", "data_test_3dhp.npz", "--out", "ts.npz"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["data", "convert", "--from", "3dpw", "--input", "w.npz", "--out", "x.npz"])
    assert result.exit_code == 2 and "imgname" in result.output and not (tmp_path / "x.npz").exists()


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
    assert (tmp / "adapted/adapter/adapter_model.safetensors").is_file()
    result = run(["adapt", *common, "--ablation", "--out", "ablation"])
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp / "ablation/ablation.json").read_text())["rows"]
    assert len(rows) == 5 and "| configuration |" in (tmp / "ablation/ablation.md").read_text()
    bad = bad_clip_file(tmp, make_clips((20,)), "16-joints")
    result = CliRunner().invoke(main, ["adapt", *common[:4], "--target", str(bad), "--out", "x", "--quiet"])
    assert result.exit_code == 2 and "keypoints_2d" in result.output


def _tree_digest(root):
    """{relative path: bytes} of every file under ``root`` (empty when it does not exist)."""
    return (
        {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()} if root.exists() else {}
    )


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
    errors = [x for x in result.output.splitlines() if x.startswith("posynda: error")]
    assert len(errors) == 1 and needle in errors[0], result.output
    assert _tree_digest(tmp / "out") == {}


@pytest.mark.parametrize(
    "change,needle",
    [(["--rank", "2"], "rank"), (["--no-cd"], "cd_embedding"), (["-H", "3"], "hypotheses")],
)
def test_adapt_resume_refuses_other_settings_and_keeps_the_run(files, change, needle):
    tmp, data, ckpt, _ = files
    common = ["adapt", "--checkpoint", str(ckpt), "--source", str(data), "--target", str(data)]
    common += ["--source-batch", "2", "--target-batch", "1", "-H", "2", "--out", "run", "--quiet"]
    assert run([*common, "--steps", "2"]).exit_code == 0
    before = _tree_digest(tmp / "run")
    result = CliRunner().invoke(main, [*common, "--steps", "4", "--resume", *change])
    assert result.exit_code == 2 and needle in result.output, result.output
    assert _tree_digest(tmp / "run") == before
    other = tmp / "other.safetensors"
    save_checkpoint(other, build_denoiser(MICRO), MICRO, SchedulerConfig())
    result = CliRunner().invoke(main, [*common[:2], str(other), *common[3:], "--steps", "4", "--resume"])
    assert result.exit_code == 2 and "another base checkpoint" in result.output, result.output
    assert _tree_digest(tmp / "run") == before
