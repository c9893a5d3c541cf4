"""``posynda export``: merge an adaptation, write the artefacts the options ask for, check them, report.

The artefacts -- one ``export_<artefact>`` function each -- are the rows of
:data:`posynda.export.artefacts.ARTEFACTS`; :func:`run_export` loads the model, reads what can fail
first (the int8 calibration and evaluation clips, TensorRT's presence), runs the rows the options ask
for into a staging folder inside ``--out``, and moves the files into place only after every check
passed, so a failed export leaves nothing half-written in ``--out``. The files of an earlier export
into the same folder that this one does not write are removed then, so a folder never mixes two
models' files (``timing.cache``, which depends on the GPU only, stays). ``export.json`` records files,
sizes, export times, parity numbers and the int8 accuracy.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from posynda.data.clips import ClipSet, load_clips
from posynda.data.detections import read_detections
from posynda.defaults import default_clips_path
from posynda.errors import InputError
from posynda.export.artefacts import ARTEFACTS, MODEL_FILES, Job, parity_text
from posynda.export.merge import load_for_export
from posynda.export.tensorrt_build import DEFAULT_BATCH
from posynda.extras import require
from posynda.fileio import atomic_write_bytes
from posynda.models import count_parameters
from posynda.runtime.backends.tensorrt_sidecar import require_tensorrt
from posynda.runtime.settings import MAX_HYPOTHESES, MAX_STEPS


class ParityError(RuntimeError):
    """The exported graph does not reproduce PyTorch within its precision's gate."""


@dataclass(frozen=True)
class ExportOptions:
    """What ``posynda export`` produces.

    Attributes:
        opset: ONNX opset.
        fp16: also write ``denoiser_fp16.onnx`` (and build the engine from it with ``trt``).
        int8: also write ``denoiser_int8.onnx`` (:mod:`posynda.export.quantize`), calibrated on the 2D of
            ``calibrate`` (any keypoint input; default the embedded ``wild/train``) and scored against
            fp32 on the labelled ``eval`` clips (default the embedded ``wild/test``).
        sampler: also write ``sampler.onnx`` with ``steps`` K, ``hypotheses`` H and ``flip``.
        trt: build a TensorRT engine with the batch profile ``batch`` (min, opt, max).
        detector: also write BlazePose's person detector and landmark model (``person_detector.onnx``,
            ``landmarks.onnx``) for libposynda's pixels-to-3D pipeline.
    """

    opset: int = 17
    fp16: bool = False
    int8: bool = False
    calibrate: str | None = None
    eval: str | None = None
    sampler: bool = False
    steps: int = 1
    hypotheses: int = 1
    flip: bool = True
    trt: bool = False
    batch: tuple[int, int, int] = DEFAULT_BATCH
    workspace_gib: float = 4.0
    detector: bool = False

    def __post_init__(self):
        if not 14 <= self.opset <= 21:
            raise InputError(f"opset {self.opset}: supported opsets are 14..21 (default 17)", parameter="opset")
        if not 1 <= self.steps <= MAX_STEPS or not 1 <= self.hypotheses <= MAX_HYPOTHESES:
            raise InputError(
                f"sampler steps must be in [1, {MAX_STEPS}] and hypotheses in [1, {MAX_HYPOTHESES}], "
                f"got {self.steps} and {self.hypotheses}"
            )


def run_export(checkpoint: str | os.PathLike, out_dir: str | os.PathLike, adapter=None, options=None, log=print):
    """Export ``checkpoint`` (merged with ``adapter`` when given) into ``out_dir``; return the report.

    Raises:
        InputError: bad checkpoint/adapter/options, or ``--trt`` where TensorRT or a GPU is missing.
        ParityError: an exported graph failed its parity gate (nothing is written then).
    """
    require("onnx", "onnxruntime", purpose="ONNX export")
    options = options or ExportOptions()
    if options.detector:
        require("mediapipe", "tflite", purpose="exporting the BlazePose detector")
    env = require_tensorrt() if options.trt else None  # fail before any work
    t_start = time.perf_counter()
    checkpoint, out_dir = Path(checkpoint), Path(out_dir)
    ckpt, source = load_for_export(checkpoint, adapter)
    int8_data = _int8_data(options) if options.int8 else None  # a bad --calibrate / --eval fails here
    cfg = ckpt.config
    ckpt.model.eval()
    log(
        f"PyTorch: starting from '{checkpoint}'{' + adapter ' + repr(str(adapter)) if adapter else ''} "
        f"({cfg.arch}, T={cfg.frames}, {count_parameters(ckpt.model):,} parameters, "
        f"{checkpoint.stat().st_size / 1e6:.1f} MB) with input shape (batch, {cfg.frames}, {cfg.joints}, 2)"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".posynda-export-", dir=out_dir))
    report: dict = {"checkpoint": str(checkpoint), "adapter": str(adapter) if adapter else None, "files": {}}
    job = Job(ckpt, source, options, staging, out_dir, log, tensorrt_env=env, int8_data=int8_data)
    try:
        for artefact in ARTEFACTS:
            if artefact.wanted(options):
                report["files"][artefact.name] = artefact.export(job)
        report["seconds"] = time.perf_counter() - t_start
        report["source"] = source
        atomic_write_bytes(staging / "export.json", json.dumps(report, indent=2).encode())
        failed = [n for n, f in report["files"].items() if f.get("parity") and not f["parity"]["passed"]]
        if failed:
            detail = ", ".join(f"{n}: {parity_text(report['files'][n]['parity'])}" for n in failed)
            raise ParityError(f"parity check failed ({detail}); nothing written to {out_dir}")
        _move_into_place(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _summary(report, out_dir, log)
    return report


def _move_into_place(staging: Path, out_dir: Path) -> None:
    """The staged files into ``out_dir``: first another model's files this export did not write are removed,
    then the new ones moved in, ``export.json`` (the record) last."""
    written = {item.name for item in staging.iterdir()}
    for stale in sorted(set(MODEL_FILES) - written):
        (out_dir / stale).unlink(missing_ok=True)
    for item in sorted(staging.iterdir(), key=lambda f: f.name == "export.json"):
        os.replace(item, out_dir / item.name)


def _summary(report: dict, out_dir: Path, log) -> None:
    log(f"\nExport complete ({report['seconds']:.1f}s)")
    log(f"Results saved to {out_dir.resolve()}")
    rows = [("file", "size MB", "export s", "parity vs PyTorch (ONNX Runtime CPU)")]
    for name, f in report["files"].items():
        if f.get("parity"):
            parity = parity_text(f["parity"])
        else:
            parity = f.get("note") or f"{f.get('precision')} engine, profile {f.get('profile')}"
        rows.append((name, f"{f['size_mb']:.2f}", f"{f['seconds']:.1f}", parity))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        log(f"  {r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}")
    model = out_dir / ("denoiser.engine" if "denoiser.engine" in report["files"] else "denoiser.onnx")
    log(f"Lift:      posynda lift --model {model} --input KP.npz --out POSES.npz")
    log("Visualize: https://netron.app")


def _int8_data(options: ExportOptions) -> tuple[ClipSet, ClipSet]:
    """``(calibration 2D, labelled eval clips)`` of ``--int8``: the given files or the embedded wild pair."""
    calibration = (
        read_detections(options.calibrate)[0]
        if options.calibrate
        else load_clips(default_clips_path("wild", "train")).without_3d()
    )
    labelled = load_clips(options.eval or default_clips_path("wild", "test"))
    if not labelled.has_3d:
        raise InputError(f"eval: {options.eval} has no 'joints_3d' (scoring int8 needs ground truth)", parameter="eval")
    return calibration, labelled
