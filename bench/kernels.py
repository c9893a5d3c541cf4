"""reproject_select: the fused Triton kernel vs the PyTorch reference vs torch.compile of the reference.

    posynda bench kernels [--quick] [--compile/--no-compile] [--threads T] [--out DIR] [--save]

For N frames x H hypotheses x J = 17 joints (mode "joint", fp32 hypotheses, per-frame distorted
intrinsics, float confidences, ~5 % missing keypoints, translation solved): the median time of a
call (:func:`posynda.bench.timing.time_calls`: CUDA events on a GPU after warm-up and autotuning;
perf_counter on a CPU; the number of repeats sized by a second, steady-state call, so compilation and
autotuning never decide it), the effective
bandwidth (each input read once + each output written once, from the dtypes and shapes) and its
share of the device's copy bandwidth, measured in the same run (a large device-to-device
``.copy_()``: 2 x bytes / time).

Without CUDA the Triton rows are skipped (the interpreter is for correctness only), and calls whose
time, extrapolated from the smaller sizes, exceeds ``--max-call-s`` are skipped with that reason,
so a full CPU run stays within a few minutes.
"""

from __future__ import annotations

import time

import torch

from posynda.bench.results import RowCallback, no_rows
from posynda.bench.timing import time_calls, timing_stats
from posynda.devices import resolve_device
from posynda.environment import cpu_model, load_average, machine_info
from posynda.hypotheses import reproject_select, reproject_select_reference, resolve_backend
from posynda.report import markdown_table

SIZES = (1_024, 16_384, 262_144)
QUICK_SIZES = (1_024, 16_384)
HYPOTHESES = (1, 3, 5, 20)
JOINTS = 17
K_H36M = (1145.0, 1143.8, 512.5, 515.4, -0.207, 0.247, -0.003, -0.0009, -0.0012)
NO_CUDA = "no CUDA device: Triton kernels need an NVIDIA GPU; the interpreter is for correctness only"
NO_TRITON = "triton is not installed (pip install 'posynda[gpu]')"
COMPILE_OFF_CPU = (
    "off on CPU by default: compiling the reference took ~1 min on the 2-core machine and ran no faster "
    "than eager (measured at N=16k, H=20); pass --compile to include it"
)


def make_inputs(n: int, h: int, j: int = JOINTS, device="cpu", seed: int = 0) -> dict:
    """Plausible inputs: people 3-6 m in front of H36M-like cameras, hypotheses a few cm apart (metres)."""
    g = torch.Generator().manual_seed(seed)
    truth = torch.randn(n, j, 3, generator=g) * 0.25
    truth[:, 0] = 0
    root = torch.stack([torch.rand(n, generator=g) - 0.5, torch.rand(n, generator=g) * 0.6 - 0.3,
                        3 + 3 * torch.rand(n, generator=g)], -1)  # fmt: skip
    cam = torch.tensor(K_H36M).repeat(n, 1)
    cam[:, :2] *= 0.9 + 0.2 * torch.rand(n, 1, generator=g)
    points = truth + root[:, None]
    xy = points[..., :2] / points[..., 2:]
    r2 = (xy * xy).sum(-1, keepdim=True)
    k, p = cam[:, None, 4:7], cam[:, None, 7:9]
    radial = 1 + k[..., :1] * r2 + k[..., 1:2] * r2**2 + k[..., 2:3] * r2**3
    kp = cam[:, None, :2] * (xy * (radial + (p * xy).sum(-1, keepdim=True)) + p * r2) + cam[:, None, 2:4]
    kp = kp + torch.randn(kp.shape, generator=g) * 2.0
    kp[torch.rand(n, j, generator=g) < 0.05] = float("nan")
    hyp = truth[:, None] + torch.randn(n, h, j, 3, generator=g) * 0.04
    hyp[:, :, 0] = 0
    mask = torch.rand(n, j, generator=g)
    return {k: v.to(device) for k, v in dict(hypotheses=hyp, keypoints_2d=kp, intrinsics=cam, mask=mask).items()}


def io_bytes(n: int, h: int, j: int = JOINTS, mode: str = "joint", hyp_itemsize: int = 4) -> int:
    """Bytes a perfect kernel moves: every input read once, every output written once."""
    inputs = n * h * j * 3 * hyp_itemsize + n * j * 2 * 4 + n * 9 * 4 + n * j * 4  # hyp, kp, intrinsics, mask
    index = {"joint": n * j * 8, "frame": n * 8, "mean": 0}[mode]
    outputs = n * j * 3 * hyp_itemsize + index + n * h * j * 4 + n * h * 3 * 4  # selected, index, error, t
    return inputs + outputs


