"""posynda.runtime: backends, the shared windowing/sampling path, same seed -> same poses, absolute mm."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from posynda.checkpoint import load_checkpoint
from posynda.defaults import shipped_checkpoint
from posynda.errors import InputError
from posynda.evaluate import SamplingSettings, lift_clips
from posynda.runtime import Lifter, detect_model_type, load_backend
from posynda.runtime.backends import physical_cores
from posynda.runtime.lifter import absolute_positions
from tests.conftest import make_clips

pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def onnx_models(tmp_path_factory):
    """denoiser.onnx and sampler.onnx (K=2, H=3, no flip) of the shipped model."""
    from posynda.export.exporter import ExportOptions, run_export

    out = tmp_path_factory.mktemp("onnx")
    options = ExportOptions(sampler=True, steps=2, hypotheses=3, flip=False)
    run_export(shipped_checkpoint(), out, options=options, log=lambda _msg: None)
    return out


@pytest.fixture(scope="module")
def clips():
    return make_clips((40, 12), seed=5).without_3d()


@pytest.mark.parametrize(
    "name, expected",
    [("m.safetensors", "torch"), ("m.onnx", "onnxruntime"), ("m.engine", "tensorrt"), ("M.ONNX", "onnxruntime")],
)
def test_model_type_from_the_file(tmp_path, name, expected):
    (tmp_path / name).write_bytes(b"")
    assert detect_model_type(tmp_path / name) == expected


@pytest.mark.parametrize("name", ["m.pt", "m.txt", "model"])
def test_unknown_model_types_are_input_errors(tmp_path, name):
    (tmp_path / name).write_bytes(b"x")
    with pytest.raises(InputError, match="unknown model file type"):
        detect_model_type(tmp_path / name)


@pytest.mark.parametrize(
    "model, backend, message",
    [
        ("denoiser.onnx", "torch", "needs a .safetensors"),
        ("garbage.onnx", None, "not a loadable ONNX model"),
        ("missing.onnx", None, "no such model file"),
    ],
)
def test_backend_errors(onnx_models, tmp_path, model, backend, message):
    (tmp_path / "garbage.onnx").write_bytes(b"not a protobuf")
    path = onnx_models / model if model == "denoiser.onnx" else tmp_path / model
    with pytest.raises(InputError, match=message):
        load_backend(path, backend)


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
def test_onnxruntime_and_torch_give_the_same_poses_for_a_seed(onnx_models, clips, settings):
    ort_lifter = Lifter(onnx_models / "denoiser.onnx", device="cpu")
    assert ort_lifter.describe() == "onnxruntime (CPUExecutionProvider)"
    a = ort_lifter.lift(clips, settings)
    b = Lifter(shipped_checkpoint()).lift(clips, settings)
    assert np.abs(a.root_relative_mm - b.root_relative_mm).max() <= 0.1  # mm, i.e. 1e-4 m
    assert np.abs(a.absolute_mm - b.absolute_mm).max() <= 0.5


def test_other_seed_other_poses(onnx_models, clips):
    lifter = Lifter(onnx_models / "denoiser.onnx")
    a = lifter.lift(clips, SamplingSettings(seed=0)).root_relative_mm
    b = lifter.lift(clips, SamplingSettings(seed=1)).root_relative_mm
    assert np.abs(a - b).max() > 1.0


def test_sampler_graph_lifts_like_the_denoiser_with_its_settings(onnx_models, clips):
    sampler = Lifter(onnx_models / "sampler.onnx")
    assert sampler.backend.graph == "sampler"
    result = sampler.lift(clips, SamplingSettings(hypotheses=7, steps=9, seed=3))  # K, H, flip fixed by the graph
    assert (result.settings.steps, result.settings.hypotheses, result.settings.flip) == (2, 3, False)
    assert result.settings.aggregate == "mean"
    expected = Lifter(onnx_models / "denoiser.onnx").lift(clips, result.settings)
    assert np.abs(result.root_relative_mm - expected.root_relative_mm).max() <= 0.1


def test_cuda_request_reports_the_provider_really_used(onnx_models):
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this machine has the CUDA EP")
    with pytest.warns(RuntimeWarning, match="could not use CUDAExecutionProvider"):
        backend = load_backend(onnx_models / "denoiser.onnx", device="cuda")
    assert backend.describe() == "onnxruntime (CPUExecutionProvider)"


def test_backends_split_batches_above_their_limit(clips):
    settings = SamplingSettings(hypotheses=2, batch_size=3)
    full = Lifter(shipped_checkpoint()).lift(clips, settings).root_relative_mm
    lifter = Lifter(shipped_checkpoint())
    lifter.backend.max_batch = 5
    calls = []
    run = lifter.backend._run
    lifter.backend._run = lambda *a: calls.append(a[0].shape[0]) or run(*a)
    chunked = lifter.lift(clips, settings).root_relative_mm
    assert max(calls) <= 5
    np.testing.assert_allclose(chunked, full, atol=1e-2)  # mm: batch size changes the float summation order


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


def test_runtime_imports_stay_light():
    code = (
        "import sys; import posynda.runtime, posynda.export, posynda.runtime.backends, posynda.runtime.lifter\n"
        "print([m for m in ('onnx','onnxruntime','tensorrt','peft','matplotlib') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_physical_cores_is_sane():
    assert 1 <= physical_cores() <= (torch.get_num_threads() * 4 + 64)
