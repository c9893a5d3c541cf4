"""Static int8 quantisation of the exported denoiser for CPUs at the edge (ONNX Runtime, QDQ format).

``posynda export --int8 [--calibrate CLIPS] [--eval LABELLED.npz]`` writes ``denoiser_int8.onnx``:
weights int8 per output channel, activations int8 with scales from MinMax calibration, as
QuantizeLinear/DequantizeLinear pairs around every Conv / MatMul / Gemm and nothing else
(:data:`QUANTIZED_OPS`; ONNX Runtime's QDQ format, which its CPU provider runs with int8 kernels and
other runtimes can read). Quantising ONNX Runtime's default op set as well (the Adds, Muls,
activations of the residual paths) cost the shipped model +9.1 mm MPJPE on wild/test at H1 K1 instead
of +1.1 mm.

Calibration data are what the denoiser really sees: the 2D of the calibration clips (by default the
embedded target domain's training 2D, ``wild/train``; give your own footage's keypoints with
``--calibrate``) are windowed, normalised and run through a 5-step DDIM sampler with the fp32
model (:func:`posynda.runtime.sampling.lift_windows`; every timestep range of a K <= 5 sampler is
seen), and every denoiser call's inputs --
keypoints, noisy pose, timestep -- are recorded (:func:`calibration_feeds`). No 3D label is used.

The report states what int8 costs: the per-call difference to the fp32 PyTorch model on held-back
calibration inputs (:func:`int8_parity`), and, on labelled ``--eval`` clips (default the embedded
``wild/test``), the MPJPE of the fp32 and the int8 graph lifted the same way (:func:`int8_accuracy`).
The gate is on the latter, what a user gets: the int8 lift may be at most
:data:`INT8_MAX_MPJPE_INCREASE` worse than the fp32 one (a single denoiser call differs more -- about
6 % of the pose scale for the shipped model -- than the flip-averaged, window-overlapped lift does).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import torch

from posynda.checkpoint import Checkpoint
from posynda.data.clips import ClipSet
from posynda.errors import InputError
from posynda.metrics import mpjpe
from posynda.runtime.metadata import DENOISER_INPUTS, DENOISER_OUTPUT
from posynda.runtime.sampling import lift_windows
from posynda.runtime.settings import SamplingSettings

# int8 gate: the int8 lift's MPJPE on the --eval clips at most this much above the fp32 lift's (relative).
INT8_MAX_MPJPE_INCREASE = 0.10
CALIBRATION_BATCHES = 32  # denoiser calls recorded for calibration (windows x hypotheses x flip each)
PARITY_BATCHES = 4  # the last recorded calls, held back from calibration for the parity check
CALIBRATION_SETTINGS = SamplingSettings(hypotheses=2, steps=5, flip=True, batch_size=16)
# The ops that get int8 kernels; the rest of the graph stays fp32.
QUANTIZED_OPS = ("Conv", "MatMul", "Gemm")


def calibration_feeds(
    checkpoint: Checkpoint, clips: ClipSet, settings: SamplingSettings = CALIBRATION_SETTINGS, limit: int = 0
) -> list[dict[str, np.ndarray]]:
    """The denoiser inputs ``{keypoints_2d, noisy_3d, t}`` (numpy, fp32 / int64) of sampling ``clips`` with
    the fp32 model (windows a third of a window apart unless ``settings.stride`` says), one dict per
    call, at most ``limit`` (default :data:`CALIBRATION_BATCHES` + :data:`PARITY_BATCHES`); calls of
    another batch size than the first (the last, partial batch) are left out."""
    limit = limit or CALIBRATION_BATCHES + PARITY_BATCHES
    if settings.stride is None:  # windows a third of a window apart: more calibration data from short footage
        settings = dataclasses.replace(settings, stride=max(1, checkpoint.config.frames // 3))
    feeds: list[dict[str, np.ndarray]] = []
    model = checkpoint.model.eval()

    def recording(keypoints_2d, noisy_3d, t):
        if len(feeds) < limit:
            feeds.append(dict(zip(DENOISER_INPUTS, (keypoints_2d.numpy(), noisy_3d.numpy(), t.numpy()))))
        with torch.no_grad():
            return model(keypoints_2d, noisy_3d, t)

    lift_windows(recording, checkpoint.diffusion, checkpoint.config.frames, clips, settings)
    feeds = [f for f in feeds if len(f[DENOISER_INPUTS[2]]) == len(feeds[0][DENOISER_INPUTS[2]])]
    if len(feeds) <= PARITY_BATCHES:
        raise InputError(
            f"--calibrate: {clips.num_frames} frames give {len(feeds)} full denoiser batches; need more than "
            f"{PARITY_BATCHES} (give more or longer clips)"
        )
    return feeds


def quantize_denoiser(fp32_onnx: Path, out_path: Path, feeds: list[dict], work_dir: Path) -> dict:
    """Write the int8 QDQ graph of ``fp32_onnx`` to ``out_path``, calibrated on ``feeds`` (all but the last
    :data:`PARITY_BATCHES`), with the fp32 graph's runtime metadata (precision "int8"); returns what was
    done (seconds, method, batches)."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    calibration = feeds[:-PARITY_BATCHES]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter(calibration)

        def get_next(self):
            return next(self.items, None)

    t0 = time.perf_counter()
    prepared = work_dir / "denoiser_int8_prepared.onnx"
    # ONNX shape inference + graph clean-up, as ORT recommends (its symbolic shape inference gives up on MixSTE)
    quant_pre_process(str(fp32_onnx), str(prepared), skip_symbolic_shape=True)
    quantize_static(
        str(prepared),
        str(out_path),
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        op_types_to_quantize=list(QUANTIZED_OPS),
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax,
    )
    prepared.unlink()
    _carry_metadata(fp32_onnx, out_path)
    return {
        "format": "QDQ",
        "weights": "int8 per channel",
        "activations": "int8, MinMax calibration",
        "calibration_batches": len(calibration),
        "seconds": time.perf_counter() - t0,
    }


