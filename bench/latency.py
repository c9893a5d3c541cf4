"""Denoiser latency per backend and batch size, and the end-to-end cost of a ``Lifter``.

    posynda bench latency [--config tiny,paper] [--backends torch-eager,onnxruntime-cpu,...] [--batch 1,8,32]
    python -m posynda.bench.latency [--config tiny|paper|all] [--batches 1,8,32] [--threads N] [--out DIR]

**Denoiser calls.** One forward (``keypoints_2d [B,T,17,2], noisy_3d [B,T,17,3], t [B] -> x0``) of the
preset with random weights (latency does not depend on them), on every backend of :data:`BACKENDS`
that this machine can run; the others are listed with the reason they were skipped:

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
- ``tensorrt-fp32`` / ``tensorrt-fp16``: engines built by :func:`posynda.export.tensorrt.build_engine`
  (fp16 from the fp16 ONNX graph with fp32 I/O) with the batch profile (1, max, max) and run by its
  ``EngineRunner`` on device tensors.

The backends are timed round-robin (one call each per repeat) after a warm-up, so background load on
a shared machine hits them alike; the samples are **sigma-clipped** (:func:`sigma_clip`: samples
further than 3 standard deviations from the median are dropped, iteratively) before the median, p90,
clips/s and poses/s (= frames/s: clips x T per second) are taken. ``vs torch`` is the speed-up against
``torch-eager`` of the same batch.

**End to end.** :func:`end_to_end` lifts a 10 s sequence at 50 fps (500 frames of synthetic 2D
keypoints) with :class:`posynda.runtime.Lifter` and the default ``SamplingSettings`` (H = 1, K = 1,
flip, batch 64 windows per call) on the ``torch`` and ``onnxruntime`` backends (and ``tensorrt`` when
an engine was built), counting the denoiser calls: wall time, frames/s, calls.

The ``paper`` preset (34.8 M parameters, 243 frames) takes seconds per forward on a CPU: it runs at
batch 1 with few repeats. :func:`run` writes ``latency.json`` and ``latency.md`` into ``out_dir``
and returns the dict (``machine``, ``rows``, ``skipped``, ``end_to_end``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from posynda.devices import resolve_device
from posynda.models import PRESETS, build_denoiser, count_parameters

BACKENDS = (
    "torch-eager",
    "torch-compile",
    "onnxruntime-cpu",
    "onnxruntime-cpu-default-options",
    "onnxruntime-cuda",
    "tensorrt-fp32",
    "tensorrt-fp16",
)
REFERENCE = "torch-eager"
DEFAULT_BATCHES = {"tiny": (1, 8, 32), "paper": (1,)}
# (warm-up, timed repeats) per preset
DEFAULT_REPEATS = {"tiny": (3, 30), "paper": (1, 3)}
# (warm-up, timed repeats) of the end-to-end lift per preset
E2E_REPEATS = {"tiny": (1, 3), "paper": (0, 1)}
E2E_SECONDS, E2E_FPS = 10, 50
SIGMA = 3.0
COMPILE_OPT_IN = "opt-in on a CPU (inductor compiles for about a minute per batch size); pass it in --backends"


def default_backends() -> tuple[str, ...]:
    """Every backend, except ``torch-compile`` without CUDA (there it is opt-in)."""
    if torch.cuda.is_available():
        return BACKENDS
    return tuple(b for b in BACKENDS if b != "torch-compile")


def sigma_clip(samples, sigma: float = SIGMA, max_iter: int = 10, min_keep: int = 3) -> np.ndarray:
    """``samples`` without outliers: iteratively drop those further than ``sigma`` standard
    deviations (of the samples still kept) from their median, until none is dropped; never keeps
    fewer than ``min_keep`` (then the last set is returned unchanged)."""
    x = np.asarray(samples, dtype=np.float64).ravel()
    for _ in range(max_iter):
        std = float(x.std())
        if len(x) <= min_keep or std == 0.0:
            break
        keep = np.abs(x - np.median(x)) <= sigma * std
        if keep.all() or int(keep.sum()) < min_keep:
            break
        x = x[keep]
    return x


def time_interleaved(fns: dict, warmup: int, repeats: int) -> dict[str, list[float]]:
    """Time every callable ``repeats`` times, round-robin, after ``warmup`` calls each: on a shared
    machine a burst of background load then hits every backend alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t0) * 1000.0)
    return times


