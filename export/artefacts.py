"""One ``export_<artefact>`` per file ``posynda export`` writes, behind one table (:data:`ARTEFACTS`).

Each function gets the :class:`Job` (the loaded model, the options, the staging folder) and writes its
file into ``job.staging``, checks it, and returns its entry of ``export.json`` (size, seconds, parity
or engine facts). :func:`posynda.export.exporter.run_export` runs the rows the options ask for, in
table order (an artefact built from another one comes after it). **Adding an artefact** is a function
here (or in its own module) and a row in :data:`ARTEFACTS`.

| artefact                 | when          | content                                                        |
|--------------------------|---------------|----------------------------------------------------------------|
| ``denoiser.onnx``        | always        | fp32 denoiser, dynamic ``batch``, runtime metadata             |
| ``denoiser_fp16.onnx``   | ``--fp16``    | fp16 inside, fp32 inputs/outputs                               |
| ``denoiser_int8.onnx``   | ``--int8``    | int8 QDQ (static, calibrated on target 2D: ``quantize.py``)    |
| ``sampler.onnx``         | ``--sampler`` | K DDIM steps x H hypotheses + mean, noise as an input          |
| ``denoiser.engine``      | ``--trt``     | TensorRT engine (from ``denoiser_fp16.onnx`` with ``--fp16``)  |
|   ``denoiser.engine.json``|              | its sidecar: TensorRT version, GPU, shapes, precision, sha256  |
|   ``timing.cache``       |               | TensorRT timing cache, reused by the next build into ``--out`` |
| ``person_detector.onnx`` | ``--detector``| BlazePose's person detector (mediapipe wheel, Apache-2.0)      |
|   ``landmarks.onnx``     |               | and its full landmark model: libposynda's pixels-to-3D graphs  |
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from posynda.checkpoint import Checkpoint
from posynda.data.clips import ClipSet
from posynda.detectors.blazepose_models import LANDMARKS, MEDIAPIPE_PIN, PERSON_DETECTOR, onnx_file
from posynda.export import onnx_graphs, parity
from posynda.export.onnx_graphs import artefact_metadata
from posynda.export.quantize import (
    CALIBRATION_SETTINGS,
    calibration_feeds,
    int8_accuracy,
    int8_gate,
    int8_parity,
    quantize_denoiser,
)
from posynda.export.tensorrt_build import build_engine
from posynda.fileio import atomic_write_bytes, sha256_file
from posynda.runtime.backends import ort_session
from posynda.runtime.backends.tensorrt_sidecar import sidecar_path
from posynda.runtime.metadata import sampler_metadata

DENOISER_DOC = "posynda denoiser: (keypoints_2d, noisy_3d, t) -> x0, root-relative metres"
SAMPLER_DOC = "posynda sampler: (keypoints_2d, noise) -> poses, root-relative metres, mean of H hypotheses"


@dataclass
class Job:
    """What every ``export_<artefact>`` reads: the checkpoint (merged with its adapter), where it came from
    (``source``, the provenance of the artefact metadata), the :class:`~posynda.export.exporter.ExportOptions`,
    the staging folder the files go into, the final folder (``out_dir``: an earlier TensorRT timing cache is
    reused from there), the TensorRT environment (with ``--trt``), the int8 data and a ``log``."""

    checkpoint: Checkpoint
    source: dict
    options: object
    staging: Path
    out_dir: Path
    log: Callable[[str], None]
    tensorrt_env: dict | None = None
    int8_data: tuple[ClipSet, ClipSet] | None = None

    @property
    def frames(self) -> int:
        return self.checkpoint.config.frames

    @property
    def joints(self) -> int:
        return self.checkpoint.config.joints


def _mb(path: Path) -> float:
    return path.stat().st_size / 1e6


def parity_text(p: dict) -> str:
    """One line of a parity record: the worst differences, precision, provider, the gate and its verdict."""
    return (
        f"max abs {p['max_abs_m']:.2e} m, MPJPE delta {p['mpjpe_delta_mm']:.4f} mm "
        f"({p['precision']}, {p['provider']}, gate {p['gate']}: {'PASS' if p['passed'] else 'FAIL'})"
    )


def _checked_graph(job: Job, path: Path, proto, started: float, check: dict, label: str = "ONNX") -> dict:
    """The ``export.json`` entry of a written ONNX graph, logged."""
    entry = {"size_mb": _mb(path), "seconds": time.perf_counter() - started, "sha256": sha256_file(path),
             "parity": check, "graph": onnx_graphs.graph_summary(proto)}  # fmt: skip
    job.log(
        f"{label}: export success {entry['seconds']:.1f}s, {path.name} ({entry['size_mb']:.1f} MB), "
        f"parity {parity_text(check)}"
    )
    return entry


def _denoiser_graph(job: Job, name: str, precision: str) -> dict:
    """The denoiser as ONNX at ``precision`` ("fp32" or "fp16": fp16 inside, fp32 inputs and outputs)."""
    started, fp16 = time.perf_counter(), precision == "fp16"
    model, path = job.checkpoint.model, job.staging / name
    proto = onnx_graphs.denoiser_to_onnx(model, job.frames, job.joints, job.options.opset, fp16=fp16)
    meta = artefact_metadata(job.checkpoint, "denoiser", job.options.opset, precision, job.source)
    onnx_graphs.set_metadata(proto, meta, doc=DENOISER_DOC)
    onnx_graphs.check_model(proto)
    atomic_write_bytes(path, proto.SerializeToString())
    check = parity.denoiser_parity(ort_session(str(path)), model, job.frames, job.joints, fp16=fp16)
    return _checked_graph(job, path, proto, started, check)


def export_denoiser_onnx(job: Job) -> dict:
    """``denoiser.onnx``: the fp32 denoiser graph, checked against PyTorch."""
    return _denoiser_graph(job, "denoiser.onnx", "fp32")


def export_denoiser_fp16(job: Job) -> dict:
    """``denoiser_fp16.onnx``: fp16 weights and arithmetic, fp32 inputs and outputs."""
    return _denoiser_graph(job, "denoiser_fp16.onnx", "fp16")


def export_denoiser_int8(job: Job) -> dict:
    """``denoiser_int8.onnx``: the staged fp32 graph quantised (QDQ, calibrated on target 2D), its per-call
    difference to PyTorch and its lift accuracy against the fp32 graph on labelled clips (the gate)."""
    import onnx  # noqa: PLC0415 - optional stack (posynda[export]), required by run_export

    started, name, opts = time.perf_counter(), "denoiser_int8.onnx", job.options
    calibration, labelled = job.int8_data
    fp32, path = job.staging / "denoiser.onnx", job.staging / name
    feeds = calibration_feeds(job.checkpoint, calibration)
    info = quantize_denoiser(fp32, path, feeds, job.staging)
    proto = onnx.load(str(path))  # with denoiser.onnx's metadata, precision int8
    accuracy = int8_accuracy(fp32, path, labelled, CALIBRATION_SETTINGS)
    check = int8_gate(int8_parity(ort_session(str(path)), job.checkpoint.model, feeds), accuracy)
    entry = _checked_graph(job, path, proto, started, check, "ONNX int8")
    where = opts.eval or "embedded wild/test"
    entry.update(quantization=info, calibration=opts.calibrate or "embedded wild/train (2D)",
                 accuracy={**accuracy, "data": str(where)})  # fmt: skip
    job.log(
        f"ONNX int8: MPJPE on {where} {accuracy['fp32']:.1f} mm (fp32) -> {accuracy['int8']:.1f} mm (int8), "
        f"{accuracy['delta_mm']:+.1f} mm ({accuracy['delta_pct']:+.1f} %); lift {accuracy['fp32_seconds']:.2f} s -> "
        f"{accuracy['int8_seconds']:.2f} s"
    )
    return entry


def export_sampler(job: Job) -> dict:
    """``sampler.onnx``: K DDIM steps x H hypotheses (+ flip) and their mean in one graph, noise as an input."""
    started, opts, ckpt = time.perf_counter(), job.options, job.checkpoint
    path = job.staging / "sampler.onnx"
    proto = onnx_graphs.sampler_to_onnx(ckpt.model, ckpt.diffusion, job.frames, job.joints, opts.steps,
                                        opts.hypotheses, opts.flip, opts.opset)  # fmt: skip
    extra = sampler_metadata(opts.steps, opts.hypotheses, opts.flip)
    onnx_graphs.set_metadata(proto, artefact_metadata(ckpt, "sampler", opts.opset, "fp32", job.source, extra),
                             doc=SAMPLER_DOC)  # fmt: skip
    onnx_graphs.check_model(proto)
    atomic_write_bytes(path, proto.SerializeToString())
    graph = onnx_graphs.SamplerGraph(ckpt.model, ckpt.diffusion, opts.steps, opts.hypotheses, opts.flip)
    check = parity.sampler_parity(ort_session(str(path)), graph, job.frames, job.joints)
    return _checked_graph(job, path, proto, started, check)


def export_engine(job: Job) -> dict:
    """``denoiser.engine`` (+ its sidecar and timing cache): TensorRT, from the fp16 graph with ``--fp16``."""
    started, opts = time.perf_counter(), job.options
    if (job.out_dir / "timing.cache").is_file():  # reuse the tactic timings of an earlier build
        shutil.copy(job.out_dir / "timing.cache", job.staging / "timing.cache")
    source_onnx = job.staging / ("denoiser_fp16.onnx" if opts.fp16 else "denoiser.onnx")
    meta = artefact_metadata(job.checkpoint, "denoiser", opts.opset, "fp16" if opts.fp16 else "fp32", job.source)
    engine = job.staging / "denoiser.engine"
    sidecar = build_engine(source_onnx, engine, batch=opts.batch, frames=job.frames, joints=job.joints,
                           fp16=opts.fp16, metadata=meta, timing_cache=job.staging / "timing.cache",
                           workspace_gib=opts.workspace_gib, env=job.tensorrt_env, log=job.log)  # fmt: skip
    entry = {"size_mb": _mb(engine), "seconds": time.perf_counter() - started, "precision": sidecar["precision"],
             "profile": sidecar["profile"]["batch"], "sidecar": sidecar_path(engine).name}  # fmt: skip
    job.log(f"TensorRT: export success {entry['seconds']:.1f}s, denoiser.engine ({entry['size_mb']:.1f} MB)")
    return entry


# libposynda's names of the detector's graphs (libposynda/src/people.cpp reads them from one folder)
DETECTOR_FILES = (("person_detector.onnx", PERSON_DETECTOR), ("landmarks.onnx", LANDMARKS))


def export_detector(job: Job) -> dict:
    """``person_detector.onnx`` + ``landmarks.onnx``: BlazePose's models from the mediapipe wheel as the ONNX graphs
    posynda's own detector runs (:mod:`posynda.detectors.blazepose_models`), for libposynda's pixels-to-3D
    pipeline (``posynda_detector_open``)."""
    started, files = time.perf_counter(), {}
    for name, model in DETECTOR_FILES:
        path = job.staging / name
        shutil.copyfile(onnx_file(model), path)
        files[name] = {"source": f"{MEDIAPIPE_PIN} {model.path} (Apache-2.0), sha256 {model.sha256}",
                       "size_mb": _mb(path), "sha256": sha256_file(path)}  # fmt: skip
    entry = {
        "size_mb": sum(f["size_mb"] for f in files.values()),
        "seconds": time.perf_counter() - started,
        "files": files,
        "note": f"with landmarks.onnx: the graphs posynda's detector runs ({MEDIAPIPE_PIN})",
    }
    job.log(f"detector: person_detector.onnx + landmarks.onnx ({sum(f['size_mb'] for f in files.values()):.1f} MB, "
            f"BlazePose from {MEDIAPIPE_PIN})")  # fmt: skip
    return entry


@dataclass(frozen=True)
class Artefact:
    """A row: the file's name, when the options ask for it, the function that writes it, and the other files
    that belong to the same model (written by that function)."""

    name: str
    wanted: Callable[[object], bool]
    export: Callable[[Job], dict]
    companions: tuple[str, ...] = ()


# In the order they are made: a row may read the files of the rows above it.
ARTEFACTS: tuple[Artefact, ...] = (
    Artefact("denoiser.onnx", lambda o: True, export_denoiser_onnx),
    Artefact("denoiser_fp16.onnx", lambda o: o.fp16, export_denoiser_fp16),
    Artefact("denoiser_int8.onnx", lambda o: o.int8, export_denoiser_int8),
    Artefact("sampler.onnx", lambda o: o.sampler, export_sampler),
    Artefact("denoiser.engine", lambda o: o.trt, export_engine, companions=("denoiser.engine.json",)),
    Artefact("person_detector.onnx", lambda o: o.detector, export_detector, companions=("landmarks.onnx",)),
)
# Every file of one model an export may write (timing.cache belongs to the GPU, not to a model).
MODEL_FILES: tuple[str, ...] = (*(n for a in ARTEFACTS for n in (a.name, *a.companions)), "export.json")
