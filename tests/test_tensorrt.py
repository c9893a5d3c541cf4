"""TensorRT: batch profiles, the no-TensorRT/no-GPU exit, and the sidecar check (CPU-testable), plus a
GPU round trip (skipped without TensorRT and CUDA)."""

import json
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from posynda.cli import main
from posynda.defaults import shipped_checkpoint
from posynda.errors import InputError
from posynda.export import tensorrt as trt_mod
from posynda.export.tensorrt import REBUILD_HINT, check_sidecar, parse_batch, sidecar_path, write_sidecar

ENV = {"tensorrt_version": "10.13.0.35", "gpu_name": "NVIDIA A10", "gpu_sm": "8.6", "cuda_version": "12.9"}
META = {"window_frames": "27", "denoiser": json.dumps({"joints": 17}), "scheduler": json.dumps({"eta": 1.0})}
HAVE_TRT = trt_mod.unavailable_reason() is None


def run(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.mark.parametrize(
    "text, expected",
    [("1:8:32", (1, 8, 32)), ("4", (4, 4, 4)), ("2:2:2", (2, 2, 2))],
)
def test_parse_batch(text, expected):
    assert parse_batch(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("8:4:1", "min 8 > max 1"),
        ("2:1:4", "opt 1"),
        ("0:1:2", "min must be >= 1"),
        ("a:b:c", "integers"),
        ("1:2", "MIN:OPT:MAX"),
    ],
)
def test_bad_batch_profiles(text, message):
    with pytest.raises(InputError, match=message):
        parse_batch(text)


@pytest.mark.skipif(HAVE_TRT, reason="this machine can build engines")
def test_trt_export_without_tensorrt_or_gpu_exits_2(tmp_path):
    out = tmp_path / "out"
    result = run(["export", "--onnx", "--trt", "--out", str(out)])
    assert result.exit_code == 2
    reason = result.stderr.strip()
    assert len(reason.splitlines()) == 1 and "--trt: cannot build a TensorRT engine here" in reason
    assert "TensorRT is not installed" in reason or "no NVIDIA GPU" in reason
    assert not out.exists()


