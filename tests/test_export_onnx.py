"""`posynda export`: ONNX graphs, metadata, parity, adapter merge, atomic outputs, bad input."""

import json
import shutil

import numpy as np
import pytest
import torch
from click.testing import CliRunner

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from posynda.adapt.trainer import AdaptSettings, adapt, load_adapted  # noqa: E402
from posynda.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from posynda.cli import main  # noqa: E402
from posynda.defaults import shipped_checkpoint  # noqa: E402
from posynda.diffusion import DDIMScheduler, SchedulerConfig, draw_noise, sample_poses  # noqa: E402
from posynda.export import onnx_export as ox  # noqa: E402
from posynda.fileio import sha256_file  # noqa: E402
from posynda.models import DenoiserConfig, build_denoiser  # noqa: E402
from tests.conftest import make_clips  # noqa: E402

MICRO = DenoiserConfig(arch="mixste", frames=9, dim=32, depth=1, heads=2, drop_path=0.0)


def run(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The shipped model exported once: denoiser.onnx + sampler.onnx (K=2, H=2, flip)."""
    out = tmp_path_factory.mktemp("export")
    result = run(["export", "--onnx", "--sampler", "-K", "2", "-H", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


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


def test_export_writes_a_checked_denoiser_with_metadata(exported):
    out, output = exported
    proto = onnx.load(str(out / "denoiser.onnx"))
    onnx.checker.check_model(proto, full_check=True)
    summary = ox.graph_summary(proto)
    assert summary["inputs"] == {
        "keypoints_2d": ["batch", 27, 17, 2],
        "noisy_3d": ["batch", 27, 17, 3],
        "t": ["batch"],
    }
    assert summary["outputs"] == {"x0": ["batch", 27, 17, 3]}
    assert summary["opset"] == ox.DEFAULT_OPSET
    assert proto.graph.input[2].type.tensor_type.elem_type == onnx.TensorProto.INT64
    meta = ox.read_metadata(proto)
    assert meta["skeleton"] == "h36m-17" and meta["window_frames"] == "27" and meta["graph"] == "denoiser"
    assert json.loads(meta["scheduler"]) == SchedulerConfig().to_dict()
    assert meta["source_checkpoint_sha256"] == sha256_file(shipped_checkpoint())
    assert meta["posynda_version"] and "u' = 2u/w - 1" in meta["input_normalization"]
    report = json.loads((out / "export.json").read_text())
    parity = report["files"]["denoiser.onnx"]["parity"]
    assert parity["passed"] and parity["max_abs_m"] <= 1e-4 and parity["provider"] == "CPUExecutionProvider"
    assert "Export complete" in output and "denoiser.onnx" in output and "MPJPE delta" in output
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging leftovers


@pytest.mark.parametrize("batch", [1, 2, 7])
def test_onnx_denoiser_matches_torch(exported, batch):
    out, _ = exported
    model = load_checkpoint(shipped_checkpoint()).model
    kp, noisy, t = ox.example_inputs(batch, 27, 17, seed=batch)
    with torch.no_grad():
        expected = model(kp, noisy, t).numpy()
    got = session(out / "denoiser.onnx").run(
        ["x0"], {"keypoints_2d": kp.numpy(), "noisy_3d": noisy.numpy(), "t": t.numpy()}
    )
    assert np.abs(got[0] - expected).max() <= 1e-4


def test_sampler_graph_is_the_python_sampler(exported):
    out, _ = exported
    ckpt = load_checkpoint(shipped_checkpoint())
    meta = ox.read_metadata(out / "sampler.onnx")
    assert (meta["graph"], meta["sampler_steps"], meta["sampler_hypotheses"], meta["sampler_flip"]) == (
        "sampler",
        "2",
        "2",
        "true",
    )
    kp = ox.example_inputs(3, 27, 17, seed=5)[0]
    noise = draw_noise(3, 2, 27, 17, 2, torch.Generator().manual_seed(9))
    expected = sample_poses(ckpt.model, kp, DDIMScheduler(ckpt.diffusion), 2, 2, True, noise).mean(dim=1)
    got = session(out / "sampler.onnx").run(["poses"], {"keypoints_2d": kp.numpy(), "noise": noise.numpy()})[0]
    assert got.shape == (3, 27, 17, 3)
    assert np.abs(got - expected.numpy()).max() <= 1e-4
    assert np.all(got[:, :, 0] == 0)  # root zeroed inside the graph


def test_fp16_export_keeps_fp32_io(tmp_path):
    result = run(["export", "--fp16", "--opset", "18", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    proto = onnx.load(str(tmp_path / "denoiser_fp16.onnx"))
    types = [v.type.tensor_type.elem_type for v in (*proto.graph.input, *proto.graph.output)]
    assert types == [onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT, onnx.TensorProto.INT64, onnx.TensorProto.FLOAT]
    assert any(init.data_type == onnx.TensorProto.FLOAT16 for init in proto.graph.initializer)
    assert ox.graph_summary(proto)["opset"] == 18
    parity = json.loads((tmp_path / "export.json").read_text())["files"]["denoiser_fp16.onnx"]["parity"]
    assert (
        parity["precision"] == "fp16" and parity["passed"] and parity["mpjpe_delta_relative"] <= ox.FP16_RELATIVE_MPJPE
    )


def test_export_merges_an_adapter(tmp_path, adapter_run):
    result = run(
        ["export", "--checkpoint", str(shipped_checkpoint()), "--adapter", str(adapter_run), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    adapted = load_adapted(shipped_checkpoint(), adapter_run)
    base = load_checkpoint(shipped_checkpoint()).model
    kp, noisy, t = ox.example_inputs(2, 27, 17, seed=11)
    with torch.no_grad():
        expected, unadapted = adapted(kp, noisy, t).numpy(), base(kp, noisy, t).numpy()
    got = session(tmp_path / "denoiser.onnx").run(
        ["x0"], {"keypoints_2d": kp.numpy(), "noisy_3d": noisy.numpy(), "t": t.numpy()}
    )[0]
    assert np.abs(got - expected).max() <= 1e-4
    assert np.abs(got - unadapted).max() > 1e-4  # the adaptation really is in the weights
    meta = ox.read_metadata(tmp_path / "denoiser.onnx")
    assert meta["source_checkpoint_sha256"] == sha256_file(shipped_checkpoint()) and "adapter_sha256" in meta
    names = {init.name for init in onnx.load(str(tmp_path / "denoiser.onnx")).graph.initializer}
    assert not any("lora" in n for n in names)


def _other_base(tmp_path, adapter):
    torch.manual_seed(1)
    return save_checkpoint(tmp_path / "other.safetensors", build_denoiser(MICRO), MICRO, SchedulerConfig()), adapter


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
        (["--sampler", "-K", "0"], "--steps"),
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

    monkeypatch.setattr(ox, "denoiser_parity", broken)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["export", "--out", str(out)])
    assert result.exit_code == 1 and "parity check failed" in result.output
    assert out.is_dir() and list(out.iterdir()) == []