def timing_stats(times: list[float], batch: int, frames: int) -> dict:
    """Sigma-clipped median / p90 (ms) of ``times`` and the throughput of ``batch`` clips of ``frames`` frames."""
    kept = sigma_clip(times)
    median = float(np.median(kept))
    p90 = float(np.percentile(kept, 90)) if len(kept) > 1 else median
    return {
        "median_ms": round(median, 3),
        "p90_ms": round(p90, 3),
        "mean_ms": round(float(kept.mean()), 3),
        "std_ms": round(float(kept.std()), 3),
        "clips_per_s": round(batch / (median / 1000.0), 2),
        "poses_per_s": round(batch * frames / (median / 1000.0), 1),
        "frames_per_s": round(batch * frames / (median / 1000.0), 1),
        "repeats": len(times),
        "clipped": len(times) - len(kept),
    }


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}".strip(": ")


def _cuda_sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


class _Prepared:
    """A model, its exported graphs and the sessions/engines of the requested backends."""

    def __init__(self, config: str, tmp: Path, backends, batches, threads: int | None, log):
        from posynda.checkpoint import load_checkpoint, save_checkpoint
        from posynda.diffusion import SchedulerConfig
        from posynda.export import onnx_export as ox
        from posynda.export.metadata import runtime_metadata

        self.config, self.cfg, self.tmp, self.threads, self.log = config, PRESETS[config], tmp, threads, log
        self.batches = tuple(batches)
        torch.manual_seed(0)
        self.model = build_denoiser(self.cfg).eval()
        self.params = count_parameters(self.model)
        self.device = resolve_device("auto")
        self.checkpoint = save_checkpoint(tmp / "model.safetensors", self.model, self.cfg, SchedulerConfig())
        meta = runtime_metadata(load_checkpoint(self.checkpoint))
        self.onnx = tmp / "denoiser.onnx"
        t0 = time.perf_counter()
        proto = ox.denoiser_to_onnx(self.model, self.cfg.frames, self.cfg.joints)
        ox.set_metadata(proto, {**meta, "graph": "denoiser", "opset": str(ox.DEFAULT_OPSET), "precision": "fp32"})
        self.onnx.write_bytes(proto.SerializeToString())
        self.export_s = round(time.perf_counter() - t0, 2)
        self.meta = meta
        self.skipped: dict[str, str] = {}
        self.info: dict[str, dict] = {}
        self.runners: dict = {}  # backend -> make(batch, inputs) -> a timed callable
        self.engines: dict[str, Path] = {}
        for backend in backends:
            try:
                reason = getattr(self, "_setup_" + backend.replace("-", "_"))()
            except Exception as exc:  # a backend that fails to set up is reported, not fatal
                reason = f"setup failed: {_first_line(exc)}"
            if reason:
                self.skipped[backend] = reason
                log(f"[latency] {config}: {backend} skipped: {reason}")

    # ---- backends: each returns None (ready) or the reason it is skipped
    def _torch_call(self, module, inputs):
        """One inference call of ``module`` on ``inputs`` moved to the device, synchronised on CUDA."""
        args = tuple(x.to(self.device) for x in inputs)

        def fn():
            with torch.inference_mode():
                module(*args)
            if self.device == "cuda":
                _cuda_sync()

        return fn

    def _setup_torch_eager(self):
        model = self.model.to(self.device)
        self.info["torch-eager"] = {"device": self.device, "torch_threads": torch.get_num_threads()}
        self.runners["torch-eager"] = lambda batch, inputs: self._torch_call(model, inputs)

    def _setup_torch_compile(self):
        if importlib.util.find_spec("torch._inductor") is None:
            return "torch._inductor is not available in this PyTorch build"
        compiled = torch.compile(self.model.to(self.device))
        self.info["torch-compile"] = {"device": self.device, "mode": "default", "compile_s": {}}

        def make(batch, inputs):
            fn = self._torch_call(compiled, inputs)
            t0 = time.perf_counter()
            fn()  # compiles for this batch size
            self.info["torch-compile"]["compile_s"][str(batch)] = round(time.perf_counter() - t0, 2)
            return fn

        self.runners["torch-compile"] = make

    def _ort_runner(self, name: str, session):
        def make(batch, inputs):
            feeds = {k: v.numpy() for k, v in zip(("keypoints_2d", "noisy_3d", "t"), inputs)}
            return lambda: session.run(["x0"], feeds)

        self.runners[name] = make

    def _setup_onnxruntime_cpu(self):
        if importlib.util.find_spec("onnxruntime") is None:
            return "onnxruntime is not installed (pip install 'posynda[export]')"
        from posynda.export.onnx_export import DEFAULT_OPSET, ort_session
        from posynda.runtime.backends import physical_cores

        session = ort_session(str(self.onnx), threads=self.threads)
        self.info["onnxruntime-cpu"] = {
            "provider": session.get_providers()[0],
            "intra_op_threads": self.threads or physical_cores(),
            "inter_op_threads": 1,
            "graph_optimization_level": "ORT_ENABLE_ALL",
            "opset": DEFAULT_OPSET,
        }
        self._ort_runner("onnxruntime-cpu", session)

    def _setup_onnxruntime_cpu_default_options(self):
        if importlib.util.find_spec("onnxruntime") is None:
            return "onnxruntime is not installed (pip install 'posynda[export]')"
        import onnxruntime as ort

        session = ort.InferenceSession(str(self.onnx), ort.SessionOptions(), providers=["CPUExecutionProvider"])
        self.info["onnxruntime-cpu-default-options"] = {"provider": session.get_providers()[0]}
        self._ort_runner("onnxruntime-cpu-default-options", session)

    def _setup_onnxruntime_cuda(self):
        if importlib.util.find_spec("onnxruntime") is None:
            return "onnxruntime is not installed (pip install 'posynda[gpu]')"
        import warnings

        import onnxruntime as ort

        from posynda.export.onnx_export import ort_session

        available = ort.get_available_providers()
        if "CUDAExecutionProvider" not in available:
            return f"this onnxruntime build has no CUDAExecutionProvider (providers: {', '.join(available)})"
        if not torch.cuda.is_available():
            return "no CUDA device visible to PyTorch (needed for the CUDA EP's libraries)"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            session = ort_session(str(self.onnx), providers=("CUDAExecutionProvider", "CPUExecutionProvider"))
        used = session.get_providers()
        if used[0] != "CUDAExecutionProvider":
            return f"ONNX Runtime fell back to {used[0]} (CUDA EP did not load: check CUDA / cuDNN versions)"
        self.info["onnxruntime-cuda"] = {"provider": used[0], "providers": used, "io": "host numpy (copies timed)"}
        self._ort_runner("onnxruntime-cuda", session)

    def _setup_tensorrt(self, precision: str):
        from posynda.export import tensorrt as trt_export

        reason = trt_export.unavailable_reason()
        if reason:
            return reason
        if not torch.cuda.is_available():
            return "no CUDA device visible to PyTorch (the engine runner uses torch device buffers)"
        from posynda.export import onnx_export as ox

        source = self.onnx
        if precision == "fp16":
            proto = ox.denoiser_to_onnx(self.model.cpu(), self.cfg.frames, self.cfg.joints, fp16=True)
            source = self.tmp / "denoiser_fp16.onnx"
            source.write_bytes(proto.SerializeToString())
            self.model.to(self.device)
        engine = self.tmp / f"denoiser_{precision}.engine"
        top = max(self.batches)
        t0 = time.perf_counter()
        sidecar = trt_export.build_engine(
            source,
            engine,
            batch=(1, top, top),
            frames=self.cfg.frames,
            joints=self.cfg.joints,
            fp16=precision == "fp16",
            metadata={**self.meta, "graph": "denoiser", "precision": precision},
            timing_cache=self.tmp / "timing.cache",
        )
        runner = trt_export.EngineRunner(engine)
        name = f"tensorrt-{precision}"
        self.engines[name] = engine
        self.info[name] = {
            "gpu": sidecar.get("gpu_name"),
            "tensorrt": sidecar.get("tensorrt_version"),
            "precision": sidecar["precision"],
            "fp16_via": sidecar.get("fp16_via"),
            "profile_batch": [1, top, top],
            "build_s": round(time.perf_counter() - t0, 1),
        }

        def make(batch, inputs):
            args = tuple(x.cuda() for x in inputs)
            return lambda: runner(*args)

        self.runners[name] = make

    def _setup_tensorrt_fp32(self):
        return self._setup_tensorrt("fp32")

    def _setup_tensorrt_fp16(self):
        return self._setup_tensorrt("fp16")


