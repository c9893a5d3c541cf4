"""libposynda (the C library) against the Python runtime, and int8 against fp32, in one run on one machine.

    posynda bench engine [--sequences 6] [--repeats 5] [--threads N] [--quick] [--save]

For each model -- the shipped model (VideoPose ``cpu`` preset, trained), its int8 QDQ graph
(``posynda export --int8``, calibrated on embedded wild/train 2D) and the ``tiny`` MixSTE preset (random
weights: speed only) -- and each sampling setting, every embedded wild/test sequence is lifted

* **per sequence**: ``posynda.runtime.Lifter.lift_keypoints`` (ONNX Runtime from Python, the model
  loaded once, warmed) vs ``posynda_lift`` (libposynda through its C API; the tool times the lift
  inside the process, the model loaded once): median of ``repeats`` runs, summed over sequences;
* **per frame, streaming**: ``Lifter.stream`` vs ``posynda_stream_push``: p50 / p99 / max push time
  (a push that completes a window runs it; the others only buffer), and the Python stream's mean push
  against the C stream's window (the median of its pushes that ran a window: the model's work): the
  ``Py push / C window`` column is the Python stream's cost per frame over the C stream's per-window
  time -- at most 2 means the Python stream costs, per frame, no more than twice the model's work;

both with ``threads`` ONNX Runtime intra-op threads. MPJPE (root-relative, mm, against the labels --
scoring only) of the C library's lifts gives int8 vs fp32. Writes ``engine.json`` and ``engine.md``,
after every (model, setting) row as well (``on_row``).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from posynda.bench.latency_backends import Prepared
from posynda.bench.results import RowCallback, no_rows
from posynda.checkpoint import load_checkpoint
from posynda.data import load_clips
from posynda.defaults import default_clips_path, shipped_checkpoint
from posynda.environment import machine_info
from posynda.errors import InputError
from posynda.export.exporter import ExportOptions, run_export
from posynda.export.quantize import calibration_feeds, quantize_denoiser
from posynda.report import markdown_table
from posynda.runtime import Lifter, SamplingSettings

LIB = Path(__file__).resolve().parents[1] / "libposynda"
SETTINGS = {
    "H1 K1 flip": SamplingSettings(hypotheses=1, steps=1, aggregate="joint"),
    "H5 K5 flip joint": SamplingSettings(hypotheses=5, steps=5, aggregate="joint"),
}
FRAME_PERIOD_50FPS_MS = 20.0


def tool_path(name: str = "posynda_lift") -> Path:
    """A libposynda tool of the checkout's native build (``$POSYNDA_CPP_BUILD``, else libposynda/build)."""
    build = Path(os.environ.get("POSYNDA_CPP_BUILD", LIB / "build"))
    tool = build / "native" / name
    if not tool.is_file():
        raise InputError(f"libposynda is not built ({tool}): run libposynda/build.sh")
    return tool


def _c_run(tool, model, kp, cam, size, settings, threads, repeats, tmp, stream=False) -> tuple[dict, np.ndarray]:
    np.save(tmp / "kp.npy", kp.astype(np.float32))
    args = [str(tool), "--model", str(model), "--keypoints", str(tmp / "kp.npy"), "--size", str(size[0]), str(size[1])]
    args += ["--intrinsics", *[repr(float(v)) for v in cam], "-H", str(settings.hypotheses), "-K", str(settings.steps)]
    args += ["--aggregate", settings.aggregate, "--threads", str(threads), "--repeat", str(repeats), "--timing"]
    args += ["--out", str(tmp / "rel.npy")] + (["--stream"] if stream else [])
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"posynda_lift failed: {done.stderr.strip()}")
    return json.loads(done.stdout), np.load(tmp / "rel.npy")


def _python_seconds(lifter, kp, cam, size, settings, repeats) -> float:
    lifter.lift_keypoints(kp, size, cam, settings=settings)  # warm-up
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        lifter.lift_keypoints(kp, size, cam, settings=settings)
        runs.append(time.perf_counter() - t0)
    return float(np.median(runs))


