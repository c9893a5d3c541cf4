"""``posynda export``: merge an adaptation, export ONNX graphs (and a TensorRT engine), check parity."""

from __future__ import annotations

import click

from posynda.cli.options import FILE, FILE_OR_FOLDER, FOLDER, OUT_FOLDER, BatchProfile, run_dir, threads_option
from posynda.defaults import shipped_checkpoint
from posynda.export.exporter import ExportOptions, run_export
from posynda.export.tensorrt_build import DEFAULT_BATCH
from posynda.runtime.backends.tensorrt_sidecar import require_tensorrt


@click.command("export")
@click.option(
    "--model", "--checkpoint", "checkpoint", type=FILE, default=None,
    help="checkpoint to export (default: shipped studio model; --checkpoint is the same option)",
)  # fmt: skip
@click.option(
    "--adapter",
    type=FOLDER,
    default=None,
    help="adapter/ directory of `posynda adapt` to merge into --checkpoint (its base model)",
)
@click.option("--onnx", "onnx_flag", is_flag=True, hidden=True, help="accepted for old command lines; does nothing")
@click.option(
    "--trt", is_flag=True, help="also build DIR/denoiser.engine + .engine.json sidecar (TensorRT, NVIDIA GPU)"
)
@click.option("--fp16", is_flag=True, help="also write DIR/denoiser_fp16.onnx (fp32 I/O); with --trt: an fp16 engine")
@click.option(
    "--int8", is_flag=True,
    help="also write DIR/denoiser_int8.onnx: static int8 (QDQ), calibrated on target 2D, scored against fp32",
)  # fmt: skip
@click.option(
    "--calibrate", type=FILE_OR_FOLDER, default=None,
    help="--int8: keypoints to calibrate on, any `lift --input` file (default: the embedded wild/train 2D)",
)  # fmt: skip
@click.option(
    "--eval", "eval", type=FILE, default=None,
    help="--int8: labelled clip file to score fp32 vs int8 on (default: the embedded wild/test)",
)  # fmt: skip
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
@click.option(
    "--detector", is_flag=True,
    help="also write DIR/person_detector.onnx and DIR/landmarks.onnx: BlazePose's models for libposynda's pixels-to-3D "
    "pipeline (pip install 'posynda[video]')",
)  # fmt: skip
@click.option(
    "--out", type=OUT_FOLDER, default=None,
    help="output directory (default: runs/export-<time>); another export's artefacts in it are replaced",
)  # fmt: skip
@threads_option
def export_cmd(
    checkpoint, adapter, onnx_flag, trt, fp16, int8, calibrate, eval, opset, batch, workspace, sampler, steps,
    hypotheses, flip, detector, out,
):  # fmt: skip
    """Merge adapters, export the denoiser to ONNX (+ sampler graph, TensorRT engine), check parity.

    DIR/denoiser.onnx is always written (the other artefacts are made from it)."""
    if onnx_flag:
        click.echo("note: --onnx is not needed (denoiser.onnx is always written); it will be removed", err=True)
    options = ExportOptions(
        opset=opset,
        fp16=fp16,
        int8=int8,
        calibrate=calibrate,
        eval=eval,
        sampler=sampler,
        steps=steps,
        hypotheses=hypotheses,
        flip=flip,
        trt=trt,
        batch=batch,
        workspace_gib=workspace,
        detector=detector,
    )
    if (calibrate or eval) and not int8:
        raise click.UsageError("--calibrate and --eval belong to --int8")
    if trt:
        require_tensorrt()  # exit 2 with the reason before anything is created
    model = checkpoint or shipped_checkpoint()
    run_export(model, run_dir(out, "export"), adapter=adapter, options=options, log=click.echo)
