"""ONNX Runtime backend: the provider really used is reported, sessions use the physical cores, sampler graphs."""

import pytest

from posynda.runtime.backends import load_backend, ort_session
from posynda.threads import chosen_threads
from tests.helpers.export import SAMPLER_FLIP, SAMPLER_HYPOTHESES, SAMPLER_STEPS

ort = pytest.importorskip("onnxruntime")


def test_cuda_request_reports_the_provider_really_used(shipped_export):
    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this machine has the CUDA EP")
    with pytest.warns(RuntimeWarning, match="could not use CUDAExecutionProvider"):
        backend = load_backend(shipped_export / "denoiser.onnx", device="cuda")
    assert backend.describe() == "onnxruntime (CPUExecutionProvider)"


def test_sessions_use_posyndas_threads_and_full_optimisation(shipped_export):
    session = ort_session(str(shipped_export / "denoiser.onnx"))
    assert session.get_providers() == ["CPUExecutionProvider"]
    options = session.get_session_options()
    assert options.intra_op_num_threads == chosen_threads() and options.inter_op_num_threads == 1
    assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL


def test_a_sampler_graph_reads_its_settings_and_has_no_denoiser_entry(shipped_export):
    from posynda.errors import InputError

    sampler = load_backend(shipped_export / "sampler.onnx", device="cpu")
    assert sampler.graph == "sampler" and (sampler.steps, sampler.hypotheses, sampler.flip) == (
        SAMPLER_STEPS,
        SAMPLER_HYPOTHESES,
        SAMPLER_FLIP,
    )
    with pytest.raises(InputError, match="no denoiser entry point"):
        sampler(None, None, None)
    denoiser = load_backend(shipped_export / "denoiser.onnx", device="cpu")
    with pytest.raises(InputError, match="not a whole-sampler graph"):
        denoiser.sample(None, None)