def _python_push_ms(lifter, kp, cam, settings) -> np.ndarray:
    stream = lifter.stream(cam, settings=settings)
    times = []
    for frame in kp:
        t0 = time.perf_counter()
        stream.push(frame)
        times.append(time.perf_counter() - t0)
    stream.finish()
    return np.asarray(times) * 1000.0


def _mpjpe(rel_mm: np.ndarray, joints_3d: np.ndarray) -> float:
    truth = joints_3d - joints_3d[:, :1]
    return float(np.linalg.norm(rel_mm - truth, axis=-1).mean())


def models(tmp: Path, log) -> dict[str, Path]:
    """The shipped model's fp32 and int8 graphs and the tiny MixSTE preset's fp32 graph, in ``tmp``."""
    run_export(shipped_checkpoint(), tmp / "shipped", options=ExportOptions(), log=lambda _m: None)
    train = load_clips(default_clips_path("wild", "train")).without_3d()
    feeds = calibration_feeds(load_checkpoint(shipped_checkpoint()), train.select_sequences(list(range(0, 40, 8))))
    quantize_denoiser(tmp / "shipped" / "denoiser.onnx", tmp / "shipped_int8.onnx", feeds, tmp)
    tiny = Prepared("tiny", (1,), threads=None, device="cpu")
    (tmp / "tiny.onnx").write_bytes(tiny.onnx.read_bytes())
    tiny.close()
    log("exported: shipped fp32, shipped int8, tiny (random weights)")
    return {
        "shipped fp32": tmp / "shipped" / "denoiser.onnx",
        "shipped int8": tmp / "shipped_int8.onnx",
        "tiny fp32": tmp / "tiny.onnx",
    }


def run_engine(
    sequences: int = 6,
    repeats: int = 5,
    threads: int = 2,
    log=print,
    settings: tuple[str, ...] = tuple(SETTINGS),
    on_row: RowCallback = no_rows,
) -> dict:
    """Lift ``sequences`` embedded wild/test sequences with every model and each of ``settings`` (names of
    :data:`SETTINGS`) in Python and in C (module docstring); returns the ``engine.json`` content. ``on_row``
    gets the result so far after every row."""
    unknown = [name for name in settings if name not in SETTINGS]
    if unknown:
        raise InputError(f"bench engine: unknown settings {unknown}; choose from {', '.join(SETTINGS)}")
    tool = tool_path()
    clips = load_clips(default_clips_path("wild", "test"))
    ids = list(range(min(sequences, clips.num_sequences)))
    result = {
        "benchmark": "engine",
        "machine": machine_info(),
        "device": "cpu",
        "threads": threads,
        "repeats": repeats,
        "sequences": len(ids),
        "data": "embedded wild/test",
        "rows": [],
    }
    rows = result["rows"]
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for name, model in models(tmp, log).items():
            lifter = Lifter(model, threads=threads)
            for label in settings:
                sampling = SETTINGS[label]
                py_s = c_s = 0.0
                py_push, c_p50, c_p99, c_max, c_window, errors, frames = [], [], [], [], [], [], 0
                for s in ids:
                    seq = clips.select_sequences([s])
                    kp, cam, size = seq.keypoints_2d, seq.camera[0], tuple(int(v) for v in seq.image_size[0])
                    py_s += _python_seconds(lifter, kp, cam, size, sampling, repeats)
                    timing, rel = _c_run(tool, model, kp, cam, size, sampling, threads, repeats, tmp)
                    c_s += timing["seconds"]
                    errors.append(_mpjpe(rel, seq.joints_3d) * len(kp))
                    frames += len(kp)
                    py_push.append(_python_push_ms(lifter, kp, cam, sampling))
                    streamed, _ = _c_run(tool, model, kp, cam, size, sampling, threads, 1, tmp, stream=True)
                    c_p50.append(streamed["push_ms_p50"]), c_p99.append(streamed["push_ms_p99"])
                    c_max.append(streamed["push_ms_max"]), c_window.append(streamed["window_push_ms_median"])
                pushes = np.concatenate(py_push)
                row = {
                    "model": name,
                    "settings": label,
                    "frames": frames,
                    "python_s": round(py_s, 4),
                    "c_s": round(c_s, 4),
                    "speedup": round(py_s / c_s, 2),
                    "python_push_ms_p50": round(float(np.percentile(pushes, 50)), 3),
                    "python_push_ms_p99": round(float(np.percentile(pushes, 99)), 3),
                    "c_push_ms_p50": round(float(np.median(c_p50)), 3),
                    "c_push_ms_p99": round(float(np.max(c_p99)), 3),
                    "c_push_ms_max": round(float(np.max(c_max)), 3),
                    "python_push_ms_mean": round(float(pushes.mean()), 4),
                    "c_window_ms_median": round(float(np.median(c_window)), 3),
                    "python_push_per_c_window": round(float(pushes.mean() / max(np.median(c_window), 1e-9)), 2),
                    "mpjpe_mm": None if name.startswith("tiny") else round(sum(errors) / frames, 2),
                }
                rows.append(row)
                on_row(result)
                log(f"{name} | {label}: Python {py_s:.3f} s, C {c_s:.3f} s ({row['speedup']}x); "
                    f"push p99 Python {row['python_push_ms_p99']} ms, C {row['c_push_ms_p99']} ms")  # fmt: skip
    return result


