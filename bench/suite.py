"""``posynda bench all`` and what the bench commands share: the results directory and file writing.

Every bench writes ``<name>.json`` and ``<name>.md`` into its run directory
(``runs/bench-<name>-<time>/``); with ``--save`` the same files also go to
``bench/results/<machine>/``, where ``<machine>`` is :func:`machine_slug` (``cpu-2core`` on the
project's CPU machine) and the root ``bench/results`` (relative to the working directory) can be
moved with the ``POSYNDA_BENCH_RESULTS`` environment variable (tests point it at a temp dir).

:func:`run_all` runs what fits a small machine in about ten minutes: FLOPs of ``tiny`` and ``paper``,
the ``reproject_select`` kernels (quick sizes), the denoiser latency when ``posynda.bench.latency``
is installed (``tiny``; ``paper`` too without ``quick``) with its plot, and the Table 3 ablation only
when asked (five adaptation runs); it reports what it skipped and why.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import shutil
import time
from pathlib import Path

from posynda.fileio import atomic_write_text

RESULTS_ENV = "POSYNDA_BENCH_RESULTS"
BENCHES = ("flops", "kernels", "latency", "accuracy")
FLOPS_CONFIGS = ("tiny", "paper")
# The embedded studio -> wild ablation is committed as bench/results/<machine>/ablation-studio-wild.*
ABLATION_SAVE_NAMES = {f"ablation.{ext}": f"ablation-studio-wild.{ext}" for ext in ("json", "md", "png")}
ACCURACY_SKIPPED = (
    "long: five adaptation runs (about 4 min per row at the default 750 steps on 2 CPU cores); pass --with-accuracy"
)


def machine_slug() -> str:
    """``gpu-<gpu name>-<n>core`` with CUDA, else ``cpu-<n>core`` (n = ``os.cpu_count()``)."""
    import torch

    cores = f"{os.cpu_count()}core"
    if torch.cuda.is_available():
        name = re.sub(r"[^a-z0-9]+", "-", torch.cuda.get_device_name().lower()).strip("-")
        return f"gpu-{name}-{cores}"
    return f"cpu-{cores}"


def results_dir() -> Path:
    """``$POSYNDA_BENCH_RESULTS/<machine>`` (default root: ``bench/results`` under the working directory)."""
    return Path(os.environ.get(RESULTS_ENV) or Path("bench") / "results") / machine_slug()


def write_result(out_dir: str | os.PathLike, stem: str, payload: dict, markdown: str) -> list[Path]:
    """``stem.json`` + ``stem.md`` into ``out_dir`` (atomic writes); returns both paths."""
    out = Path(out_dir)
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    atomic_write_text(json_path, json.dumps(payload, indent=2) + "\n")
    atomic_write_text(md_path, markdown)
    return [json_path, md_path]


def save_copies(paths, dest: str | os.PathLike, rename: dict[str, str] | None = None) -> list[Path]:
    """Copy result files into ``dest`` (``rename`` maps a file name to its saved name)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    saved = []
    for path in map(Path, paths):
        target = dest / (rename or {}).get(path.name, path.name)
        shutil.copyfile(path, target)
        saved.append(target)
    return saved


def latency_module():
    """``(posynda.bench.latency, None)`` when it exists with a ``run`` function and onnxruntime is
    installed, else ``(None, why not)``."""
    if importlib.util.find_spec("posynda.bench.latency") is None:
        return None, "posynda.bench.latency is not installed"
    module = importlib.import_module("posynda.bench.latency")
    if not callable(getattr(module, "run", None)):
        return None, "posynda.bench.latency has no run() function"
    if importlib.util.find_spec("onnxruntime") is None:
        return None, "onnxruntime is not installed (pip install 'posynda[export]')"
    return module, None