def _carry_metadata(fp32_onnx: Path, int8_onnx: Path) -> None:
    """Copy the fp32 graph's ``metadata_props`` (the runtime's contract) onto the int8 graph, precision int8."""
    import onnx

    from posynda.export.onnx_graphs import set_metadata
    from posynda.fileio import atomic_write_bytes

    props = {p.key: p.value for p in onnx.load(str(fp32_onnx)).metadata_props}
    if not props:
        return
    proto = onnx.load(str(int8_onnx))
    doc = "posynda denoiser, int8 QDQ: (keypoints_2d, noisy_3d, t) -> x0, root-relative metres"
    set_metadata(proto, {**props, "precision": "int8"}, doc=doc)
    atomic_write_bytes(int8_onnx, proto.SerializeToString())


def int8_parity(session, model: torch.nn.Module, feeds: list[dict]) -> dict:
    """The int8 graph vs the fp32 PyTorch model on the held-back feeds: the worst MPJPE delta (mm) and its
    share of the pose scale; ``passed`` is decided on the lift's accuracy (:func:`int8_gate`)."""
    deltas, relatives, max_abs = [], [], 0.0
    for feed in feeds[-PARITY_BATCHES:]:
        with torch.no_grad():
            ref = model(*(torch.from_numpy(feed[k]) for k in DENOISER_INPUTS)).numpy().astype(np.float64)
        got = session.run([DENOISER_OUTPUT], feed)[0].astype(np.float64)
        delta = float(np.linalg.norm(got - ref, axis=-1).mean() * 1000.0)
        scale = float(np.linalg.norm(ref, axis=-1).mean() * 1000.0)
        deltas.append(delta)
        relatives.append(delta / max(scale, 1e-9))
        max_abs = max(max_abs, float(np.abs(got - ref).max()))
    return {
        "max_abs_m": max_abs,
        "mpjpe_delta_mm": max(deltas),
        "mpjpe_delta_relative": max(relatives),
        "provider": session.get_providers()[0],
        "precision": "int8",
    }


def int8_gate(parity: dict, accuracy: dict) -> dict:
    """``parity`` with the gate decided on ``accuracy``: the int8 lift's MPJPE at most
    :data:`INT8_MAX_MPJPE_INCREASE` above the fp32 lift's."""
    limit = INT8_MAX_MPJPE_INCREASE
    gate = f"lift MPJPE within +{limit:.0%} of fp32 on the eval clips ({accuracy['delta_pct']:+.1f} %)"
    return {**parity, "gate": gate, "passed": bool(accuracy["delta_pct"] <= 100 * limit)}


def int8_accuracy(fp32_onnx: Path, int8_onnx: Path, clips: ClipSet, settings: SamplingSettings) -> dict:
    """MPJPE (mm, root-relative, valid frames) of ``clips`` lifted by the fp32 and the int8 graph with the same
    ``settings`` and seed, and the change; ``clips`` need ``joints_3d``."""
    from posynda.runtime import Lifter

    if not clips.has_3d:
        raise InputError("--eval data has no 'joints_3d' (scoring int8 needs ground truth)")
    truth = clips.joints_3d - clips.joints_3d[:, :1]
    valid = clips.valid_or_all()
    scores = {}
    for name, path in (("fp32", fp32_onnx), ("int8", int8_onnx)):
        lifter = Lifter(path, device="cpu")
        t0 = time.perf_counter()
        result = lifter.lift(clips.without_3d(), settings)
        scores[name] = float(mpjpe(result.root_relative_mm[valid], truth[valid]).mean())
        scores[f"{name}_seconds"] = time.perf_counter() - t0
    scores["delta_mm"] = scores["int8"] - scores["fp32"]
    scores["delta_pct"] = 100.0 * scores["delta_mm"] / scores["fp32"]
    scores["frames"] = int(valid.sum())
    scores["settings"] = {"hypotheses": settings.hypotheses, "steps": settings.steps, "flip": settings.flip}
    return scores
