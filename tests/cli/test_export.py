"""`posynda export`: the artefacts and their report, adapter merging, bad options exit 2 with nothing
written, failed parity writes nothing, --trt says why it cannot build here."""

import json
import shutil

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from posynda.adapt import AdaptSettings, adapt, load_adapted
from posynda.checkpoint import load_checkpoint, save_checkpoint
from posynda.cli import main
from posynda.defaults import shipped_checkpoint
from posynda.export import onnx_graphs, parity
from posynda.fileio import sha256_file
from posynda.models import build_denoiser, example_inputs
from posynda.runtime.backends.tensorrt_sidecar import unavailable_reason
from posynda.runtime.metadata import DENOISER_INPUTS, DENOISER_OUTPUT
from tests.helpers.cli import run
from tests.helpers.clips import make_clips
from tests.helpers.models import MICRO

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
HAVE_TRT = unavailable_reason() is None


def session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def onnx_metadata(path):
    return {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}


def test_export_prints_a_report_and_leaves_no_staging(tmp_path):
    result = run(["export", "--out", tmp_path])
    assert result.exit_code == 0, result.output
    assert "Export complete" in result.output and "denoiser.onnx" in result.output and "MPJPE delta" in result.output
    assert "posynda lift --model" in result.output
    report = json.loads((tmp_path / "export.json").read_text())
    assert report["files"]["denoiser.onnx"]["parity"]["passed"] and report["adapter"] is None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging leftovers


@pytest.fixture(scope="module")
def adapter_run(tmp_path_factory):
    """A 2-step adaptation of the shipped model (LoRA + cross-dataset embedding)."""
    out = tmp_path_factory.mktemp("adapt") / "run"
    settings = AdaptSettings(steps=2, source_batch=2, target_batch=1, hypotheses=2, log_every=1)
    adapt(
        shipped_checkpoint(),
        make_clips((30, 20)),
        make_clips((28,), seed=3, with_3d=False),
        out,
        settings,
        progress=False,
    )
    return out / "adapter"


def test_fp16_export_keeps_fp32_io(tmp_path):
    result = run(["export", "--fp16", "--opset", "18", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    proto = onnx.load(str(tmp_path / "denoiser_fp16.onnx"))
    types = [v.type.tensor_type.elem_type for v in (*proto.graph.input, *proto.graph.output)]
    assert types == [onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT, onnx.TensorProto.INT64, onnx.TensorProto.FLOAT]
    assert any(init.data_type == onnx.TensorProto.FLOAT16 for init in proto.graph.initializer)
    assert onnx_graphs.graph_summary(proto)["opset"] == 18
    check = json.loads((tmp_path / "export.json").read_text())["files"]["denoiser_fp16.onnx"]["parity"]
    assert check["precision"] == "fp16" and check["passed"]
    assert check["mpjpe_delta_relative"] <= parity.FP16_RELATIVE_MPJPE


def test_export_merges_an_adapter(tmp_path, adapter_run):
    result = run(
        ["export", "--checkpoint", str(shipped_checkpoint()), "--adapter", str(adapter_run), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    adapted = load_adapted(shipped_checkpoint(), adapter_run)
    base = load_checkpoint(shipped_checkpoint()).model
    kp, noisy, t = example_inputs(2, 27, 17, seed=11)
    with torch.no_grad():
        expected, unadapted = adapted(kp, noisy, t).numpy(), base(kp, noisy, t).numpy()
    got = session(tmp_path / "denoiser.onnx").run(
        [DENOISER_OUTPUT], dict(zip(DENOISER_INPUTS, (kp.numpy(), noisy.numpy(), t.numpy())))
    )[0]
    assert np.abs(got - expected).max() <= 1e-4
    assert np.abs(got - unadapted).max() > 1e-4  # the adaptation really is in the weights
    meta = onnx_metadata(tmp_path / "denoiser.onnx")
    assert meta["source_checkpoint_sha256"] == sha256_file(shipped_checkpoint()) and "adapter_sha256" in meta
    names = {init.name for init in onnx.load(str(tmp_path / "denoiser.onnx")).graph.initializer}
    assert not any("lora" in n for n in names)


def _other_base(tmp_path, adapter):
    torch.manual_seed(1)
    return save_checkpoint(
        tmp_path / "other.safetensors", build_denoiser(MICRO), MICRO, load_checkpoint(shipped_checkpoint()).diffusion
    ), adapter


def _claims_other_base(tmp_path, adapter):
    """An adapter whose adaptation.json names the MICRO checkpoint: the LoRA weights do not fit it."""
    other, _ = _other_base(tmp_path, adapter)
    copy = tmp_path / "adapter"
    shutil.copytree(adapter, copy)
    info = json.loads((copy / "adaptation.json").read_text())
    info["base_sha256"] = sha256_file(other)
    (copy / "adaptation.json").write_text(json.dumps(info))
    return other, copy


@pytest.mark.parametrize(
    "case, message",
    [(_other_base, "another base checkpoint"), (_claims_other_base, "does not fit")],
    ids=["other-base-checkpoint", "other-architecture"],
)
def test_mismatched_adapter_exits_2(tmp_path, adapter_run, case, message):
    checkpoint, adapter = case(tmp_path, adapter_run)
    out = tmp_path / "out"
    result = run(["export", "--checkpoint", str(checkpoint), "--adapter", str(adapter), "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.output and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    "args, message",
    [
        (["--opset", "9"], "opset"),
        (["--trt", "--batch", "8:4:1"], "min 8 > max 1"),
        (["--sampler", "-K", "0"], "sampler steps must be in [1, 1000]"),
        (["--checkpoint", "missing.safetensors"], "no such checkpoint"),
    ],
)
def test_bad_export_options_exit_2(tmp_path, args, message):
    result = run(["export", *args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "out").exists()


def test_failed_parity_leaves_nothing_written(tmp_path, monkeypatch):
    def broken(session, model, frames, joints, batches=(1, 3), fp16=False):
        return {
            "max_abs_m": 1.0,
            "mpjpe_delta_mm": 1000.0,
            "provider": "CPUExecutionProvider",
            "precision": "fp32",
            "gate": "max abs <= 0.0001 m",
            "passed": False,
        }

    monkeypatch.setattr(parity, "denoiser_parity", broken)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["export", "--out", str(out)])
    assert result.exit_code == 1 and "parity check failed" in result.output
    assert not out.exists()  # nothing written, and no empty folder left behind


@pytest.mark.skipif(HAVE_TRT, reason="this machine can build engines")
def test_trt_export_without_tensorrt_or_gpu_exits_2(tmp_path):
    out = tmp_path / "out"
    result = run(["export", "--trt", "--out", str(out)])
    assert result.exit_code == 2
    reason = result.stderr.strip()
    assert len(reason.splitlines()) == 1 and "--trt: cannot build a TensorRT engine here" in reason
    assert "TensorRT is not installed" in reason or "no NVIDIA GPU" in reason
    assert not out.exists()


def test_min_above_max_exits_2_before_anything_else(tmp_path):
    result = run(["export", "--trt", "--batch", "16:8:4", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "min 16 > max 4" in result.stderr