def test_min_above_max_exits_2_before_anything_else(tmp_path):
    result = run(["export", "--trt", "--batch", "16:8:4", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "min 16 > max 4" in result.stderr


@pytest.fixture
def fake_engine(tmp_path):
    """A plan-shaped file + sidecar as `posynda export --trt` writes them (no TensorRT needed)."""
    (tmp_path / "denoiser.onnx").write_bytes(b"onnx bytes")
    engine = tmp_path / "denoiser.engine"
    engine.write_bytes(b"not a real plan")
    write_sidecar(
        engine, tmp_path / "denoiser.onnx", ENV, precision="fp32", batch=(1, 4, 8), frames=27, joints=17, metadata=META
    )
    return engine


def test_matching_sidecar_is_accepted(fake_engine):
    sidecar = check_sidecar(fake_engine, ENV)
    assert sidecar["profile"]["batch"] == {"min": 1, "opt": 4, "max": 8}
    assert sidecar["profile"]["shapes"]["noisy_3d"]["max"] == [8, 27, 17, 3]
    assert sidecar["onnx_sha256"] and sidecar["tensorrt_version"] == ENV["tensorrt_version"]


def _edit_sidecar(**changes):
    def apply(engine):
        data = json.loads(sidecar_path(engine).read_text())
        data.update(changes)
        sidecar_path(engine).write_text(json.dumps(data))

    return apply


MISMATCHES = [
    ("tensorrt-version", {"tensorrt_version": "11.4.0.106"}, None, "TensorRT 11.4.0.106"),
    ("gpu-architecture", {"gpu_sm": "9.0", "gpu_name": "NVIDIA H100"}, None, "SM 9.0"),
    ("cuda-major", {"cuda_version": "13.0"}, None, "CUDA 13.0"),
    ("engine-changed", None, lambda e: e.write_bytes(b"another plan"), "engine file changed"),
    ("onnx-re-exported", None, lambda e: (e.parent / "denoiser.onnx").write_bytes(b"new"), "stale engine"),
    ("no-sidecar", None, lambda e: sidecar_path(e).unlink(), "no sidecar"),
    ("not-a-sidecar", None, lambda e: sidecar_path(e).write_text("{}"), "not a posynda engine sidecar"),
    ("corrupt-sidecar", None, lambda e: sidecar_path(e).write_text("{"), "unreadable sidecar"),
]


@pytest.mark.parametrize("name, env_change, file_change, message", MISMATCHES, ids=[m[0] for m in MISMATCHES])
def test_mismatches_are_refused_with_a_rebuild_hint(fake_engine, name, env_change, file_change, message):
    env = {**ENV, **(env_change or {})}
    if file_change:
        file_change(fake_engine)
    with pytest.raises(InputError, match=message) as info:
        check_sidecar(fake_engine, env)
    assert str(info.value).endswith(REBUILD_HINT) and len(str(info.value).splitlines()) == 1


class _Poison:
    """Stands in for the tensorrt module: any use means the plan was about to be deserialised."""

    def __getattr__(self, name):
        raise AssertionError(f"tensorrt.{name} used before the sidecar check refused the engine")


def test_loader_refuses_before_deserialising(fake_engine, monkeypatch):
    from posynda.runtime.backends import load_backend

    monkeypatch.setitem(sys.modules, "tensorrt", _Poison())
    monkeypatch.setattr(trt_mod, "current_environment", lambda: {**ENV, "gpu_sm": "7.5"})
    with pytest.raises(InputError, match=REBUILD_HINT):
        load_backend(fake_engine)


def test_cli_lift_with_an_engine_for_another_machine_exits_2(fake_engine, tmp_path, monkeypatch):
    from posynda.data import save_clips
    from tests.conftest import make_clips

    monkeypatch.setattr(trt_mod, "current_environment", lambda: {**ENV, "tensorrt_version": "10.0.1"})
    save_clips(tmp_path / "kp.npz", make_clips((20,)).without_3d())
    result = run(
        ["lift", "--model", str(fake_engine), "--input", str(tmp_path / "kp.npz"), "--out", str(tmp_path / "p.npz")]
    )
    assert result.exit_code == 2 and REBUILD_HINT in result.stderr


def test_cli_lift_with_an_engine_here_names_what_is_missing(fake_engine, tmp_path):
    if HAVE_TRT:
        pytest.skip("this machine has TensorRT and a GPU")
    from posynda.data import save_clips
    from tests.conftest import make_clips

    save_clips(tmp_path / "kp.npz", make_clips((20,)).without_3d())
    result = run(
        ["lift", "--model", str(fake_engine), "--input", str(tmp_path / "kp.npz"), "--out", str(tmp_path / "p.npz")]
    )
    assert result.exit_code == 2
    assert "cannot run a TensorRT engine here" in result.stderr


@pytest.mark.gpu
@pytest.mark.skipif(not HAVE_TRT, reason=f"needs TensorRT and an NVIDIA GPU: {trt_mod.unavailable_reason()}")
@pytest.mark.parametrize("fp16, tolerance_mm", [(False, 0.1), (True, 5.0)], ids=["fp32", "fp16"])
def test_engine_round_trip_on_gpu(tmp_path, fp16, tolerance_mm):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("the TensorRT backend needs a CUDA build of PyTorch")
    from posynda.evaluate import SamplingSettings
    from posynda.runtime import Lifter
    from tests.conftest import make_clips

    args = ["export", "--trt", "--batch", "1:8:32", "--out", str(tmp_path)] + (["--fp16"] if fp16 else [])
    result = run(args)
    assert result.exit_code == 0, result.output
    sidecar = json.loads((tmp_path / "denoiser.engine.json").read_text())
    assert sidecar["precision"] == ("fp16" if fp16 else "fp32") and (tmp_path / "timing.cache").is_file()
    clips = make_clips((40, 12), seed=5).without_3d()
    settings = SamplingSettings(hypotheses=2, steps=2)
    engine = Lifter(tmp_path / "denoiser.engine").lift(clips, settings)
    reference = Lifter(shipped_checkpoint(), device="cpu").lift(clips, settings)
    assert engine.backend.startswith("tensorrt")
    assert np.abs(engine.root_relative_mm - reference.root_relative_mm).max() <= tolerance_mm