COMPILE_OFF_GPU = "opt-in (--compile): inductor compiles once per shape, minutes for the whole grid"


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def copy_bandwidth(device: torch.device, quick: bool = False) -> dict:
    """Device-to-device ``dst.copy_(src)`` of a large fp32 tensor: GB/s = 2 x bytes / median time."""
    size_mib = 256 if device.type == "cuda" else 64 if quick else 128  # well above the last-level cache
    numel = size_mib * 2**20 // 4
    src = torch.ones(numel, dtype=torch.float32, device=device)
    dst = torch.empty_like(src)
    times = time_calls({"copy": lambda: dst.copy_(src)}, 3, 50 if device.type == "cuda" else 10, device)["copy"]
    seconds = timing_stats(times)["median_ms"] / 1000
    return {"bytes": 2 * numel * 4, "median_ms": seconds * 1000, "gbs": 2 * numel * 4 / seconds / 1e9}


def device_name(device: torch.device) -> str:
    """The GPU's name for a CUDA device, else the CPU model."""
    return torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_model()


def _backend_fns(device: torch.device, use_compile: bool | None) -> tuple[dict, dict]:
    """Callables ``fn(inputs, mode)`` per backend, and the reason of each skipped backend."""
    fns, skipped = {}, {}
    if device.type != "cuda":
        skipped["triton"] = NO_CUDA
    else:
        try:
            resolve_backend("triton", torch.empty(1, device=device))
            fns["triton"] = lambda inp, mode: reproject_select(**inp, mode=mode, backend="triton")
        except ValueError:
            skipped["triton"] = NO_TRITON
    fns["torch"] = lambda inp, mode: reproject_select(**inp, mode=mode, backend="torch")
    if use_compile:
        compiled = torch.compile(reproject_select_reference, dynamic=True)
        fns["torch.compile"] = lambda inp, mode: compiled(**inp, mode=mode)
    else:
        skipped["torch.compile"] = COMPILE_OFF_CPU if device.type != "cuda" else COMPILE_OFF_GPU
    return fns, skipped


