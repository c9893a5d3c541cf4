"""Denoiser latency per backend and batch size, and the end-to-end cost of a ``Lifter``.

    posynda bench latency [--config tiny,paper] [--backends torch-eager,onnxruntime-cpu,...] [--batch 1,8,32]

**Denoiser calls.** One forward (``keypoints_2d [B,T,17,2], noisy_3d [B,T,17,3], t [B] -> x0``) of the
preset with random weights (latency does not depend on them), on every backend of
:data:`posynda.bench.latency_backends.SETUPS` that this machine can run; the others are listed
with the reason they were skipped:

- ``torch-eager``: PyTorch under ``torch.inference_mode`` (CUDA when available, else CPU; default threads).
- ``torch-compile``: ``torch.compile`` of the same module; the first call per batch size (the
  compilation) is reported separately as ``compile_s``. Opt-in on a CPU (it compiles for about a
  minute per batch size there), on by default with CUDA.
- ``onnxruntime-cpu``: the graph ``posynda export`` writes (legacy exporter, opset 17) on the CPU EP
  with posynda's session options (``intra_op_num_threads`` = physical cores, ``inter_op_num_threads``
  = 1, ``ORT_ENABLE_ALL``); ``onnxruntime-cpu-default-options``: the same graph with a plain
  ``SessionOptions()`` (comparison).
- ``onnxruntime-cuda``: the CUDA EP; the provider the session really uses is read back with
  ``session.get_providers()`` and the backend is skipped when ONNX Runtime fell back to the CPU.
  Inputs are host numpy arrays, so the host<->device copies are part of the time.
- ``tensorrt-fp32`` / ``tensorrt-fp16``: engines built by :func:`posynda.export.tensorrt_build.build_engine`
  (fp16 from the fp16 ONNX graph with fp32 I/O) with the batch profile (1, max, max) and run by the
  runtime's ``EngineRunner`` on device tensors.

The backends are timed round-robin by :func:`posynda.bench.timing.time_calls` (one call each per
repeat, after a warm-up, synchronised on CUDA) and the samples are **sigma-clipped** before the
median, p90, clips/s and poses/s (= frames/s: clips x T per second) are taken. ``vs torch`` is the
speed-up against ``torch-eager`` of the same batch.

**End to end.** :func:`end_to_end` lifts a 10 s sequence at 50 fps (500 frames of synthetic 2D
keypoints) with :class:`posynda.runtime.Lifter` and the default ``SamplingSettings`` (H = 1, K = 1,
flip, batch 64 windows per call) on the ``torch`` and ``onnxruntime`` backends (and ``tensorrt`` when
an engine was built), counting the denoiser calls (:class:`CountingBackend`): wall time, frames/s, calls.

The ``paper`` preset (34.8 M parameters, 243 frames) takes seconds per forward on a CPU: it runs at
batch 1 with few repeats. :func:`run` returns the result (``machine``, ``rows``, ``skipped``,
``end_to_end``); :func:`markdown` renders it. ``on_row`` (e.g. a :class:`posynda.bench.results.RowWriter`)
gets the result so far after every batch size's rows and every end-to-end row, so a killed run keeps
them. The machine record ends with ``peak_rss_mb``: the peak resident memory of the run, this process
plus its largest child (:func:`posynda.bench.results.peak_rss_mb`; the int8 backend's calibration is
bounded, :mod:`posynda.export.quantize`).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from posynda.bench.latency_backends import LATENCY_BACKENDS, SETUPS, Prepared, Skip
from posynda.bench.results import RowCallback, no_rows, peak_rss_mb
from posynda.bench.timing import SIGMA, time_calls, timing_stats
from posynda.devices import resolve_device
from posynda.environment import load_average, machine_info
from posynda.models import example_inputs
from posynda.report import markdown_table
from posynda.runtime import Backend, Lifter, SamplingSettings, load_backend

REFERENCE = "torch-eager"
DEFAULT_BATCHES = {"tiny": (1, 8, 32), "paper": (1,)}
# (warm-up, timed repeats) per preset
DEFAULT_REPEATS = {"tiny": (3, 30), "paper": (1, 3)}
# (warm-up, timed repeats) of the end-to-end lift per preset
E2E_REPEATS = {"tiny": (1, 3), "paper": (0, 1)}
E2E_SECONDS, E2E_FPS = 10, 50
COMPILE_OPT_IN = "opt-in on a CPU (inductor compiles for about a minute per batch size); pass it in --backends"


def default_backends() -> tuple[str, ...]:
    """Every backend, except ``torch-compile`` without CUDA (there it is opt-in)."""
    if torch.cuda.is_available():
        return LATENCY_BACKENDS
    return tuple(b for b in LATENCY_BACKENDS if b != "torch-compile")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}".strip(": ")


def _set_up(prep: Prepared, backends, log) -> tuple[dict, dict[str, str]]:
    """``({backend: make}, {backend: why skipped})`` for the requested backends."""
    makers, skipped = {}, {}
    for name in backends:
        try:
            makers[name] = SETUPS[name](prep)
        except Skip as why:
            skipped[name] = str(why)
        except Exception as exc:  # a backend that fails to set up is reported, not fatal
            skipped[name] = f"setup failed: {_first_line(exc)}"
        if name in skipped:
            log(f"[latency] {prep.config}: {name} skipped: {skipped[name]}")
    return makers, skipped


def _batch_rows(prep: Prepared, batch: int, makers: dict, skipped: dict, warmup: int, repeats: int, log) -> list:
    """Time every backend still standing on ``batch`` clips; a backend failing here is skipped from now on."""
    inputs = example_inputs(batch, prep.cfg.frames, prep.cfg.joints)
    calls = {}
    for name, make in list(makers.items()):
        try:
            calls[name] = make(batch, inputs)
        except Exception as exc:  # e.g. torch.compile without a C++ compiler
            skipped[name] = f"batch {batch}: {_first_line(exc)}"
            log(f"[latency] {prep.config}: {name} skipped: {skipped[name]}")
            del makers[name]
    log(f"[latency] {prep.config} batch {batch}: {', '.join(calls)} x {repeats} repeats after {warmup} warm-up")
    times = time_calls(calls, warmup, repeats, prep.device)
    rows = []
    for backend, samples in times.items():
        row = {"config": prep.config, "params": prep.params, "frames": prep.cfg.frames, "batch": batch}
        row["backend"] = backend
        row.update(timing_stats(samples, batch, prep.cfg.frames))
        compile_s = prep.info.get(backend, {}).get("compile_s", {}).get(str(batch))
        if compile_s is not None:
            row["compile_s"] = compile_s
        rows.append(row)
    base = next((r["median_ms"] for r in rows if r["backend"] == REFERENCE), None)
    for row in rows:
        row["speedup_vs_torch"] = round(base / row["median_ms"], 2) if base else None
        row["onnx_export_s"] = prep.export_s
    return rows


def measure_config(
    config: str,
    batches=None,
    warmup: int | None = None,
    repeats: int | None = None,
    threads: int | None = None,
    backends=None,
    e2e: bool = True,
    log=lambda _line: None,
    device: str = "auto",
    on_part: RowCallback = no_rows,
) -> dict:
    """``{"rows", "skipped", "backend_info", "end_to_end"}`` for one preset, the torch backends on ``device``.

    Rows: ``{config, params, frames, batch, backend, median_ms, p90_ms, clips_per_s, poses_per_s, ...}``.
    ``threads``: intra-op threads of posynda's ONNX Runtime session (default: the physical cores).
    ``on_part`` gets that dict so far after every batch size's rows and every end-to-end row.
    """
    batches = tuple(batches or DEFAULT_BATCHES.get(config, (1, 8)))
    w_default, r_default = DEFAULT_REPEATS.get(config, (2, 10))
    warmup = w_default if warmup is None else warmup
    repeats = r_default if repeats is None else repeats
    prep = Prepared(config, batches, threads, device)
    part = {"rows": [], "skipped": {}, "backend_info": prep.info, "end_to_end": []}
    try:
        makers, part["skipped"] = _set_up(prep, tuple(backends or default_backends()), log)
        for batch in batches:
            part["rows"].extend(_batch_rows(prep, batch, makers, part["skipped"], warmup, repeats, log))
            on_part(part)
        if e2e:

            def add_end_to_end(row: dict) -> None:
                part["end_to_end"].append(row)
                on_part(part)

            end_to_end(prep, makers, part["skipped"], log=log, on_row=add_end_to_end)
    finally:
        prep.close()
    return part


def synthetic_sequence(frames: int = E2E_SECONDS * E2E_FPS, size: int = 1000, seed: int = 0) -> np.ndarray:
    """``[frames, 17, 2]`` pixel keypoints of a smoothly moving figure (shape only matters for timing)."""
    rng = np.random.default_rng(seed)
    base = rng.normal(0.0, 80.0, (17, 2)) + size / 2
    drift = np.cumsum(rng.normal(0.0, 1.0, (frames, 1, 2)), axis=0)
    return (base + drift + rng.normal(0.0, 2.0, (frames, 17, 2))).astype(np.float32)


class CountingBackend(Backend):
    """A runtime backend that counts the denoiser calls and clips it passes on to ``inner``."""

    def __init__(self, inner: Backend):
        super().__init__(inner.frames, inner.joints, inner.diffusion, inner.metadata)
        self.inner = inner
        self.name, self.device, self.max_batch, self.tensor_device = (
            inner.name,
            inner.device,
            inner.max_batch,
            inner.tensor_device,
        )
        self.calls = self.clips = 0

    def _run(self, keypoints_2d, noisy_3d, t):
        self.calls += 1
        self.clips += int(keypoints_2d.shape[0])
        return self.inner(keypoints_2d, noisy_3d, t)


def end_to_end(
    prep: Prepared, makers: dict, skipped: dict, log=lambda _line: None, on_row: RowCallback = no_rows
) -> list[dict]:
    """Wall time of ``Lifter.lift_keypoints`` on a 500-frame sequence per available runtime backend; ``on_row``
    gets each row when it is measured."""
    settings = SamplingSettings()
    keypoints = synthetic_sequence()
    warmup, repeats = E2E_REPEATS.get(prep.config, (1, 3))
    models = {"torch": prep.checkpoint}
    if "onnxruntime-cpu" in makers or "onnxruntime-cuda" in makers:
        models["onnxruntime"] = prep.onnx
    if "tensorrt-fp32" in prep.engines:
        models["tensorrt"] = prep.engines["tensorrt-fp32"]
    rows = []
    for backend, path in models.items():
        try:
            counted = CountingBackend(load_backend(path, threads=prep.threads))
        except Exception as exc:
            skipped[f"end-to-end/{backend}"] = _first_line(exc)
            continue
        lifter = Lifter(counted)

        def lift(lifter=lifter, counted=counted):
            counted.calls = counted.clips = 0  # the counts of one lift
            lifter.lift_keypoints(keypoints, (1000, 1000), settings=settings)

        stats = timing_stats(time_calls({"lift": lift}, warmup, repeats, prep.device)["lift"])
        wall = stats["median_ms"] / 1000
        row = {
            "config": prep.config,
            "backend": backend,
            "device": lifter.describe(),
            "frames": len(keypoints),
            "fps_of_sequence": E2E_FPS,
            "hypotheses": settings.hypotheses,
            "steps": settings.steps,
            "flip": settings.flip,
            "batch_size": settings.batch_size,
            "denoiser_calls": counted.calls,
            "clips_denoised": counted.clips,
            "wall_s": round(wall, 3),
            "frames_per_s": round(len(keypoints) / wall, 1),
            "realtime_factor": round(E2E_SECONDS / wall, 2),
            "repeats": stats["repeats"],
        }
        log(f"[latency] {prep.config} end to end on {row['device']}: {row['wall_s']} s, {row['denoiser_calls']} calls")
        rows.append(row)
        on_row(row)
    return rows


def run(
    configs=("tiny", "paper"),
    batches=None,
    repeats=None,
    threads: int | None = None,
    backends=None,
    warmup: int | None = None,
    e2e: bool = True,
    log=lambda _line: None,
    device: str = "auto",
    on_row: RowCallback = no_rows,
) -> dict:
    """Measure every config (the torch backends on ``device``); returns ``{"machine", "device", "settings",
    "rows", "skipped", "backend_info", "end_to_end", "seconds"}``.

    ``threads`` pins PyTorch's and ONNX Runtime's intra-op threads (e.g. 1 on a shared machine, where
    two OpenMP threads on two busy cores make PyTorch eager erratic); default: each library's default.
    ``backends``: names from :data:`LATENCY_BACKENDS` (default :func:`default_backends`); unknown
    names raise ``ValueError``. ``on_row`` gets the result so far after every batch size and end-to-end row.
    ``machine.peak_rss_mb``: the run's peak resident memory (:func:`posynda.bench.results.peak_rss_mb`).
    """
    backends = tuple(backends or default_backends())
    unknown = [b for b in backends if b not in LATENCY_BACKENDS]
    if unknown:
        raise ValueError(f"unknown backend(s) {unknown}; choose from {', '.join(LATENCY_BACKENDS)}")
    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    t_start = time.perf_counter()
    try:
        result = {
            "machine": {**machine_info(), "threads_pinned": threads},
            "device": resolve_device(device),
            "settings": {"backends": list(backends), "sigma_clip": SIGMA, "warmup": warmup, "repeats": repeats},
            "rows": [],
            "skipped": {},
            "backend_info": {},
            "end_to_end": [],
        }
        for config in configs:

            def so_far(part: dict, done: dict = result, config: str = config) -> None:
                on_row(_merged(done, config, part, t_start))

            part = measure_config(config, batches, warmup, repeats, threads, backends, e2e, log, device, so_far)
            result = _merged(result, config, part, t_start)
        for name in LATENCY_BACKENDS:
            if name not in backends:
                reason = COMPILE_OPT_IN if name == "torch-compile" else "not requested (--backends)"
                result["skipped"].setdefault(name, reason)
    finally:
        torch.set_num_threads(previous)
    result["machine"].update(load_average_1min_end=load_average(), peak_rss_mb=peak_rss_mb())
    result["seconds"] = round(time.perf_counter() - t_start, 1)
    return result


def _merged(result: dict, config: str, part: dict, t_start: float) -> dict:
    """``result`` with one config's ``part`` (:func:`measure_config`) added: its rows, end-to-end rows, skipped
    backends (an earlier config's reason stays) and backend info; the seconds so far and the peak RSS so far."""
    skipped = dict(result["skipped"])
    for name, reason in part["skipped"].items():
        skipped.setdefault(name, reason)
    return {
        **result,
        "machine": {**result["machine"], "peak_rss_mb": peak_rss_mb()},
        "rows": result["rows"] + part["rows"],
        "skipped": skipped,
        "backend_info": {**result["backend_info"], config: part["backend_info"]},
        "end_to_end": result["end_to_end"] + part["end_to_end"],
        "seconds": round(time.perf_counter() - t_start, 1),
    }


def markdown(result: dict) -> str:
    m = result["machine"]
    pinned = f"{m['threads_pinned']} (pinned, as PyTorch's)" if m.get("threads_pinned") else "physical cores"
    libs = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    device = f"CPU: {m['cpu']} ({m['physical_cores']} physical cores)" + (f"; GPU: {m['gpu']}" if m.get("gpu") else "")
    lines = [
        "# Denoiser latency per backend",
        "",
        f"{device}; {libs}, Python {m['python']}; torch threads {m['torch_threads']}; 1-min load average "
        f"{m.get('load_average_1min', '?')} at start, {m.get('load_average_1min_end', '?')} at end; peak RSS "
        f"{_megabytes(m.get('peak_rss_mb'))} (this process + its largest child). "
        "One denoiser forward with random weights; backends interleaved, median / p90 of the timed repeats "
        f"after warm-up and {result.get('settings', {}).get('sigma_clip', SIGMA)}-sigma clipping "
        "(`clipped`: samples dropped). "
        f"`onnxruntime-cpu`: posynda's session options (intra-op threads = {pinned}, inter-op 1, ORT_ENABLE_ALL); "
        "`onnxruntime-cpu-default-options`: a plain `SessionOptions()`. poses/s = clips/s x T.",
        "",
    ]
    headers = ["config", "params", "T", "batch", "backend", "median ms", "p90 ms", "clipped", "clips/s", "poses/s",
               "vs torch eager"]  # fmt: skip
    rows = []
    for r in result["rows"]:
        speedup = f"{r['speedup_vs_torch']:.2f}x" if r.get("speedup_vs_torch") else "-"
        compiled = f" (compile {r['compile_s']:.0f} s)" if r.get("compile_s") is not None else ""
        rows.append(
            [r["config"], f"{r['params']:,}", r["frames"], r["batch"], r["backend"] + compiled, f"{r['median_ms']:.1f}",
             f"{r['p90_ms']:.1f}", f"{r.get('clipped', 0)}/{r['repeats']}", f"{r['clips_per_s']:.1f}",
             f"{r['poses_per_s']:.0f}", speedup]
        )  # fmt: skip
    text = "\n".join(lines) + "\n" + markdown_table(headers, rows, align="lrrrlrrrrrr")
    end = result.get("end_to_end") or []
    if end:
        e = end[0]
        text += (
            f"\nEnd to end: `Lifter.lift_keypoints` of a {e['frames'] // e['fps_of_sequence']} s sequence at "
            f"{e['fps_of_sequence']} fps ({e['frames']} frames), H = {e['hypotheses']}, K = {e['steps']}"
            f"{', flip' if e['flip'] else ''}, up to {e['batch_size']} windows per call (runtime defaults); "
            "median wall time (windowing, sampling, aggregation, root solve included).\n\n"
        )
        text += markdown_table(
            ["config", "backend (device)", "denoiser calls", "clips denoised", "wall s", "frames/s", "x real time"],
            [
                [
                    r["config"],
                    r["device"],
                    r["denoiser_calls"],
                    r["clips_denoised"],
                    f"{r['wall_s']:.2f}",
                    f"{r['frames_per_s']:.0f}",
                    f"{r['realtime_factor']:.1f}",
                ]
                for r in end
            ],  # fmt: skip
            align="llrrrrr",
        )
    if result.get("skipped"):
        text += "\nSkipped:\n\n" + "".join(f"- `{name}`: {reason}\n" for name, reason in result["skipped"].items())
    return text


def _megabytes(value) -> str:
    """``"1,234 MB"`` of a peak RSS in MiB, ``"?"`` when not recorded."""
    return "?" if value is None else f"{value:,.0f} MB"
