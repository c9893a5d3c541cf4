"""`posynda pretrain`: the run directory, bad clip files and options exit 2 with nothing written."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from click.testing import CliRunner

from posynda.checkpoint import load_checkpoint
from posynda.cli import main
from posynda.data import save_clips
from tests.helpers.cli import error_lines, run
from tests.helpers.clips import BAD_CLIP_FILES, bad_clip_file, make_clips
from tests.helpers.interrupts import ctrl_c_on_call


def test_pretrain_writes_the_run_directory(files):
    tmp, data, _, _ = files
    result = run(
        [
            "pretrain",
            "--data",
            data,
            "--preset",
            "videopose-tiny",
            "--steps",
            3,
            "--out",
            "run",
            "--batch-size",
            2,
            "--view-prob",
            0.5,
            "--view-roll",
            10,
            "--keypoint-noise",
            0.02,
            "--quiet",
        ]
    )
    assert result.exit_code == 0, result.output
    assert (tmp / "run/model.safetensors").is_file() and (tmp / "run/metrics.jsonl").is_file()
    recipe = load_checkpoint(tmp / "run/model.safetensors").provenance["recipe"]
    assert (recipe["view_prob"], recipe["view_pitch_degrees"], recipe["view_roll_degrees"]) == (0.5, 30.0, 10.0)
    assert recipe["keypoint_noise"] == 0.02


def test_pretrain_causal_trains_a_causal_model_of_the_preset(files):
    tmp, data, _, _ = files
    result = run(["pretrain", "--data", data, "--preset", "cpu", "--causal", "--steps", 2, "--batch-size", 2,
                  "--out", "causal", "--quiet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    ckpt = load_checkpoint(tmp / "causal" / "model.safetensors")
    assert ckpt.config.causal and ckpt.config.arch == "videopose" and ckpt.provenance["preset"] == "cpu"


def test_pretrain_with_eval_writes_the_training_curve_and_refuses_unlabelled_eval_data(files):
    tmp, data, _, clips = files
    common = ["pretrain", "--data", data, "--preset", "videopose-tiny", "--steps", 3, "--batch-size", 2, "--quiet"]
    result = run([*common, "--eval", data, "--eval-every", 2, "--out", "curve"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in (tmp / "curve/metrics.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines if "val_mpjpe" in x] == [2, 3]
    save_clips(tmp / "unlabelled.npz", clips.without_3d())
    result = CliRunner().invoke(main, [*map(str, common), "--eval", str(tmp / "unlabelled.npz"), "--out", "no"])
    assert result.exit_code == 2 and "validation needs ground truth" in result.output
    assert not (tmp / "no").exists()


def test_ctrl_c_exits_130_saying_how_to_resume_and_resume_finishes_the_run(files):
    import posynda.pretrain as pretraining

    tmp, data, _, _ = files
    args = ["pretrain", "--data", str(data), "--preset", "videopose-tiny", "--steps", "6", "--batch-size", "2"]
    args += ["--checkpoint-every", "100", "--out", "run", "--quiet"]
    with pytest.MonkeyPatch.context() as pressing:
        pressing.setattr(pretraining, "step_batch", ctrl_c_on_call(pretraining.step_batch, 2))
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 130, result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("posynda:")]
    assert (
        line
        == "posynda: interrupted: interrupted at step 2 of 6; run holds its state: continue with --resume --out run"
    )
    result = run([*args, "--resume"])
    assert result.exit_code == 0, result.output
    assert load_checkpoint(tmp / "run/model.safetensors").provenance["steps"] == 6


def test_library_refusals_name_the_flags_of_the_command(files):
    """The library speaks of its parameters (resume, eval_data); the command line shows them as --resume, --eval."""
    tmp, data, _, clips = files
    common = ["pretrain", "--data", str(data), "--steps", "2", "--batch-size", "2", "--out", "run", "--quiet"]
    assert run([*common, "--preset", "videopose-tiny"]).exit_code == 0
    result = CliRunner().invoke(main, [*common, "--preset", "tiny", "--resume"])
    (line,) = error_lines(result)
    assert result.exit_code == 2 and line.startswith("posynda: error: --resume: run/train_state.pt was trained with")
    save_clips(tmp / "unlabelled.npz", clips.without_3d())
    result = CliRunner().invoke(main, [*common[:-3], "--eval", str(tmp / "unlabelled.npz"), "--out", "x", "--quiet"])
    (line,) = error_lines(result)
    assert result.exit_code == 2 and line.startswith(f"posynda: error: --eval {tmp / 'unlabelled.npz'} has no")


@pytest.mark.parametrize("kind,needle", BAD_CLIP_FILES)
def test_bad_clip_files_exit_2_with_one_line(files, kind, needle):
    tmp, _, _, clips = files
    path = bad_clip_file(tmp, clips, kind)
    result = CliRunner().invoke(main, ["pretrain", "--data", str(path), "--steps", "2", "--out", "out", "--quiet"])
    assert result.exit_code == 2
    lines = error_lines(result)
    assert len(lines) == 1 and needle in lines[0]
    assert not (tmp / "out").exists()


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--preset", "enormous"], "unknown preset 'enormous'"),
        (["--batch-size", "0"], "--batch-size"),
        (["--lr", "0"], "--lr"),
        (["--view-prob", "1.5"], "--view-prob"),
        (["--keypoint-noise", "0.5"], "--keypoint-noise"),
        (["--resume"], "--resume needs --out"),
        (["--precision", "fp64"], "'fp64' is not one of 'fp32', 'bf16', 'fp16'"),
        (["--device", "tpu"], "'tpu' is not one of 'auto', 'cpu', 'cuda'"),
        (["--precision", "fp16", "--device", "cpu"], "--precision fp16 needs a CUDA device"),
        pytest.param(
            ["--device", "cuda"],
            "--device cuda: PyTorch sees no CUDA device here",
            marks=pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU"),
        ),  # fmt: skip
    ],
)
def test_usage_errors_exit_2(files, args, needle):
    result = CliRunner().invoke(main, ["pretrain", "--steps", "1", *args])
    assert result.exit_code == 2 and needle in result.output
    assert len(error_lines(result)) <= 1 and not (files[0] / "runs").exists()


@pytest.mark.parametrize("command", ["adapt", "eval"])
def test_device_and_precision_refusals_of_the_other_commands_exit_2_with_one_line(files, command):
    args = ["--precision", "fp16", "--device", "cpu"] if command == "adapt" else ["--device", "tpu"]
    result = CliRunner().invoke(main, [command, *args])
    assert result.exit_code == 2, result.output
    needle = "--precision fp16 needs a CUDA device" if command == "adapt" else "'tpu' is not one of"
    assert needle in result.output and not (files[0] / "runs").exists()


@pytest.mark.slow
def test_cli_pretrain_killed_with_sigkill_resumes_from_its_checkpoint(tmp_path):
    data = save_clips(tmp_path / "src.npz", make_clips((80, 60)))
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "posynda.cli", "pretrain", "--data", str(data), "--preset", "videopose-tiny"]
    cmd += ["--steps", "400", "--out", str(out), "--checkpoint-every", "10", "--batch-size", "4", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while not (out / "train_state.pt").exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = torch.load(out / "train_state.pt", weights_only=True)["step"]
    assert 0 < killed_at < 400
    resumed = subprocess.run(cmd[:-1] + ["--resume", "--quiet"], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    steps = [json.loads(x)["step"] for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(10, 401, 10))
    assert load_checkpoint(out / "model.safetensors").provenance["steps"] == 400
