"""ONNX graphs of the denoiser and of the whole sampler: shapes, metadata, and the same numbers as PyTorch."""

import json

import numpy as np
import onnx
import pytest
import torch

from posynda.checkpoint import load_checkpoint
from posynda.defaults import shipped_checkpoint
from posynda.diffusion import DDIMScheduler, SchedulerConfig, draw_noise, sample_poses
from posynda.export import onnx_graphs
from posynda.fileio import sha256_file
from posynda.models import example_inputs
from posynda.runtime.metadata import DENOISER_INPUTS, DENOISER_OUTPUT, SAMPLER_INPUTS, SAMPLER_OUTPUT
from tests.helpers.export import SAMPLER_FLIP, SAMPLER_HYPOTHESES, SAMPLER_STEPS

ort = pytest.importorskip("onnxruntime")


def session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def onnx_metadata(model):
    proto = model if hasattr(model, "graph") else onnx.load(str(model), load_external_data=False)
    return {p.key: p.value for p in proto.metadata_props}


def test_export_writes_a_checked_denoiser_with_metadata(shipped_export):
    out = shipped_export
    proto = onnx.load(str(out / "denoiser.onnx"))
    onnx.checker.check_model(proto, full_check=True)
    summary = onnx_graphs.graph_summary(proto)
    assert summary["inputs"] == {
        "keypoints_2d": ["batch", 27, 17, 2],
        "noisy_3d": ["batch", 27, 17, 3],
        "t": ["batch"],
    }
    assert summary["outputs"] == {"x0": ["batch", 27, 17, 3]}
    assert summary["opset"] == onnx_graphs.DEFAULT_OPSET
    assert proto.graph.input[2].type.tensor_type.elem_type == onnx.TensorProto.INT64
    meta = onnx_metadata(proto)
    assert meta["skeleton"] == "h36m-17" and meta["window_frames"] == "27" and meta["graph"] == "denoiser"
    assert json.loads(meta["scheduler"]) == SchedulerConfig().to_dict()
    assert meta["source_checkpoint_sha256"] == sha256_file(shipped_checkpoint())
    assert meta["posynda_version"] and "u' = F (u - cx) / fx" in meta["input_normalization"]
    assert float(meta["canonical_focal"]) == 2.0


@pytest.mark.parametrize("batch", [1, 2, 7])
def test_onnx_denoiser_matches_torch(shipped_export, batch):
    out = shipped_export
    model = load_checkpoint(shipped_checkpoint()).model
    kp, noisy, t = example_inputs(batch, 27, 17, seed=batch)
    with torch.no_grad():
        expected = model(kp, noisy, t).numpy()
    got = session(out / "denoiser.onnx").run(
        [DENOISER_OUTPUT], dict(zip(DENOISER_INPUTS, (kp.numpy(), noisy.numpy(), t.numpy())))
    )
    assert np.abs(got[0] - expected).max() <= 1e-4


def test_sampler_graph_is_the_python_sampler(shipped_export):
    out = shipped_export
    ckpt = load_checkpoint(shipped_checkpoint())
    meta = onnx_metadata(out / "sampler.onnx")
    assert (meta["graph"], meta["sampler_steps"], meta["sampler_hypotheses"], meta["sampler_flip"]) == (
        "sampler",
        str(SAMPLER_STEPS),
        str(SAMPLER_HYPOTHESES),
        str(SAMPLER_FLIP).lower(),
    )
    kp = example_inputs(3, 27, 17, seed=5)[0]
    noise = draw_noise(3, SAMPLER_HYPOTHESES, 27, 17, SAMPLER_STEPS, torch.Generator().manual_seed(9))
    expected = sample_poses(
        ckpt.model, kp, DDIMScheduler(ckpt.diffusion), SAMPLER_HYPOTHESES, SAMPLER_STEPS, SAMPLER_FLIP, noise
    ).mean(dim=1)
    got = session(out / "sampler.onnx").run([SAMPLER_OUTPUT], dict(zip(SAMPLER_INPUTS, (kp.numpy(), noise.numpy()))))[0]
    assert got.shape == (3, 27, 17, 3)
    assert np.abs(got - expected.numpy()).max() <= 1e-4
    assert np.all(got[:, :, 0] == 0)  # root zeroed inside the graph


def test_half_precision_module_keeps_fp32_io_and_the_timestep_phase():
    model = load_checkpoint(shipped_checkpoint()).model
    half = onnx_graphs.HalfPrecisionDenoiser(model)
    kp, noisy, t = example_inputs(2, 27, 17, seed=3)
    with torch.no_grad():
        got, ref = half(kp, noisy, t), model(kp, noisy, t)
    assert got.dtype == torch.float32 and half.model.time_mlp.sinusoidal.freqs.dtype == torch.float32
    scale = ref.norm(dim=-1).mean()
    assert (got - ref).norm(dim=-1).mean() < 0.01 * scale  # fp16 keeps about three significant digits
