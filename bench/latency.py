"""Denoiser latency on this machine: ONNX Runtime (CPU EP) vs PyTorch eager, per batch size.

    python -m posynda.bench.latency [--config tiny|paper|all] [--batches 1,8,32] [--threads N] [--out DIR]

One denoiser forward (``keypoints_2d [B,T,17,2], noisy_3d [B,T,17,3], t [B] -> x0``) of the preset
with random weights (latency does not depend on them), exported with posynda's exporter. ONNX
Runtime runs with the session options the runtime uses (``intra_op_num_threads`` = physical cores,
``inter_op_num_threads`` = 1, ``ORT_ENABLE_ALL``) and, for comparison, with default
``SessionOptions``; PyTorch eager runs under ``torch.inference_mode`` with its default thread count.
The backends are timed round-robin (one call each per repeat) so background load on a shared
machine hits them alike. Reported: median and p90 latency (ms), clips/s and frames/s
(clips x T per second), and the speed-up against PyTorch eager of the same batch. The ``paper``
preset (34.8 M parameters, 243 frames) takes seconds per forward on a CPU: it runs at batch 1 with
few repeats. Writes ``latency.json`` and ``latency.md`` into ``--out``; :func:`run` returns the dict.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from posynda.models import PRESETS, build_denoiser, count_parameters

DEFAULT_BATCHES = {"tiny": (1, 8, 32), "paper": (1,)}
# (warm-up, timed repeats) per preset
DEFAULT_REPEATS = {"tiny": (3, 30), "paper": (1, 3)}


def _time_interleaved(fns: dict, warmup: int, repeats: int) -> dict[str, list[float]]:
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


def _stats(times: list[float], batch: int, frames: int) -> dict:
    median = statistics.median(times)
    p90 = float(np.percentile(times, 90)) if len(times) > 1 else times[0]
    return {
        "median_ms": round(median, 3),
        "p90_ms": round(p90, 3),
        "clips_per_s": round(batch / (median / 1000.0), 2),
        "frames_per_s": round(batch * frames / (median / 1000.0), 1),
        "repeats": len(times),
    }


def measure_config(
    config: str, batches=None, warmup: int | None = None, repeats: int | None = None, threads: int | None = None
) -> list[dict]:
    """Rows ``{config, batch, backend, median_ms, p90_ms, clips_per_s, ...}`` for one preset.

    ``threads``: intra-op threads of both PyTorch and posynda's ONNX Runtime session (default: torch's
    default and the physical cores).
    """
    import onnxruntime as ort

    from posynda.export.onnx_export import denoiser_to_onnx, example_inputs, ort_session
    from posynda.runtime.backends import physical_cores

    cfg = PRESETS[config]
    batches = tuple(batches or DEFAULT_BATCHES.get(config, (1, 8)))
    w_default, r_default = DEFAULT_REPEATS.get(config, (2, 10))
    warmup = w_default if warmup is None else warmup
    repeats = r_default if repeats is None else repeats
    torch.manual_seed(0)
    model = build_denoiser(cfg).eval()
    params = count_parameters(model)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "denoiser.onnx"
        t0 = time.perf_counter()
        path.write_bytes(denoiser_to_onnx(model, cfg.frames, cfg.joints).SerializeToString())
        export_s = time.perf_counter() - t0
        sessions = {"onnxruntime": ort_session(str(path), threads=threads)}
        plain = ort.SessionOptions()
        sessions["onnxruntime-default-options"] = ort.InferenceSession(
            str(path), plain, providers=["CPUExecutionProvider"]
        )
        rows = []
        for batch in batches:
            kp, noisy, t = example_inputs(batch, cfg.frames, cfg.joints)
            feeds = {"keypoints_2d": kp.numpy(), "noisy_3d": noisy.numpy(), "t": t.numpy()}

            def torch_forward(args=(kp, noisy, t)):
                with torch.inference_mode():
                    model(*args)

            fns = {"torch-eager": torch_forward}
            for name, session in sessions.items():
                fns[name] = lambda s=session, f=feeds: s.run(["x0"], f)
            results = _time_interleaved(fns, warmup, repeats)
            base = statistics.median(results["torch-eager"])
            for backend, times in results.items():
                row = {"config": config, "params": params, "frames": cfg.frames, "batch": batch, "backend": backend}
                row.update(_stats(times, batch, cfg.frames))
                row["speedup_vs_torch"] = round(base / row["median_ms"], 2)
                if backend == "onnxruntime":
                    row["ort_intra_op_threads"] = threads or physical_cores()
                    row["provider"] = sessions[backend].get_providers()[0]
                rows.append(row)
        for row in rows:
            row["onnx_export_s"] = round(export_s, 2)
    return rows


def machine() -> dict:
    import onnxruntime as ort

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
        "load_average_1min_at_start": round(os.getloadavg()[0], 2),
        "physical_cores": physical_cores(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),  # as measured (run() restores its own setting after)
        "onnxruntime": ort.__version__,
        "python": platform.python_version(),
    }


def run(configs=("tiny", "paper"), batches=None, repeats=None, out_dir=None, threads: int | None = None) -> dict:
    """Measure every config; write ``latency.json`` / ``latency.md`` into ``out_dir`` when given.

    ``threads`` pins PyTorch's and ONNX Runtime's intra-op threads (e.g. 1 on a shared machine, where
    two OpenMP threads on two busy cores make PyTorch eager erratic); default: each library's default.
    """
    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        info = machine()
        rows = []
        for config in configs:
            rows.extend(measure_config(config, batches, repeats=repeats, threads=threads))
        result = {"machine": info, "rows": rows}
    finally:
        torch.set_num_threads(previous)
    result["machine"]["threads_pinned"] = threads
    result["machine"]["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "latency.json").write_text(json.dumps(result, indent=2) + "\n")
        (out / "latency.md").write_text(to_markdown(result))
    return result


def to_markdown(result: dict) -> str:
    m = result["machine"]
    pinned = f"{m['threads_pinned']} (pinned, as PyTorch's)" if m.get("threads_pinned") else "physical cores"
    lines = [
        "# Denoiser latency: ONNX Runtime CPU vs PyTorch eager",
        "",
        f"CPU: {m['cpu']} ({m['physical_cores']} physical cores); torch {m['torch']} ({m['torch_threads']} threads), "
        f"onnxruntime {m['onnxruntime']}, Python {m['python']}; 1-min load average "
        f"{m.get('load_average_1min_at_start', '?')} at start, {m.get('load_average_1min_at_end', '?')} at end. "
        "One denoiser forward; median / p90 over the timed repeats after warm-up, backends interleaved. "
        f"`onnxruntime`: posynda's session options (intra-op threads = {pinned}, inter-op 1, ORT_ENABLE_ALL); "
        "`onnxruntime-default-options`: a plain `SessionOptions()`.",
        "",
        "| config | params | T | batch | backend | median ms | p90 ms | clips/s | frames/s | vs torch |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['config']} | {r['params']:,} | {r['frames']} | {r['batch']} | {r['backend']} | {r['median_ms']:.1f} "
            f"| {r['p90_ms']:.1f} | {r['clips_per_s']:.1f} | {r['frames_per_s']:.0f} | {r['speedup_vs_torch']:.2f}x |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="all", help="tiny, paper, any preset name, or all (tiny + paper)")
    parser.add_argument("--batches", default=None, help="comma-separated batch sizes (default: per config)")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats (default: per config)")
    parser.add_argument("--threads", type=int, default=None, help="intra-op threads of both backends")
    parser.add_argument("--out", default=None, help="write latency.json and latency.md here")
    args = parser.parse_args(argv)
    configs = ("tiny", "paper") if args.config == "all" else tuple(args.config.split(","))
    unknown = [c for c in configs if c not in PRESETS]
    if unknown:
        parser.error(f"unknown config(s) {unknown}; choose from {', '.join(PRESETS)} or all")
    batches = tuple(int(b) for b in args.batches.split(",")) if args.batches else None
    result = run(configs, batches, args.repeats, args.out, args.threads)
    print(to_markdown(result))


if __name__ == "__main__":
    main()
