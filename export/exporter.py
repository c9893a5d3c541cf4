"""``posynda export``: merge, export to ONNX (+ the whole sampler), check, build TensorRT, report.

| artefact                 | when          | content                                                        |
|--------------------------|---------------|----------------------------------------------------------------|
| ``denoiser.onnx``        | always        | fp32 denoiser, dynamic ``batch``, runtime metadata             |
| ``denoiser_fp16.onnx``   | ``--fp16``    | fp16 inside, fp32 inputs/outputs                               |
| ``denoiser_int8.onnx``   | ``--int8``    | int8 QDQ (static, calibrated on target 2D: ``quantize.py``)    |
| ``sampler.onnx``         | ``--sampler`` | K DDIM steps x H hypotheses + mean, noise as an input          |
| ``denoiser.engine``      | ``--trt``     | TensorRT engine (from ``denoiser_fp16.onnx`` with ``--fp16``)  |
| ``denoiser.engine.json`` | ``--trt``     | its sidecar: TensorRT version, GPU, shapes, precision, sha256  |
| ``timing.cache``         | ``--trt``     | TensorRT timing cache, reused by the next build into ``--out`` |
| ``export.json``          | always        | files, sizes, export times, parity numbers, int8 accuracy      |

Every artefact is written into a staging folder inside ``--out`` and moved into place only after
every check passed, so a failed export leaves nothing half-written in ``--out``; the artefacts of an
earlier export into the same folder that this one does not write are removed then, so a folder never
mixes two models' files (``timing.cache``, which depends on the GPU only, stays). Inputs that can
fail (the int8 calibration and evaluation clips, TensorRT) are read or checked before any graph is made.
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
from posynda.export import onnx_graphs, parity
from posynda.export.merge import load_for_export
from posynda.export.onnx_graphs import artefact_metadata
from posynda.export.tensorrt import DEFAULT_BATCH, build_engine
from posynda.extras import require
from posynda.fileio import atomic_write_bytes, sha256_file
from posynda.models import count_parameters
from posynda.runtime.backends import ort_session
from posynda.runtime.metadata import sampler_metadata
from posynda.runtime.settings import MAX_HYPOTHESES, MAX_STEPS
from posynda.runtime.tensorrt import require_tensorrt, sidecar_path

# Every file an export writes that belongs to one model (timing.cache belongs to the GPU).
ARTEFACTS = (
    "denoiser.onnx",
    "denoiser_fp16.onnx",
    "denoiser_int8.onnx",
    "sampler.onnx",
    "denoiser.engine",
    "denoiser.engine.json",
    "export.json",
)


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

    def __post_init__(self):
        if not 14 <= self.opset <= 21:
            raise InputError(f"--opset {self.opset}: supported opsets are 14..21 (default 17)")
        if not 1 <= self.steps <= MAX_STEPS or not 1 <= self.hypotheses <= MAX_HYPOTHESES:
            raise InputError(
                f"sampler steps must be in [1, {MAX_STEPS}] and hypotheses in [1, {MAX_HYPOTHESES}], "
                f"got {self.steps} and {self.hypotheses}"
            )


def _mb(path: Path) -> float:
    return path.stat().st_size / 1e6


def _save(proto, path: Path) -> None:
    atomic_write_bytes(path, proto.SerializeToString())


def run_export(checkpoint: str | os.PathLike, out_dir: str | os.PathLike, adapter=None, options=None, log=print):
    """Export ``checkpoint`` (merged with ``adapter`` when given) into ``out_dir``; return the report.

    Raises:
        InputError: bad checkpoint/adapter/options, or ``--trt`` where TensorRT or a GPU is missing.
        ParityError: an exported graph failed its parity gate (nothing is written then).
    """
    require("onnx", "onnxruntime", purpose="ONNX export")
    import onnx

    options = options or ExportOptions()
    env = require_tensorrt() if options.trt else None  # fail before any work
    t_start = time.perf_counter()
    checkpoint = Path(checkpoint)
    out_dir = Path(out_dir)
    ckpt, source = load_for_export(checkpoint, adapter)
    int8_data = _int8_data(options) if options.int8 else None  # a bad --calibrate / --eval fails here
    cfg = ckpt.config
    model = ckpt.model.eval()
    frames, joints = cfg.frames, cfg.joints
    log(
        f"PyTorch: starting from '{checkpoint}'{' + adapter ' + repr(str(adapter)) if adapter else ''} "
        f"({cfg.arch}, T={frames}, {count_parameters(model):,} parameters, {_mb(checkpoint):.1f} MB) "
        f"with input shape (batch, {frames}, {joints}, 2)"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".posynda-export-", dir=out_dir))
    report: dict = {"checkpoint": str(checkpoint), "adapter": str(adapter) if adapter else None, "files": {}}
    try:
        log(f"ONNX: starting export with onnx {onnx.__version__} opset {options.opset}...")
        graphs = [("denoiser.onnx", "fp32")]
        if options.fp16:
            graphs.append(("denoiser_fp16.onnx", "fp16"))
        for name, precision in graphs:
            t0 = time.perf_counter()
            proto = onnx_graphs.denoiser_to_onnx(model, frames, joints, options.opset, fp16=precision == "fp16")
            onnx_graphs.set_metadata(
                proto,
                artefact_metadata(ckpt, "denoiser", options.opset, precision, source),
                doc="posynda denoiser: (keypoints_2d, noisy_3d, t) -> x0, root-relative metres",
            )
            onnx_graphs.check_model(proto)
            _save(proto, staging / name)
            seconds = time.perf_counter() - t0
            session = ort_session(str(staging / name))
            check = parity.denoiser_parity(session, model, frames, joints, fp16=precision == "fp16")
            _record(report, staging / name, seconds, check, onnx_graphs.graph_summary(proto), log, "ONNX")
        if options.int8:
            _export_int8(ckpt, model, staging, options, int8_data, report, log)
        if options.sampler:
            t0 = time.perf_counter()
            proto = onnx_graphs.sampler_to_onnx(
                model, ckpt.diffusion, frames, joints, options.steps, options.hypotheses, options.flip, options.opset
            )
            extra = sampler_metadata(options.steps, options.hypotheses, options.flip)
            onnx_graphs.set_metadata(
                proto,
                artefact_metadata(ckpt, "sampler", options.opset, "fp32", source, extra),
                doc="posynda sampler: (keypoints_2d, noise) -> poses, root-relative metres, mean of H hypotheses",
            )
            onnx_graphs.check_model(proto)
            _save(proto, staging / "sampler.onnx")
            seconds = time.perf_counter() - t0
            session = ort_session(str(staging / "sampler.onnx"))
            graph = onnx_graphs.SamplerGraph(model, ckpt.diffusion, options.steps, options.hypotheses, options.flip)
            check = parity.sampler_parity(session, graph, frames, joints)
            _record(report, staging / "sampler.onnx", seconds, check, onnx_graphs.graph_summary(proto), log, "ONNX")
        if options.trt:
            t0 = time.perf_counter()
            if (out_dir / "timing.cache").is_file():  # reuse the tactic timings of an earlier build
                shutil.copy(out_dir / "timing.cache", staging / "timing.cache")
            source_onnx = staging / ("denoiser_fp16.onnx" if options.fp16 else "denoiser.onnx")
            meta = artefact_metadata(ckpt, "denoiser", options.opset, "fp16" if options.fp16 else "fp32", source)
            sidecar = build_engine(
                source_onnx,
                staging / "denoiser.engine",
                batch=options.batch,
                frames=frames,
                joints=joints,
                fp16=options.fp16,
                metadata=meta,
                timing_cache=staging / "timing.cache",
                workspace_gib=options.workspace_gib,
                env=env,
                log=log,
            )
            report["files"]["denoiser.engine"] = {
                "size_mb": _mb(staging / "denoiser.engine"),
                "seconds": time.perf_counter() - t0,
                "precision": sidecar["precision"],
                "profile": sidecar["profile"]["batch"],
                "sidecar": sidecar_path(staging / "denoiser.engine").name,
            }
            log(
                f"TensorRT: export success {time.perf_counter() - t0:.1f}s, saved as "
                f"'{out_dir / 'denoiser.engine'}' ({_mb(staging / 'denoiser.engine'):.1f} MB)"
            )
        report["seconds"] = time.perf_counter() - t_start
        report["source"] = source
        atomic_write_bytes(staging / "export.json", json.dumps(report, indent=2).encode())
        failed = [n for n, f in report["files"].items() if f.get("parity") and not f["parity"]["passed"]]
        if failed:
            detail = ", ".join(f"{n}: {_parity_text(report['files'][n]['parity'])}" for n in failed)
            raise ParityError(f"parity check failed ({detail}); nothing written to {out_dir}")
        written = {item.name for item in staging.iterdir()}
        for stale in sorted(set(ARTEFACTS) - written):  # another model's files must not stay beside these
            (out_dir / stale).unlink(missing_ok=True)
        for item in sorted(staging.iterdir(), key=lambda f: f.name == "export.json"):  # the record last
            os.replace(item, out_dir / item.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _summary(report, out_dir, log)
    return report


def _parity_text(p: dict) -> str:
    return (
        f"max abs {p['max_abs_m']:.2e} m, MPJPE delta {p['mpjpe_delta_mm']:.4f} mm "
        f"({p['precision']}, {p['provider']}, gate {p['gate']}: {'PASS' if p['passed'] else 'FAIL'})"
    )


def _record(report: dict, path: Path, seconds: float, parity: dict, summary: dict, log, label: str) -> None:
    report["files"][path.name] = {
        "size_mb": _mb(path),
        "seconds": seconds,
        "sha256": sha256_file(path),
        "parity": parity,
        "graph": summary,
    }
    log(f"{label}: export success {seconds:.1f}s, {path.name} ({_mb(path):.1f} MB), parity {_parity_text(parity)}")


def _summary(report: dict, out_dir: Path, log) -> None:
    log(f"\nExport complete ({report['seconds']:.1f}s)")
    log(f"Results saved to {out_dir.resolve()}")
    rows = [("file", "size MB", "export s", "parity vs PyTorch (ONNX Runtime CPU)")]
    for name, f in report["files"].items():
        parity = (
            _parity_text(f["parity"]) if f.get("parity") else f"{f.get('precision')} engine, profile {f.get('profile')}"
        )
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
        raise InputError(f"{options.eval}: --eval data has no 'joints_3d' (scoring int8 needs ground truth)")
    return calibration, labelled


def _export_int8(ckpt, model, staging: Path, options: ExportOptions, data, report: dict, log) -> None:
    """``denoiser_int8.onnx`` from the staged fp32 graph, its parity, and its accuracy against fp32 on ``data``
    (:func:`_int8_data`)."""
    import onnx

    from posynda.export import quantize

    calibration, labelled = data
    t0 = time.perf_counter()
    feeds = quantize.calibration_feeds(ckpt, calibration)
    name = "denoiser_int8.onnx"
    info = quantize.quantize_denoiser(staging / "denoiser.onnx", staging / name, feeds, staging)
    proto = onnx.load(str(staging / name))  # with denoiser.onnx's metadata, precision int8
    seconds = time.perf_counter() - t0
    settings = quantize.CALIBRATION_SETTINGS
    accuracy = quantize.int8_accuracy(staging / "denoiser.onnx", staging / name, labelled, settings)
    check = quantize.int8_gate(quantize.int8_parity(ort_session(str(staging / name)), model, feeds), accuracy)
    _record(report, staging / name, seconds, check, onnx_graphs.graph_summary(proto), log, "ONNX int8")
    where = options.eval or "embedded wild/test"
    report["files"][name].update(quantization=info, calibration=options.calibrate or "embedded wild/train (2D)",
                                 accuracy={**accuracy, "data": str(where)})  # fmt: skip
    log(
        f"ONNX int8: MPJPE on {where} {accuracy['fp32']:.1f} mm (fp32) -> {accuracy['int8']:.1f} mm (int8), "
        f"{accuracy['delta_mm']:+.1f} mm ({accuracy['delta_pct']:+.1f} %); lift {accuracy['fp32_seconds']:.2f} s -> "
        f"{accuracy['int8_seconds']:.2f} s"
    )
