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
model (:func:`posynda.runtime.windowed_lift.lift_windows`; every timestep range of a K <= 5 sampler is
seen), and every denoiser call's inputs --
keypoints, noisy pose, timestep -- are recorded (:func:`calibration_feeds`). No 3D label is used.

The report states what int8 costs: the per-call difference to the fp32 PyTorch model on held-back
calibration inputs (:func:`int8_parity`), and, on labelled ``--eval`` clips (default the embedded
``wild/test``), the MPJPE of the fp32 and the int8 graph lifted the same way (:func:`int8_accuracy`).
The gate is on the latter, what a user gets: the int8 lift may be at most
:data:`INT8_MAX_MPJPE_INCREASE` worse than the fp32 one (a single denoiser call differs more -- about
6 % of the pose scale for the shipped model -- than the flip-averaged, window-overlapped lift does).

**Memory.** ONNX Runtime's MinMax calibrator runs an augmented copy of the graph in which every
calibrated tensor (an input or output of a :data:`QUANTIZED_OPS` node) also feeds a ReduceMin and a
ReduceMax graph output. In ONNX Runtime's DEFAULT execution order those reductions run after the
whole forward, so every calibrated tensor of a batch is alive at once: 2.7 GB per clip for the
``paper`` preset (MixSTE, 243 frames, dim 512, 8 spatial + 8 temporal blocks), and ``posynda bench
latency`` was killed at 23.9 GB quantising it. The reductions' outputs themselves are small (one
number per tensor and batch), so ``CalibMaxIntermediateOutputs`` is no cure -- and in the ONNX
Runtime releases up to at least 1.32 it drops the batches instead of merging them (onnxruntime PR
#20226 was never merged: with N = 1 calibration fails with "No data is collected"). posynda therefore

- opens the calibrator's session in PRIORITY_BASED order (:func:`calibration_session_options`),
  which runs each reduction as soon as its tensor exists: about 0.15 GB per ``paper`` clip;
- feeds the calibrator sub-batches (:class:`SubBatchReader`; the graph's batch axis is dynamic) of
  :func:`calibration_sub_batch` clips: :data:`CALIBRATION_MEMORY_BYTES` over the bytes of one clip's
  calibrated tensors, measured by running the graph on one clip with a ``Shape`` output per
  calibrated tensor (:func:`calibrated_bytes_per_clip`). The rule holds even in the DEFAULT order
  (everything alive at once): ``paper`` calibrates one clip per run, the shipped ``cpu`` model
  (0.2 MB per clip) whole 64-clip feeds;
- merges the ranges after every sub-batch (``CalibStridedMinMax`` = 1; min of mins and max of
  maxes, so the scales are those of one pass over all feeds, up to float rounding; ONNX Runtime
  before 1.19 ignores the option and merges once at the end, which only keeps the small
  reductions of every run).

Measured peak RSS on the 2-core CPU machine (``/usr/bin/time -v``): ``posynda bench latency --config
paper --backends onnxruntime-cpu-int8`` 1.7 GB (before: past 18 GB after 80 s, where the measurement
stopped it; 23.9 GB in the issue), the default ``posynda bench latency`` (tiny and paper, every CPU
backend) 2.6 GB in 2 minutes, ``posynda export --int8`` of the shipped model 0.46 GB (as before, the
same int8 graph).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from posynda.checkpoint import Checkpoint
from posynda.data.clips import ClipSet
from posynda.errors import InputError
from posynda.export.onnx_graphs import set_metadata
from posynda.fileio import atomic_write_bytes
from posynda.metrics import mpjpe
from posynda.models import example_inputs
from posynda.runtime import Lifter
from posynda.runtime.metadata import DENOISER_INPUTS, DENOISER_OUTPUT
from posynda.runtime.settings import SamplingSettings
from posynda.runtime.windowed_lift import lift_windows
from posynda.threads import chosen_threads

# int8 gate: the int8 lift's MPJPE on the --eval clips at most this much above the fp32 lift's (relative).
INT8_MAX_MPJPE_INCREASE = 0.10
CALIBRATION_BATCHES = 32  # denoiser calls recorded for calibration (windows x hypotheses x flip each)
PARITY_BATCHES = 4  # the last recorded calls, held back from calibration for the parity check
CALIBRATION_SETTINGS = SamplingSettings(hypotheses=2, steps=5, flip=True, batch_size=16)
# The ops that get int8 kernels; the rest of the graph stays fp32.
QUANTIZED_OPS = ("Conv", "MatMul", "Gemm")
# Bytes of calibrated tensors one calibrator run may hold (its sub-batch: this over one clip's bytes, at least 1).
CALIBRATION_MEMORY_BYTES = 1 << 30
FLOAT_BYTES = 4  # the calibrated graph is the fp32 export


def calibration_feeds(
    checkpoint: Checkpoint, clips: ClipSet, settings: SamplingSettings = CALIBRATION_SETTINGS, limit: int = 0
) -> list[dict[str, np.ndarray]]:
    """The denoiser inputs ``{keypoints_2d, noisy_3d, t}`` (numpy, fp32 / int64) of sampling ``clips`` with
    the fp32 model (windows a third of a window apart unless ``settings.stride`` says), one dict per
    call, at most ``limit`` (default :data:`CALIBRATION_BATCHES` + :data:`PARITY_BATCHES`); calls of
    another batch size than the first (the last, partial batch) are left out.

    Sampling stops once ``limit`` calls are recorded; each call's fp32 forward runs in chunks of
    :func:`calibration_sub_batch` clips (:func:`torch_bytes_per_clip`), so a large model's 64-clip calls stay
    within :data:`CALIBRATION_MEMORY_BYTES` (the shipped model's run whole)."""
    limit = limit or CALIBRATION_BATCHES + PARITY_BATCHES
    if settings.stride is None:  # windows a third of a window apart: more calibration data from short footage
        settings = dataclasses.replace(settings, stride=max(1, checkpoint.config.frames // 3))
    feeds: list[dict[str, np.ndarray]] = []
    model = checkpoint.model.eval()
    chunk = calibration_sub_batch(torch_bytes_per_clip(model, checkpoint.config.frames, checkpoint.config.joints))

    def recording(keypoints_2d, noisy_3d, t):
        feeds.append(dict(zip(DENOISER_INPUTS, (keypoints_2d.numpy(), noisy_3d.numpy(), t.numpy()))))
        if len(feeds) == limit:
            raise _EnoughFeeds
        with torch.no_grad():
            parts = zip(keypoints_2d.split(chunk), noisy_3d.split(chunk), t.split(chunk))
            return torch.cat([model(*part) for part in parts])

    with contextlib.suppress(_EnoughFeeds):
        lift_windows(recording, checkpoint.diffusion, checkpoint.config.frames, clips, settings)
    feeds = [f for f in feeds if len(f[DENOISER_INPUTS[2]]) == len(feeds[0][DENOISER_INPUTS[2]])]
    if len(feeds) <= PARITY_BATCHES:
        raise InputError(
            f"calibrate: {clips.num_frames} frames give {len(feeds)} full denoiser batches; need more than "
            f"{PARITY_BATCHES} (give more or longer clips)",
            parameter="calibrate",
        )
    return feeds


class _EnoughFeeds(Exception):
    """Raised inside the sampler once :func:`calibration_feeds` has recorded all the calls it needs."""


class _AllocatedBytes(TorchDispatchMode):
    """Sums the bytes of every tensor the dispatched ops allocate (views, which share storage, left out)."""

    def __init__(self):
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if not func.is_view:
            self.total += sum(x.numel() * x.element_size() for x in tree_flatten(out)[0] if isinstance(x, torch.Tensor))
        return out


def torch_bytes_per_clip(model: torch.nn.Module, frames: int, joints: int) -> int:
    """Bytes of all tensors one clip's fp32 forward of ``model`` allocates (``T = frames``, ``J = joints``; random
    plausible inputs, :func:`posynda.models.example_inputs`): what a forward would hold if nothing were freed."""
    device = next(model.parameters()).device
    inputs = tuple(x.to(device) for x in example_inputs(1, frames, joints))
    with torch.no_grad(), _AllocatedBytes() as counted:
        model(*inputs)
    return counted.total


def calibration_session_options():
    """ONNX Runtime session options for running a calibration graph: no graph optimisation (the ranges are
    those of the graph's own tensors, as ONNX Runtime's calibrator runs it), PRIORITY_BASED execution order
    (each tensor's consumers run as soon as it exists, so it is freed early), posynda's thread count."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.execution_order = ort.ExecutionOrder.PRIORITY_BASED
    options.intra_op_num_threads = chosen_threads()
    return options


@contextlib.contextmanager
def priority_ordered_calibration() -> Iterator[bool]:
    """While active, ONNX Runtime's calibrators open their session with :func:`calibration_session_options`
    instead of the DEFAULT order (module docstring: every calibrated tensor of a batch alive at once).
    ONNX Runtime has no option for the calibrator's session, so its ``create_inference_session`` is swapped
    for the duration and restored after; yields False (and changes nothing) where that method does not exist."""
    import onnxruntime as ort
    from onnxruntime.quantization import calibrate

    base = calibrate.CalibraterBase
    original = base.__dict__.get("create_inference_session")
    if original is None:
        yield False
        return

    def create_inference_session(self):
        self.infer_session = ort.InferenceSession(
            self.augmented_model_path, sess_options=calibration_session_options(), providers=self.execution_providers
        )

    base.create_inference_session = create_inference_session
    try:
        yield True
    finally:
        base.create_inference_session = original


def calibrated_tensors(proto) -> list[str]:
    """Names of the tensors ONNX Runtime's calibrator measures in the ``onnx.ModelProto``: every input and
    output of a :data:`QUANTIZED_OPS` node that is not a weight (an initializer), in graph order."""
    weights = {init.name for init in proto.graph.initializer}
    names: dict[str, None] = {}
    for node in proto.graph.node:
        if node.op_type in QUANTIZED_OPS:
            names.update((name, None) for name in (*node.input, *node.output) if name and name not in weights)
    return list(names)


def calibrated_bytes_per_clip(onnx_path: Path, feed: dict[str, np.ndarray]) -> int:
    """Bytes of all calibrated tensors (:func:`calibrated_tensors`, fp32) of one clip, measured: the graph at
    ``onnx_path`` runs on the first clip of ``feed`` with a ``Shape`` output per calibrated tensor added
    (PRIORITY_BASED order, so only the shapes, not the tensors, are kept)."""
    import onnx
    import onnxruntime as ort

    proto = onnx.load(str(onnx_path))
    names = calibrated_tensors(proto)
    if not names:
        return 0
    for k, name in enumerate(names):
        shape = f"posynda_calibrated_shape_{k}"
        proto.graph.node.append(onnx.helper.make_node("Shape", [name], [shape], name=shape))
        proto.graph.output.append(onnx.helper.make_tensor_value_info(shape, onnx.TensorProto.INT64, [None]))
    session = ort.InferenceSession(
        proto.SerializeToString(), sess_options=calibration_session_options(), providers=["CPUExecutionProvider"]
    )
    del proto
    shapes = session.run([o.name for o in session.get_outputs()[-len(names) :]], {k: v[:1] for k, v in feed.items()})
    return int(sum(math.prod(int(d) for d in shape) for shape in shapes) * FLOAT_BYTES)


def calibration_sub_batch(bytes_per_clip: int, memory_bytes: int = CALIBRATION_MEMORY_BYTES) -> int:
    """Clips per calibrator run: as many as keep one run's calibrated tensors (``bytes_per_clip`` each,
    :func:`calibrated_bytes_per_clip`) within ``memory_bytes``, at least 1."""
    return max(1, int(memory_bytes // max(1, bytes_per_clip)))


class SubBatchReader:
    """ONNX Runtime's calibration data reader over ``feeds`` (denoiser input dicts, batch first) cut into
    sub-batches of at most ``size`` clips (views: nothing is copied). ``get_next`` gives the next sub-batch
    (None at the end); ``len`` and ``set_range`` are what ``CalibStridedMinMax`` uses to hand the calibrator
    one range of sub-batches at a time."""

    def __init__(self, feeds: list[dict[str, np.ndarray]], size: int):
        self.feeds = feeds
        self.items = [(f, start, min(start + size, n)) for f, n in enumerate(map(_batch_of, feeds))
                      for start in range(0, n, size)]  # fmt: skip
        self.set_range(0, len(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def set_range(self, start_index: int, end_index: int) -> None:
        """Read sub-batches ``[start_index, end_index)`` from now on."""
        self.next, self.end = start_index, min(end_index, len(self.items))

    def get_next(self) -> dict[str, np.ndarray] | None:
        if self.next >= self.end:
            return None
        f, start, stop = self.items[self.next]
        self.next += 1
        return {name: array[start:stop] for name, array in self.feeds[f].items()}


def _batch_of(feed: dict[str, np.ndarray]) -> int:
    """Clips in a denoiser input dict (the length of its timestep vector ``t [B]``)."""
    return len(feed[DENOISER_INPUTS[2]])


def quantize_denoiser(
    fp32_onnx: Path,
    out_path: Path,
    feeds: list[dict],
    work_dir: Path,
    held_back: int = PARITY_BATCHES,
    memory_bytes: int = CALIBRATION_MEMORY_BYTES,
    bytes_per_clip: int | None = None,
) -> dict:
    """Write the int8 QDQ graph of ``fp32_onnx`` to ``out_path``, calibrated on ``feeds`` but the last
    ``held_back`` (those are for :func:`int8_parity`), with the fp32 graph's runtime metadata (precision "int8").

    The calibrator runs sub-batches of :func:`calibration_sub_batch` clips in PRIORITY_BASED order, merging
    the ranges after each (module docstring, "Memory"); ``bytes_per_clip`` is measured on the prepared graph
    unless given. Returns what was done (seconds, method, feeds, clips, sub-batch, calibrator runs)."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    calibration = feeds[: len(feeds) - held_back]
    t0 = time.perf_counter()
    prepared = work_dir / "denoiser_int8_prepared.onnx"
    # ONNX shape inference + graph clean-up, as ORT recommends (its symbolic shape inference gives up on MixSTE)
    quant_pre_process(str(fp32_onnx), str(prepared), skip_symbolic_shape=True)
    per_clip = bytes_per_clip or calibrated_bytes_per_clip(prepared, calibration[0])
    reader = SubBatchReader(calibration, calibration_sub_batch(per_clip, memory_bytes))
    with priority_ordered_calibration() as ordered:
        quantize_static(
            str(prepared),
            str(out_path),
            reader,
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            op_types_to_quantize=list(QUANTIZED_OPS),
            activation_type=QuantType.QInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
            extra_options={"CalibStridedMinMax": 1},  # merge the ranges after every sub-batch
        )
    prepared.unlink()
    _carry_metadata(fp32_onnx, out_path)
    return {
        "format": "QDQ",
        "weights": "int8 per channel",
        "activations": "int8, MinMax calibration",
        "calibration_batches": len(calibration),
        "calibration_clips": sum(map(_batch_of, calibration)),
        "calibrated_mb_per_clip": round(per_clip / 2**20, 2),
        "calibration_sub_batch": calibration_sub_batch(per_clip, memory_bytes),
        "calibration_runs": len(reader),
        "calibration_order": "PRIORITY_BASED" if ordered else "DEFAULT",
        "seconds": time.perf_counter() - t0,
    }


def _carry_metadata(fp32_onnx: Path, int8_onnx: Path) -> None:
    """Copy the fp32 graph's ``metadata_props`` (the runtime's contract) onto the int8 graph, precision int8."""
    import onnx

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
    if not clips.has_3d:
        raise InputError("the scored clips have no 'joints_3d' (scoring int8 needs ground truth)")
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