def measure_config(
    config: str,
    batches=None,
    warmup: int | None = None,
    repeats: int | None = None,
    threads: int | None = None,
    backends=None,
    e2e: bool = True,
    log=lambda _line: None,
) -> dict:
    """``{"rows", "skipped", "backend_info", "end_to_end"}`` for one preset.

    Rows: ``{config, params, frames, batch, backend, median_ms, p90_ms, clips_per_s, poses_per_s, ...}``.
    ``threads``: intra-op threads of posynda's ONNX Runtime session (default: the physical cores).
    """
    from posynda.export.onnx_export import example_inputs

    cfg = PRESETS[config]
    batches = tuple(batches or DEFAULT_BATCHES.get(config, (1, 8)))
    w_default, r_default = DEFAULT_REPEATS.get(config, (2, 10))
    warmup = w_default if warmup is None else warmup
    repeats = r_default if repeats is None else repeats
    backends = tuple(backends or default_backends())
    with tempfile.TemporaryDirectory() as tmp:
        prep = _Prepared(config, Path(tmp), backends, batches, threads, log)
        rows = []
        for batch in batches:
            inputs = example_inputs(batch, cfg.frames, cfg.joints)
            fns = {}
            for name, make in prep.runners.items():
                try:
                    fns[name] = make(batch, inputs)
                except Exception as exc:  # e.g. torch.compile without a C++ compiler
                    prep.skipped[name] = f"batch {batch}: {_first_line(exc)}"
                    log(f"[latency] {config}: {name} skipped: {prep.skipped[name]}")
            for name in list(prep.runners):
                if name in prep.skipped:
                    prep.runners.pop(name)
                    fns.pop(name, None)
            log(f"[latency] {config} batch {batch}: {', '.join(fns)} x {repeats} repeats after {warmup} warm-up")
            results = time_interleaved(fns, warmup, repeats)
            base = None
            for backend, times in results.items():
                row = {"config": config, "params": prep.params, "frames": cfg.frames, "batch": batch}
                row["backend"] = backend
                row.update(timing_stats(times, batch, cfg.frames))
                if backend == REFERENCE:
                    base = row["median_ms"]
                compile_s = prep.info.get(backend, {}).get("compile_s", {}).get(str(batch))
                if compile_s is not None:
                    row["compile_s"] = compile_s
                rows.append(row)
            for row in rows:
                if row["batch"] == batch:
                    row["speedup_vs_torch"] = round(base / row["median_ms"], 2) if base else None
        for row in rows:
            row["onnx_export_s"] = prep.export_s
        end = end_to_end(prep, log=log) if e2e else []
        return {"rows": rows, "skipped": prep.skipped, "backend_info": prep.info, "end_to_end": end}


