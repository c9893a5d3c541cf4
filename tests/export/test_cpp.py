"""The C++ example (export/cpp): same input and noise -> the same poses as the Python runtime."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("onnxruntime")

from posynda.diffusion import DDIMScheduler, draw_noise, sample_poses  # noqa: E402
from posynda.models import example_inputs  # noqa: E402
from posynda.runtime.backends import load_backend  # noqa: E402
from tests.conftest import SAMPLER_HYPOTHESES, SAMPLER_STEPS  # noqa: E402

CPP = Path(__file__).resolve().parents[2] / "export" / "cpp"
BUILD = Path(os.environ.get("POSYNDA_CPP_BUILD", CPP / "build"))
HEADERS = Path(os.environ.get("ONNXRUNTIME_DEV", BUILD / "onnxruntime-dev")) / "usr/include/onnxruntime"


def _binary() -> Path:
    """The built posynda_lift; built here when the headers were fetched already (no network in tests)."""
    binary = Path(os.environ.get("POSYNDA_CPP_BIN", BUILD / "cmake" / "posynda_lift"))
    if binary.is_file():
        return binary
    missing = [tool for tool in ("cmake", "c++") if shutil.which(tool) is None]
    if not (HEADERS / "onnxruntime_cxx_api.h").is_file():
        missing.append(f"ONNX Runtime headers in {HEADERS} (run export/cpp/fetch_onnxruntime_headers.sh)")
    if missing:
        if os.environ.get("POSYNDA_REQUIRE_CPP"):  # CI builds it first: a missing binary there is a failure
            pytest.fail(f"POSYNDA_REQUIRE_CPP is set but the C++ example is not built: missing {', '.join(missing)}")
        pytest.skip(f"C++ example not built ({binary}) and cannot build it here: missing {', '.join(missing)}")
    env = {**os.environ, "PYTHON": sys.executable, "POSYNDA_CPP_BUILD": str(BUILD)}
    result = subprocess.run([str(CPP / "build.sh")], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return binary


@pytest.fixture(scope="module")
def binary():
    return _binary()


@pytest.fixture
def models(shipped_export):
    return shipped_export


def _lift(binary, model, kp, noise, tmp, *extra):
    np.save(tmp / "kp.npy", kp)
    np.save(tmp / "noise.npy", noise)
    args = [str(binary), "--model", str(model), "--keypoints", str(tmp / "kp.npy"), "--noise", str(tmp / "noise.npy")]
    result = subprocess.run([*args, "--out", str(tmp / "out.npy"), *extra], capture_output=True, text=True)
    return result, (np.load(tmp / "out.npy") if result.returncode == 0 else None)


@pytest.mark.parametrize("steps, hypotheses, flip", [(1, 1, True), (3, 2, True), (4, 3, False)])
def test_cpp_ddim_loop_matches_the_python_runtime(binary, models, tmp_path, steps, hypotheses, flip):
    backend = load_backend(models / "denoiser.onnx", device="cpu")
    kp = example_inputs(3, 27, 17, seed=steps)[0]
    noise = draw_noise(3, hypotheses, 27, 17, steps, torch.Generator().manual_seed(hypotheses))
    expected = sample_poses(backend, kp, DDIMScheduler(backend.diffusion), hypotheses, steps, flip, noise).mean(1)
    result, got = _lift(
        binary, models / "denoiser.onnx", kp.numpy(), noise.numpy(), tmp_path, *([] if flip else ["--no-flip"])
    )
    assert result.returncode == 0, result.stderr
    assert got.shape == (3, 27, 17, 3)
    assert np.abs(got - expected.numpy()).max() <= 1e-4


def test_cpp_runs_the_sampler_graph_in_one_call(binary, models, tmp_path):
    backend = load_backend(models / "sampler.onnx", device="cpu")
    kp = example_inputs(2, 27, 17, seed=7)[0]
    noise = draw_noise(2, SAMPLER_HYPOTHESES, 27, 17, SAMPLER_STEPS, torch.Generator().manual_seed(7))
    result, got = _lift(binary, models / "sampler.onnx", kp.numpy(), noise.numpy(), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "one Run" in result.stderr
    assert np.abs(got - backend.sample(kp, noise).numpy()).max() <= 1e-4


def test_cpp_rejects_mismatched_noise(binary, models, tmp_path):
    kp = example_inputs(2, 27, 17)[0].numpy()
    result, _ = _lift(binary, models / "denoiser.onnx", kp, np.zeros((2, 3, 1, 27, 17, 3), np.float32), tmp_path)
    assert result.returncode == 2 and "expected [K+1, B, H, T, J, 3]" in result.stderr
    assert not (tmp_path / "out.npy").exists()


def test_cpp_runs_the_int8_graph_as_the_python_runtime_does(binary, models, tmp_path):
    """The QDQ graph of `posynda export --int8` through the C++ example: the same poses as Python's ONNX Runtime
    session of that graph (both run ONNX Runtime's int8 kernels)."""
    pytest.importorskip("onnxruntime.quantization")
    from posynda.checkpoint import load_checkpoint
    from posynda.data import load_clips
    from posynda.defaults import default_clips_path, shipped_checkpoint
    from posynda.export.quantize import calibration_feeds, quantize_denoiser

    train = load_clips(default_clips_path("wild", "train")).without_3d()
    feeds = calibration_feeds(load_checkpoint(shipped_checkpoint()), train.select_sequences(list(range(0, 40, 8))))
    int8 = tmp_path / "denoiser_int8.onnx"
    quantize_denoiser(models / "denoiser.onnx", int8, feeds, tmp_path)
    backend = load_backend(int8, device="cpu")
    kp = example_inputs(2, 27, 17, seed=11)[0]
    noise = draw_noise(2, 2, 27, 17, 2, torch.Generator().manual_seed(11))
    expected = sample_poses(backend, kp, DDIMScheduler(backend.diffusion), 2, 2, True, noise).mean(1)
    result, got = _lift(binary, int8, kp.numpy(), noise.numpy(), tmp_path)
    assert result.returncode == 0, result.stderr
    assert np.abs(got - expected.numpy()).max() <= 1e-4
