"""``posynda export``: merge an adaptation, export ONNX graphs (and a TensorRT engine), check parity."""

from __future__ import annotations

import click

from posynda.cli.options import FILE, FOLDER, BatchProfile, run_dir
from posynda.defaults import shipped_checkpoint
from posynda.export.exporter import ExportOptions, run_export
from posynda.export.tensorrt import DEFAULT_BATCH
from posynda.runtime.tensorrt import require_tensorrt


@click.command("export")
@click.option("--checkpoint", type=FILE, default=None, help="model (default: shipped studio model)")
@click.option(
    "--adapter",
    type=FOLDER,
    default=None,
    help="adapter/ directory of `posynda adapt` to merge into --checkpoint (its base model)",
)
@click.option("--onnx", "onnx_flag", is_flag=True, help="write DIR/denoiser.onnx (always done; --trt builds from it)")
@click.option(
    "--trt", is_flag=True, help="also build DIR/denoiser.engine + .engine.json sidecar (TensorRT, NVIDIA GPU)"
)
@click.option("--fp16", is_flag=True, help="also write DIR/denoiser_fp16.onnx (fp32 I/O); with --trt: an fp16 engine")
@click.option("--opset", type=int, default=17, show_default=True, help="ONNX opset")
@click.option(
    "--batch",
    type=BatchProfile(),
    default=":".join(map(str, DEFAULT_BATCH)),
    show_default=True,
    help="TensorRT optimisation profile batch MIN:OPT:MAX",
)
@click.option("--workspace", type=float, default=4.0, show_default=True, help="TensorRT workspace, GiB")
@click.option(
    "--sampler", is_flag=True, help="also write DIR/sampler.onnx: K DDIM steps x H hypotheses + mean in one graph"
)
@click.option("--steps", "-K", type=int, default=1, show_default=True, help="--sampler: DDIM steps K")
@click.option("--hypotheses", "-H", type=int, default=1, show_default=True, help="--sampler: hypotheses H")
@click.option("--flip/--no-flip", default=True, show_default=True, help="--sampler: flip test-time augmentation")
@click.option("--out", type=FOLDER, default=None, help="output directory (default: runs/export-<time>)")
def export_cmd(
    checkpoint, adapter, onnx_flag, trt, fp16, opset, batch, workspace, sampler, steps, hypotheses, flip, out
):
    """Merge adapters, export the denoiser to ONNX (+ sampler graph, TensorRT engine), check parity."""
    options = ExportOptions(
        opset=opset,
        fp16=fp16,
        sampler=sampler,
        steps=steps,
        hypotheses=hypotheses,
        flip=flip,
        trt=trt,
        batch=batch,
        workspace_gib=workspace,
    )
    if trt:
        require_tensorrt()  # exit 2 with the reason before anything is created
    model = checkpoint or shipped_checkpoint()
    run_export(model, run_dir(out, "export"), adapter=adapter, options=options, log=click.echo)