def _has_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def run_all(
    out_dir: str | os.PathLike,
    quick: bool = False,
    with_accuracy: bool = False,
    skip=(),
    save: bool = False,
    ablation_rows=None,
    accuracy_steps: int | None = None,
    log=print,
) -> dict:
    """Run every bench that fits the machine into ``out_dir``; returns (and writes) ``summary.json``.

    Args:
        quick: kernels at quick sizes (always), latency of ``tiny`` only with 5 repeats.
        with_accuracy: also run the Table 3 ablation (``ablation_rows``) in ``out_dir/accuracy``.
        skip: bench names (:data:`BENCHES`) not to run.
        save: copy the results into :func:`results_dir`; runs that differ from a full run
            (``quick``) are not saved, and the summary says so.
        accuracy_steps: adaptation steps per ablation row (default: AdaptSettings' default).
    """
    from posynda.bench import flops as flops_bench

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    unknown = sorted(set(skip) - set(BENCHES))
    if unknown:
        from posynda.errors import InputError

        raise InputError(f"--skip: unknown bench(es) {unknown}; choose from {', '.join(BENCHES)}")
    ran: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    not_saved: dict[str, str] = {}
    t_all = time.perf_counter()

    def record(name: str, t0: float, files: list[Path], savable: bool = True, rename=None) -> None:
        ran[name] = {"seconds": round(time.perf_counter() - t0, 1), "files": [str(p) for p in files]}
        log(f"[{name}] done in {ran[name]['seconds']} s: {', '.join(p.name for p in files)}")
        if save and savable:
            ran[name]["saved"] = [str(p) for p in save_copies(files, results_dir(), rename)]
        elif save:
            not_saved[name] = "quick run (differs from the full run); rerun without --quick to save it"

    # FLOPs: no compute (fake tensors), seconds.
    if "flops" in skip:
        skipped["flops"] = "--skip"
    else:
        for config in FLOPS_CONFIGS:
            t0 = time.perf_counter()
            result = flops_bench.count_flops(config)
            record(f"flops-{config}", t0, write_result(out, f"flops-{config}", result, flops_bench.markdown(result)))

    # Kernels: the PyTorch reference on a CPU (Triton needs CUDA), quick sizes.
    if "kernels" in skip:
        skipped["kernels"] = "--skip"
    else:
        from posynda.bench import kernels as kernel_bench

        t0 = time.perf_counter()
        result = kernel_bench.run(quick=True, log=lambda line: log(f"[kernels] {line}"))
        files = list(kernel_bench.write(result, out))
        for name, reason in result.get("skipped", {}).items():
            skipped[f"kernels/{name}"] = reason
        record("kernels", t0, files, savable=False)
        if save:
            not_saved["kernels"] = "quick sizes (N <= 16k); save the full run with `posynda bench kernels --save`"

    # Latency: ONNX Runtime vs PyTorch eager per batch size.
    latency, why = latency_module()
    if "latency" in skip:
        skipped["latency"] = "--skip"
    elif latency is None:
        skipped["latency"] = why
    else:
        t0 = time.perf_counter()
        configs = ("tiny",) if quick else ("tiny", "paper")
        # Default backends: torch-compile stays out on a CPU (minutes of compilation); GPU backends
        # are skipped with their reason where absent.
        result = latency.run(configs=configs, repeats=5 if quick else None, out_dir=out)
        for name, reason in (result.get("skipped") or {}).items():
            skipped[f"latency/{name}"] = reason
        files = [out / "latency.json", out / "latency.md"]
        if not all(p.is_file() for p in files):  # an older run() that does not write
            files = write_result(out, "latency", result, latency.to_markdown(result))
        if _has_matplotlib():
            from posynda.bench.plots import plot_latency

            files.append(plot_latency(result, out / "latency.png"))
        else:
            skipped["latency/plot"] = "matplotlib is not installed"
        record("latency", t0, files, savable=not quick)

    # Accuracy: the paper's Table 3 ablation (long).
    if "accuracy" in skip:
        skipped["accuracy"] = "--skip"
    elif not with_accuracy:
        skipped["accuracy"] = ACCURACY_SKIPPED
    else:
        t0 = time.perf_counter()
        from posynda.adapt.trainer import AdaptSettings

        settings = AdaptSettings() if accuracy_steps is None else AdaptSettings(steps=accuracy_steps)
        files = run_accuracy(out / "accuracy", ablation_rows, settings, log=log)
        record("accuracy", t0, files, rename=ABLATION_SAVE_NAMES)

    summary = {
        "machine": machine_slug(),
        "quick": quick,
        "seconds": round(time.perf_counter() - t_all, 1),
        "ran": ran,
        "skipped": skipped,
        "not_saved": not_saved,
    }
    files = write_result(out, "summary", summary, summary_markdown(summary))
    if save:
        summary["saved_to"] = str(results_dir())
    log(f"wrote {files[0]} and {files[1]}")
    return summary


def run_accuracy(out_dir, rows=None, settings=None, console=None, log=print, progress: bool = False, **files):
    """The Table 3 ablation (``rows``: default those of ``posynda adapt --ablation``) with ``settings``
    (default ``AdaptSettings()``) on the embedded pair, or on ``files`` (checkpoint / source / target /
    test paths), into ``out_dir``, plus ``ablation.png``; returns the written files."""
    from rich.console import Console

    from posynda.ablation import run_default_ablation
    from posynda.adapt.trainer import AdaptSettings

    if rows is None:
        from posynda.ablation import ABLATION_ROWS as rows
    out = Path(out_dir)
    settings = settings or AdaptSettings()
    payload = run_default_ablation(out, settings, rows, console or Console(), progress=progress, **files)
    written = [out / "ablation.json", out / "ablation.md"]
    if _has_matplotlib():
        from posynda.bench.plots import plot_ablation

        written.append(plot_ablation(payload, out / "ablation.png"))
    else:
        log("ablation plot skipped: matplotlib is not installed")
    return written


def summary_markdown(summary: dict) -> str:
    lines = [
        f"# posynda bench all ({summary['machine']}{', quick' if summary['quick'] else ''})",
        "",
        f"Total {summary['seconds']} s.",
        "",
        "| bench | seconds | files |",
        "|---|---:|---|",
    ]
    for name, info in summary["ran"].items():
        lines.append(f"| {name} | {info['seconds']} | {', '.join(Path(f).name for f in info['files'])} |")
    if summary["skipped"]:
        lines += ["", "Skipped:", ""]
        lines += [f"- `{name}`: {reason}" for name, reason in summary["skipped"].items()]
    if summary["not_saved"]:
        lines += ["", "Not saved to the results directory:", ""]
        lines += [f"- `{name}`: {reason}" for name, reason in summary["not_saved"].items()]
    return "\n".join(lines) + "\n"
