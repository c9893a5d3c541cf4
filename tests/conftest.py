"""Shared fixtures and hooks (the helpers they use, and the tests use, are in tests/helpers): the clips, the
micro checkpoint file, a working folder, a results folder for the benches, the shipped models' exports (centred
and causal), a fake TensorRT engine; the ``gpu`` marker skips where PyTorch sees no CUDA device."""

import os

from posynda.threads import prepare_openmp, use_threads

prepare_openmp()  # the tests compute as the command line does: a short OpenMP spin, set before torch loads

import pytest  # noqa: E402
import torch  # noqa: E402

from posynda.bench.results import RESULTS_ENV, machine_slug  # noqa: E402
from posynda.checkpoint import save_checkpoint  # noqa: E402
from posynda.data import ClipSet  # noqa: E402
from tests.helpers.clips import make_clips  # noqa: E402
from tests.helpers.export import SAMPLER_FLIP, SAMPLER_HYPOTHESES, SAMPLER_STEPS  # noqa: E402
from tests.helpers.gpu import skip_without_cuda  # noqa: E402
from tests.helpers.interrupts import ctrl_c_reaches_this_process  # noqa: E402
from tests.helpers.models import MICRO, micro_checkpoint  # noqa: E402
from tests.helpers.tensorrt import TRT_ENV  # noqa: E402

# Library code called with device="auto" stays on the CPU in the tests, so CPU-exact comparisons hold on a
# GPU machine too; CUDA tests ask for "cuda" explicitly and carry the `gpu` marker.
os.environ["POSYNDA_DEVICE"] = "cpu"
use_threads(None)  # and with as many threads as cores are idle now (posynda.threads)
ctrl_c_reaches_this_process()  # the Ctrl-C tests run as a terminal starts them, whatever started them


@pytest.fixture(scope="session")
def shipped_export(tmp_path_factory):
    """The shipped model exported once per session: ``denoiser.onnx`` and ``sampler.onnx`` in a folder."""
    pytest.importorskip("onnxruntime")
    from posynda.defaults import shipped_checkpoint
    from posynda.export.exporter import ExportOptions, run_export

    out = tmp_path_factory.mktemp("shipped-export")
    options = ExportOptions(sampler=True, steps=SAMPLER_STEPS, hypotheses=SAMPLER_HYPOTHESES, flip=SAMPLER_FLIP)
    run_export(shipped_checkpoint(), out, options=options, log=lambda _msg: None)
    return out


@pytest.fixture(scope="session")
def causal_export(tmp_path_factory):
    """The shipped causal model (``pretrain --causal``) exported once per session: ``denoiser.onnx``,
    ``sampler.onnx``."""
    pytest.importorskip("onnxruntime")
    from posynda.defaults import shipped_checkpoint
    from posynda.export.exporter import ExportOptions, run_export

    out = tmp_path_factory.mktemp("causal-export")
    options = ExportOptions(sampler=True, steps=SAMPLER_STEPS, hypotheses=SAMPLER_HYPOTHESES, flip=SAMPLER_FLIP)
    run_export(shipped_checkpoint(causal=True), out, options=options, log=lambda _msg: None)
    return out


@pytest.fixture
def fake_engine(tmp_path):
    """A plan-shaped file + sidecar as `posynda export --trt` writes them (no TensorRT needed), built on TRT_ENV."""
    import json

    from posynda.export.tensorrt_build import write_sidecar

    meta = {"window_frames": "27", "denoiser": json.dumps({"joints": 17}), "scheduler": json.dumps({"eta": 1.0})}
    (tmp_path / "denoiser.onnx").write_bytes(b"onnx bytes")
    engine = tmp_path / "denoiser.engine"
    engine.write_bytes(b"not a real plan")
    write_sidecar(engine, tmp_path / "denoiser.onnx", TRT_ENV, precision="fp32", batch=(1, 4, 8), frames=27, joints=17,
                  metadata=meta)  # fmt: skip
    return engine


@pytest.fixture
def clips() -> ClipSet:
    return make_clips()


@pytest.fixture
def micro_file(tmp_path):
    """The micro denoiser saved as a checkpoint file."""
    model = micro_checkpoint()
    return save_checkpoint(tmp_path / "micro.safetensors", model.model, MICRO, model.diffusion)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run in ``tmp_path`` (run directories land under ``tmp_path/runs``)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def results(in_tmp, monkeypatch):
    """Work in tmp_path; ``--save`` writes under ``tmp_path/results/<machine>/``."""
    monkeypatch.setenv(RESULTS_ENV, str(in_tmp / "results"))
    return in_tmp / "results" / machine_slug()


def pytest_collection_modifyitems(items):
    """``@pytest.mark.gpu`` tests skip, with one reason, where PyTorch sees no CUDA device."""
    skip_without_cuda(items, torch.cuda.is_available())