def run(
    device: str | torch.device | None = None,
    sizes=None,
    hypotheses=HYPOTHESES,
    joints: int = JOINTS,
    mode: str = "joint",
    quick: bool = False,
    use_compile: bool | None = None,
    max_call_s: float | None = None,
    log=print,
    on_row: RowCallback = no_rows,
) -> dict:
    """Measure every (backend, N, H); returns ``{"machine", "settings", "copy", "skipped", "rows"}``; ``on_row``
    gets that result so far after every row.

    Args:
        device: default CUDA when available, else CPU.
        sizes: frame counts N (default 1k, 16k, 256k; ``quick``: 1k, 16k, on every device).
        use_compile: include torch.compile of the reference (opt-in on every device).
        max_call_s: skip a call whose time, extrapolated from the same backend's smaller calls,
            exceeds this (default: 20 s on a CPU, 5 s with ``quick``; 60 s on a GPU).
        log: progress lines (``print`` by default; None for silence).
    """
    log = log or (lambda *_: None)
    device = torch.device(device if device is not None else resolve_device("auto"))
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    on_gpu = device.type == "cuda"
    sizes = tuple(sizes or (QUICK_SIZES if quick else SIZES))
    if max_call_s is None:
        max_call_s = 60.0 if on_gpu else 5.0 if quick else 20.0
    cell_budget_s = 0.5 if on_gpu else 1.0 if quick else 3.0
    max_repeats = 200 if on_gpu else 5 if quick else 20
    info = {**machine_info(), "device": str(device), "device_name": device_name(device)}
    copy = copy_bandwidth(device, quick)
    log(f"{info['device_name']}: copy bandwidth {copy['gbs']:.1f} GB/s")
    fns, skipped = _backend_fns(device, use_compile)
    for name, reason in skipped.items():
        log(f"{name}: skipped ({reason})")
    settings = {
        "mode": mode,
        "joints": joints,
        "hypotheses_dtype": "float32",
        "intrinsics": "per frame [N, 9], Human3.6M distortion",
        "mask": "float confidences [N, J]",
        "missing_keypoints": 0.05,
        "translation": "solved",
        "quick": quick,
        "max_call_s": max_call_s,
        "timer": "CUDA events, 3-sigma clipped median" if on_gpu else "time.perf_counter, 3-sigma clipped median",
    }
    rows, per_item_s = [], {}
    result = {"machine": info, "settings": settings, "copy": copy, "skipped": skipped, "rows": rows}

    def add(row: dict) -> None:
        """Keep a finished row (measured, skipped or failed) and hand the result so far on."""
        rows.append(row)
        on_row(result)

    for n in sizes:
        for h in hypotheses:
            inputs = make_inputs(n, h, joints, device)
            nbytes = io_bytes(n, h, joints, mode)
            for name, fn in fns.items():
                row = {"backend": name, "n": n, "h": h, "j": joints, "mode": mode, "bytes": nbytes}
                estimate = per_item_s.get(name, 0.0) * n * h
                if estimate > max_call_s:
                    row.update(status="skipped", reason=f"~{estimate:.0f} s per call (extrapolated) > {max_call_s:g} s")
                    add(row)
                    log(f"N={n:>7} H={h:>2} {name:<13} skipped: {row['reason']}")
                    continue
                try:
                    t0 = time.perf_counter()
                    fn(inputs, mode)  # warm-up: compiles and autotunes on first use
                    _sync(device)
                    first = time.perf_counter() - t0
                    if first < max_call_s:  # a second call gives the steady time the repeat count is sized by
                        t0 = time.perf_counter()
                        fn(inputs, mode)
                        _sync(device)
                        first = time.perf_counter() - t0
                    repeats = int(max(3, min(max_repeats, cell_budget_s / max(first, 1e-6))))
                    warmup = 2 if on_gpu else 0 if first > 2.0 else 1
                    calls = {name: lambda fn=fn, inputs=inputs: fn(inputs, mode)}
                    stats = timing_stats(time_calls(calls, warmup, repeats, device)[name])
                except Exception as exc:  # noqa: BLE001 - report the failure and keep measuring the rest
                    row.update(status="failed", reason=f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
                    add(row)
                    log(f"N={n:>7} H={h:>2} {name:<13} failed: {row['reason']}")
                    if on_gpu:
                        torch.cuda.empty_cache()
                    continue
                seconds = stats["median_ms"] / 1000
                per_item_s[name] = seconds / (n * h)  # the largest call so far: the least overhead-bound
                gbs = nbytes / seconds / 1e9
                row.update(
                    status="ok",
                    repeats=stats["repeats"],
                    clipped=stats["clipped"],
                    median_ms=seconds * 1000,
                    p90_ms=stats["p90_ms"],
                    gbs=gbs,
                    pct_copy=100 * gbs / copy["gbs"],
                    frames_per_s=n / seconds,
                )
                add(row)
                log(f"N={n:>7} H={h:>2} {name:<13} {seconds * 1000:10.3f} ms {gbs:8.2f} GB/s ({stats['repeats']} runs)")
            inputs = None  # free before the next size
            if on_gpu:
                torch.cuda.empty_cache()
    for row in rows:
        base = next((r for r in rows if r["backend"] == "torch" and r["n"] == row["n"] and r["h"] == row["h"]), None)
        if row["status"] == "ok" and base is not None and base["status"] == "ok":
            row["speedup_vs_torch"] = base["median_ms"] / row["median_ms"]
    info["load_average_1min_end"] = load_average()
    return result


def markdown(result: dict) -> str:
    info, copy = result["machine"], result["copy"]
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items() if k in ("torch", "triton"))
    lines = [
        "# reproject_select benchmark",
        "",
        f"{info['device_name']} ({info['device']}), {info['cpu_count']} CPU cores, {info['torch_threads']} torch "
        f"threads; {versions or 'torch'}{'' if 'triton' in info['versions'] else ', triton not installed'}. "
        f"Load average {info['load_average_1min']} at the start, {info.get('load_average_1min_end')} at the end.",
        f"Mode `{result['settings']['mode']}`, J = {result['settings']['joints']}, fp32 hypotheses, per-frame "
        "distorted intrinsics, float confidences, 5 % missing keypoints, translation solved. Median of the timed "
        f"runs ({result['settings']['timer']}).",
        f"Copy bandwidth of this device (`.copy_()`, 2 x {copy['bytes'] / 2**21:.0f} MiB / time): "
        f"**{copy['gbs']:.1f} GB/s**. GB/s = (inputs read once + outputs written once) / time.",
        "",
    ]
    lines += [f"- `{name}` skipped: {reason}" for name, reason in result["skipped"].items()]
    if result["skipped"]:
        lines.append("")
    rows = []
    for r in result["rows"]:
        if r["status"] != "ok":
            rows.append([f"{r['n']:,}", r["h"], r["backend"], f"{r['status']}: {r['reason']}", "", "", "", ""])
            continue
        speedup = f"{r['speedup_vs_torch']:.2f}" if "speedup_vs_torch" in r else ""
        rows.append(
            [f"{r['n']:,}", r["h"], r["backend"], f"{r['median_ms']:.3f}", f"{r['gbs']:.2f}", f"{r['pct_copy']:.1f}",
             speedup, r["repeats"]]
        )  # fmt: skip
    headers = ["N", "H", "backend", "median ms", "GB/s", "% of copy BW", "x vs torch", "runs"]
    return "\n".join(lines) + "\n" + markdown_table(headers, rows, align="rrlrrrrr")
