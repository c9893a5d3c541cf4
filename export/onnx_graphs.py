"""ONNX graphs of a denoiser and of the whole DDIM sampler: tracing, metadata, checker, summary.

| graph        | inputs (float32 unless noted)                                      | output                  |
|--------------|--------------------------------------------------------------------|-------------------------|
| ``denoiser`` | ``keypoints_2d [batch,T,J,2]``, ``noisy_3d [batch,T,J,3]``,         | ``x0 [batch,T,J,3]``    |
|              | ``t [batch]`` int64                                                |                         |
| ``sampler``  | ``keypoints_2d [batch,T,J,2]``, ``noise [K+1,batch,H,T,J,3]``      | ``poses [batch,T,J,3]`` |

Units: normalised screen 2D in, root-relative metres out (docs/CONVENTIONS.md). The
``sampler`` graph unrolls :func:`posynda.diffusion.sample_poses` (K steps, H hypotheses, optional
flip averaging, clamp and root zeroing) followed by the mean over the hypotheses, so an app needs
one ``Run`` per batch of clips; its noise is an input, so a seed gives the same poses everywhere.

The exporter is torch's TorchScript-based one (``dynamo=False``): on torch 2.13 the dynamo exporter
needs ``onnxscript`` (not a posynda dependency) and the legacy graph passes the same parity checks.
An fp16 graph keeps fp32 inputs and outputs (casts at the boundary) and keeps the sinusoidal
timestep embedding in fp32 (fp16 angles of ``t`` up to 999 would lose their phase); this is how
TensorRT >= 11 builds fp16 engines (it has no FP16 builder flag any more).
"""

from __future__ import annotations

import copy
import io
import warnings

import torch
from torch import nn

from posynda.diffusion import DDIMScheduler, SchedulerConfig, sample_poses
from posynda.models import example_inputs
from posynda.models.layers import SinusoidalTimestepEmbedding
from posynda.runtime.metadata import (
    DENOISER_INPUTS,
    DENOISER_OUTPUT,
    SAMPLER_INPUTS,
    SAMPLER_OUTPUT,
    runtime_metadata,
)

DEFAULT_OPSET = 17


class HalfPrecisionDenoiser(nn.Module):
    """fp16 weights and activations behind fp32 inputs/outputs (``t`` stays int64)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = copy.deepcopy(model).half().eval()
        for module in self.model.modules():
            if isinstance(module, SinusoidalTimestepEmbedding):
                module.freqs = module.freqs.float()  # phase of t up to 999 needs fp32

    def forward(self, keypoints_2d: torch.Tensor, noisy_3d: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.model(keypoints_2d.half(), noisy_3d.half(), t).float()


class SamplerGraph(nn.Module):
    """``(keypoints_2d [B,T,J,2], noise [K+1,B,H,T,J,3]) -> poses [B,T,J,3]``: K DDIM steps, H
    hypotheses (optionally flip-averaged) and their mean, exactly :func:`sample_poses`."""

    def __init__(self, model: nn.Module, diffusion: SchedulerConfig, steps: int, hypotheses: int, flip: bool):
        super().__init__()
        self.model = model
        self.scheduler = DDIMScheduler(diffusion)
        self.steps, self.hypotheses, self.flip = steps, hypotheses, flip

    def forward(self, keypoints_2d: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        poses = sample_poses(self.model, keypoints_2d, self.scheduler, self.hypotheses, self.steps, self.flip, noise)
        return poses.mean(dim=1)


def _export(module: nn.Module, args: tuple, input_names, output_name: str, dynamic: dict, opset: int):
    import onnx

    buffer = io.BytesIO()
    module.eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TracerWarnings of the unrolled loop and the legacy-exporter notice
        torch.onnx.export(
            module,
            args,
            buffer,
            dynamo=False,
            opset_version=opset,
            input_names=list(input_names),
            output_names=[output_name],
            dynamic_axes=dynamic,
            do_constant_folding=True,
        )
    return onnx.load_from_string(buffer.getvalue())


def _name_output_dims(proto, name: str, dims: list) -> None:
    """Write the output's shape explicitly (``batch`` symbolic, the rest static)."""
    for output in proto.graph.output:
        if output.name == name:
            shape = output.type.tensor_type.shape
            del shape.dim[:]
            for d in dims:
                dim = shape.dim.add()
                if isinstance(d, str):
                    dim.dim_param = d
                else:
                    dim.dim_value = int(d)


def denoiser_to_onnx(model: nn.Module, frames: int, joints: int, opset: int = DEFAULT_OPSET, fp16: bool = False):
    """The denoiser as an ``onnx.ModelProto`` (dynamic ``batch``; fp16 inside with ``fp16``)."""
    module = HalfPrecisionDenoiser(model) if fp16 else model
    dynamic = {name: {0: "batch"} for name in (*DENOISER_INPUTS, DENOISER_OUTPUT)}
    proto = _export(module, example_inputs(2, frames, joints), DENOISER_INPUTS, DENOISER_OUTPUT, dynamic, opset)
    _name_output_dims(proto, DENOISER_OUTPUT, ["batch", frames, joints, 3])
    return proto


def sampler_to_onnx(
    model: nn.Module,
    diffusion: SchedulerConfig,
    frames: int,
    joints: int,
    steps: int,
    hypotheses: int,
    flip: bool,
    opset: int = DEFAULT_OPSET,
):
    """The K-step, H-hypothesis sampler with mean aggregation as one ``onnx.ModelProto``."""
    graph = SamplerGraph(model, diffusion, steps, hypotheses, flip)
    kp = example_inputs(2, frames, joints)[0]
    noise = torch.randn(steps + 1, 2, hypotheses, frames, joints, 3, generator=torch.Generator().manual_seed(1))
    dynamic = {"keypoints_2d": {0: "batch"}, "noise": {1: "batch"}, SAMPLER_OUTPUT: {0: "batch"}}
    proto = _export(graph, (kp, noise), SAMPLER_INPUTS, SAMPLER_OUTPUT, dynamic, opset)
    _name_output_dims(proto, SAMPLER_OUTPUT, ["batch", frames, joints, 3])
    return proto


def artefact_metadata(
    checkpoint, graph: str, opset: int, precision: str, source: dict | None = None, extra: dict | None = None
) -> dict[str, str]:
    """The ``metadata_props`` of an exported graph: the checkpoint's runtime metadata, where it came
    from (``source``), the graph kind, opset and precision, and ``extra`` (a sampler's settings)."""
    return {
        **runtime_metadata(checkpoint),
        **(source or {}),
        "graph": graph,
        "opset": str(opset),
        "precision": precision,
        **(extra or {}),
    }


def set_metadata(proto, metadata: dict[str, str], doc: str = "") -> None:
    """Replace the model's ``metadata_props`` with ``metadata`` (all values str)."""
    import onnx

    del proto.metadata_props[:]
    onnx.helper.set_model_props(proto, {str(k): str(v) for k, v in metadata.items()})
    proto.producer_name = "posynda"
    if doc:
        proto.doc_string = doc


def check_model(proto) -> None:
    """``onnx.checker`` with the full (shape-inference) check."""
    import onnx

    onnx.checker.check_model(proto, full_check=True)


def graph_summary(proto) -> dict:
    """Inputs/outputs with their dims (``batch`` symbolic), opset and node count."""

    def dims(value):
        return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]

    return {
        "inputs": {v.name: dims(v) for v in proto.graph.input},
        "outputs": {v.name: dims(v) for v in proto.graph.output},
        "opset": max(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")),
        "nodes": len(proto.graph.node),
    }