def synthetic_sequence(frames: int = E2E_SECONDS * E2E_FPS, size: int = 1000, seed: int = 0) -> np.ndarray:
    """``[frames, 17, 2]`` pixel keypoints of a smoothly moving figure (shape only matters for timing)."""
    rng = np.random.default_rng(seed)
    base = rng.normal(0.0, 80.0, (17, 2)) + size / 2
    drift = np.cumsum(rng.normal(0.0, 1.0, (frames, 1, 2)), axis=0)
    return (base + drift + rng.normal(0.0, 2.0, (frames, 17, 2))).astype(np.float32)


def end_to_end(prep: _Prepared, log=lambda _line: None) -> list[dict]:
    """Wall time of ``Lifter.lift_keypoints`` on a 500-frame sequence per available backend."""
    from posynda.evaluate import SamplingSettings
    from posynda.runtime import Lifter
    from posynda.runtime.backends import load_backend

    settings = SamplingSettings()
    keypoints = synthetic_sequence()
    warmup, repeats = E2E_REPEATS.get(prep.config, (1, 3))
    models = {"torch": prep.checkpoint}
    if "onnxruntime-cpu" in prep.runners or "onnxruntime-cuda" in prep.runners:
        models["onnxruntime"] = prep.onnx
    if "tensorrt-fp32" in prep.engines:
        models["tensorrt"] = prep.engines["tensorrt-fp32"]
    rows = []
    for backend, path in models.items():
        try:
            b = load_backend(path, backend, threads=prep.threads)
        except Exception as exc:
            prep.skipped[f"end-to-end/{backend}"] = _first_line(exc)
            continue
        calls, clips = [0], [0]
        run_inner = b._run

        def counting(kp, noisy, t, run_inner=run_inner, calls=calls, clips=clips):
            calls[0] += 1
            clips[0] += int(kp.shape[0])
            return run_inner(kp, noisy, t)

        b._run = counting
        lifter = Lifter(b)
        seconds = []
        for i in range(warmup + repeats):
            calls[0] = clips[0] = 0
            t0 = time.perf_counter()
            lifter.lift_keypoints(keypoints, (1000, 1000), settings=settings)
            if i >= warmup:
                seconds.append(time.perf_counter() - t0)
        wall = statistics.median(seconds)
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
            "denoiser_calls": calls[0],
            "clips_denoised": clips[0],
            "wall_s": round(wall, 3),
            "frames_per_s": round(len(keypoints) / wall, 1),
            "realtime_factor": round(E2E_SECONDS / wall, 2),
            "repeats": len(seconds),
        }
        log(f"[latency] {prep.config} end to end on {row['device']}: {row['wall_s']} s, {row['denoiser_calls']} calls")
        rows.append(row)
    return rows