def markdown(result: dict) -> str:
    rows = result["rows"]
    table = markdown_table(
        ["model", "settings", "frames", "Python s", "C s", "C speed-up", "push p50 Py / C ms", "push p99 Py / C ms",
         "C push max ms", "Py push mean ms", "C window ms", "Py push / C window", "MPJPE mm (C)"],
        [[r["model"], r["settings"], r["frames"], r["python_s"], r["c_s"], f"{r['speedup']}x",
          f"{r['python_push_ms_p50']} / {r['c_push_ms_p50']}", f"{r['python_push_ms_p99']} / {r['c_push_ms_p99']}",
          r["c_push_ms_max"], r.get("python_push_ms_mean", "-"), r.get("c_window_ms_median", "-"),
          f"{r['python_push_per_c_window']}x" if "python_push_per_c_window" in r else "-",
          "-" if r["mpjpe_mm"] is None else r["mpjpe_mm"]] for r in rows],
    )  # fmt: skip
    by = {(r["model"], r["settings"]): r for r in rows}
    lines = [
        "# libposynda vs the Python runtime; int8 vs fp32",
        "",
        f"{result['sequences']} sequences of {result['data']}, ONNX Runtime with {result['threads']} intra-op threads "
        f"in both, median of {result['repeats']} runs per sequence (summed), the model loaded once. Streaming: "
        "per-frame push time (a push completing a window runs it); one frame at 50 fps is "
        f"{FRAME_PERIOD_50FPS_MS:.0f} ms.",
        "",
        table,
        "",
    ]
    for label in SETTINGS:
        fp32, int8 = by.get(("shipped fp32", label)), by.get(("shipped int8", label))
        if fp32 and int8:
            lines.append(
                f"- {label}: int8 {int8['mpjpe_mm']} vs fp32 {fp32['mpjpe_mm']} mm MPJPE "
                f"({int8['mpjpe_mm'] - fp32['mpjpe_mm']:+.2f} mm), "
                f"C lift {fp32['c_s'] / int8['c_s']:.2f}x faster in int8"
            )
    m = result["machine"]
    lines += ["", f"Machine: {m.get('cpu', '?')}, {m.get('physical_cores', '?')} cores; {m.get('platform', '')}"]
    return "\n".join(lines) + "\n"