def _version(module: str) -> str | None:
    if importlib.util.find_spec(module) is None:
        return None
    try:
        return str(__import__(module).__version__)
    except Exception:  # a broken install: report it as absent
        return None


def machine() -> dict:
    from posynda.runtime.backends import physical_cores

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "load_average_1min_at_start": round(os.getloadavg()[0], 2),
        "physical_cores": physical_cores(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),  # as measured (run() restores its own setting after)
        "onnxruntime": _version("onnxruntime"),
        "onnx": _version("onnx"),
        "tensorrt": _version("tensorrt"),
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def run(
    configs=("tiny", "paper"),
    batches=None,
    repeats=None,
    out_dir=None,
    threads: int | None = None,
    backends=None,
    warmup: int | None = None,
    e2e: bool = True,
    log=lambda _line: None,
) -> dict:
    """Measure every config; write ``latency.json`` / ``latency.md`` into ``out_dir`` when given.

    ``threads`` pins PyTorch's and ONNX Runtime's intra-op threads (e.g. 1 on a shared machine, where
    two OpenMP threads on two busy cores make PyTorch eager erratic); default: each library's default.
    ``backends``: names from :data:`BACKENDS` (default :func:`default_backends`); unknown names raise
    ``ValueError``.
    """
    backends = tuple(backends or default_backends())
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        raise ValueError(f"unknown backend(s) {unknown}; choose from {', '.join(BACKENDS)}")
    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    t_start = time.perf_counter()
    try:
        info = machine()
        rows, end, skipped, backend_info = [], [], {}, {}
        for config in configs:
            part = measure_config(config, batches, warmup, repeats, threads, backends, e2e, log)
            rows.extend(part["rows"])
            end.extend(part["end_to_end"])
            for name, reason in part["skipped"].items():
                skipped.setdefault(name, reason)
            backend_info[config] = part["backend_info"]
        for name in BACKENDS:
            if name not in backends:
                skipped.setdefault(name, COMPILE_OPT_IN if name == "torch-compile" else "not requested (--backends)")
        result = {
            "machine": info,
            "settings": {"backends": list(backends), "sigma_clip": SIGMA, "warmup": warmup, "repeats": repeats},
            "rows": rows,
            "skipped": skipped,
            "backend_info": backend_info,
            "end_to_end": end,
        }
    finally:
        torch.set_num_threads(previous)
    result["machine"]["threads_pinned"] = threads
    result["machine"]["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    result["seconds"] = round(time.perf_counter() - t_start, 1)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "latency.json").write_text(json.dumps(result, indent=2) + "\n")
        (out / "latency.md").write_text(to_markdown(result))
    return result


def to_markdown(result: dict) -> str:
    m = result["machine"]
    pinned = f"{m['threads_pinned']} (pinned, as PyTorch's)" if m.get("threads_pinned") else "physical cores"
    libs = ", ".join(f"{k} {m[k]}" for k in ("torch", "onnxruntime", "onnx", "tensorrt", "numpy") if m.get(k))
    device = f"CPU: {m['cpu']} ({m['physical_cores']} physical cores)" + (f"; GPU: {m['gpu']}" if m.get("gpu") else "")
    lines = [
        "# Denoiser latency per backend",
        "",
        f"{device}; {libs}, Python {m['python']}; torch threads {m['torch_threads']}; 1-min load average "
        f"{m.get('load_average_1min_at_start', '?')} at start, {m.get('load_average_1min_at_end', '?')} at end. "
        "One denoiser forward with random weights; backends interleaved, median / p90 of the timed repeats "
        f"after warm-up and {result.get('settings', {}).get('sigma_clip', SIGMA)}-sigma clipping "
        "(`clipped`: samples dropped). "
        f"`onnxruntime-cpu`: posynda's session options (intra-op threads = {pinned}, inter-op 1, ORT_ENABLE_ALL); "
        "`onnxruntime-cpu-default-options`: a plain `SessionOptions()`. poses/s = clips/s x T.",
        "",
        "| config | params | T | batch | backend | median ms | p90 ms | clipped | clips/s | poses/s | vs torch eager |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        speedup = f"{r['speedup_vs_torch']:.2f}x" if r.get("speedup_vs_torch") else "-"
        compiled = f" (compile {r['compile_s']:.0f} s)" if r.get("compile_s") is not None else ""
        lines.append(
            f"| {r['config']} | {r['params']:,} | {r['frames']} | {r['batch']} | {r['backend']}{compiled} "
            f"| {r['median_ms']:.1f} | {r['p90_ms']:.1f} | {r.get('clipped', 0)}/{r['repeats']} "
            f"| {r['clips_per_s']:.1f} | {r.get('poses_per_s', r['frames_per_s']):.0f} | {speedup} |"
        )
    end = result.get("end_to_end") or []
    if end:
        e = end[0]
        lines += [
            "",
            f"End to end: `Lifter.lift_keypoints` of a {e['frames'] // e['fps_of_sequence']} s sequence at "
            f"{e['fps_of_sequence']} fps ({e['frames']} frames), H = {e['hypotheses']}, K = {e['steps']}"
            f"{', flip' if e['flip'] else ''}, up to {e['batch_size']} windows per call (runtime defaults); "
            "median wall time (windowing, sampling, aggregation, root solve included).",
            "",
            "| config | backend (device) | denoiser calls | clips denoised | wall s | frames/s | x real time |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for r in end:
            lines.append(
                f"| {r['config']} | {r['device']} | {r['denoiser_calls']} | {r['clips_denoised']} | {r['wall_s']:.2f} "
                f"| {r['frames_per_s']:.0f} | {r['realtime_factor']:.1f} |"
            )
    if result.get("skipped"):
        lines += ["", "Skipped:", ""]
        lines += [f"- `{name}`: {reason}" for name, reason in result["skipped"].items()]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="all", help="tiny, paper, any preset name, or all (tiny + paper)")
    parser.add_argument("--batches", default=None, help="comma-separated batch sizes (default: per config)")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats (default: per config)")
    parser.add_argument("--threads", type=int, default=None, help="intra-op threads of both backends")
    parser.add_argument("--backends", default=None, help=f"comma-separated, from {', '.join(BACKENDS)}")
    parser.add_argument("--out", default=None, help="write latency.json and latency.md here")
    args = parser.parse_args(argv)
    configs = ("tiny", "paper") if args.config == "all" else tuple(args.config.split(","))
    unknown = [c for c in configs if c not in PRESETS]
    if unknown:
        parser.error(f"unknown config(s) {unknown}; choose from {', '.join(PRESETS)} or all")
    batches = tuple(int(b) for b in args.batches.split(",")) if args.batches else None
    backends = tuple(args.backends.split(",")) if args.backends else None
    result = run(configs, batches, args.repeats, args.out, args.threads, backends, log=print)
    print(to_markdown(result))


if __name__ == "__main__":
    main()
