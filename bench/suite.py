"""``posynda bench all``: every benchmark that fits this machine, and a summary of what ran and what did not.

:func:`run_all` runs, into one folder: FLOPs of ``tiny`` and ``paper``, the ``reproject_select``
kernels (quick sizes), the denoiser latency (``tiny``; ``paper`` too without ``quick``; the ONNX
Runtime backends are skipped with the extra to install when onnxruntime is not) with its plot, and
the Table 3 ablation only when asked (six adaptation runs); it reports what it skipped and why, and
with ``save`` copies the full-size results into :func:`posynda.bench.results.results_dir` (quick-size
runs are never saved). Kernels, latency and the ablation's references are written row by row
(:class:`posynda.bench.results.RowWriter`), so a stopped run keeps what it measured.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from posynda.adapt import AdaptSettings
from posynda.bench import flops as flops_bench
from posynda.bench import flops_report
from posynda.bench import kernels as kernel_bench
from posynda.bench import latency as latency_bench
from posynda.bench.accuracy import ABLATION_SAVE_NAMES, references_markdown, run_accuracy
from posynda.bench.plots import plot_if_available, plot_latency
from posynda.bench.results import (
    QUICK_NOT_SAVED,
    RowWriter,
    completed,
    machine_slug,
    results_dir,
    save_copies,
    write_results,
)
from posynda.devices import resolve_device
from posynda.errors import InputError
from posynda.report import markdown_table

BENCHES = ("flops", "kernels", "latency", "accuracy")
FLOPS_CONFIGS = ("tiny", "paper")
ACCURACY_SKIPPED = (
    "long: the references (an MLP and the oracle's pretraining, about 9 min) and six adaptation runs (about"
    " 35 s each) on 2 CPU cores; pass --with-accuracy"
)
KERNELS_NOT_SAVED = "quick sizes (N <= 16k); save the full run with `posynda bench kernels --save`"


def run_all(
    out_dir: str | os.PathLike,
    quick: bool = False,
    with_accuracy: bool = False,
    skip=(),
    save: bool = False,
    accuracy_steps: int | None = None,
    log=print,
) -> dict:
    """Run every bench that fits the machine into ``out_dir``; returns (and writes) ``summary.json``.

    Args:
        quick: kernels at quick sizes (always), latency of ``tiny`` only with 5 repeats.
        with_accuracy: also run the Table 3 ablation in ``out_dir/accuracy``.
        skip: bench names (:data:`BENCHES`) not to run.
        save: copy the results into ``results_dir()``; runs that differ from a full run are not saved.
        accuracy_steps: adaptation steps per ablation row (default: AdaptSettings' default).
    """
    unknown = sorted(set(skip) - set(BENCHES))
    if unknown:
        raise InputError(f"skip: unknown bench(es) {unknown}; choose from {', '.join(BENCHES)}", parameter="skip")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    device = resolve_device("auto")  # what the kernels and latency benches measure (the results folder's name)
    ran: dict[str, dict] = {}
    skipped: dict[str, str] = {name: "--skip" for name in skip}
    not_saved: dict[str, str] = {}
    t_all = time.perf_counter()

    def record(name: str, t0: float, files: list[Path], why_not_saved: str | None = None, rename=None) -> None:
        ran[name] = {"seconds": round(time.perf_counter() - t0, 1), "files": [str(p) for p in files]}
        log(f"[{name}] done in {ran[name]['seconds']} s: {', '.join(p.name for p in files)}")
        if save and why_not_saved is None:
            ran[name]["saved"] = [str(p) for p in save_copies(files, rename=rename, device=device)]
        elif save:
            not_saved[name] = why_not_saved

    if "flops" not in skip:  # no compute (fake tensors): seconds
        for config in FLOPS_CONFIGS:
            t0 = time.perf_counter()
            result = flops_bench.count_flops(config)
            record(f"flops-{config}", t0, write_results(out, f"flops-{config}", result, flops_report.markdown(result)))

    if "kernels" not in skip:  # the PyTorch reference on a CPU (Triton needs CUDA), quick sizes
        t0 = time.perf_counter()
        result = kernel_bench.run(quick=True, log=lambda line: log(f"[kernels] {line}"),
                                  on_row=RowWriter(out, "kernels", kernel_bench.markdown))  # fmt: skip
        skipped.update({f"kernels/{name}": reason for name, reason in result["skipped"].items()})
        files = write_results(out, "kernels", completed(result), kernel_bench.markdown(result))
        record("kernels", t0, files, KERNELS_NOT_SAVED)

    if "latency" not in skip:
        t0 = time.perf_counter()
        configs = ("tiny",) if quick else ("tiny", "paper")
        result = latency_bench.run(configs=configs, repeats=5 if quick else None, log=log,
                                   on_row=RowWriter(out, "latency", latency_bench.markdown))  # fmt: skip
        skipped.update({f"latency/{name}": reason for name, reason in result["skipped"].items()})
        files = write_results(out, "latency", completed(result), latency_bench.markdown(result))
        files += plot_if_available(plot_latency, result, out / "latency.png", log)
        record("latency", t0, files, QUICK_NOT_SAVED if quick else None)

    if "accuracy" in skip:
        pass
    elif not with_accuracy:
        skipped["accuracy"] = ACCURACY_SKIPPED
    else:
        t0 = time.perf_counter()
        settings = AdaptSettings() if accuracy_steps is None else AdaptSettings(steps=accuracy_steps)
        references = RowWriter(out / "accuracy", "ablation", references_markdown)
        written = run_accuracy(out / "accuracy", settings, log=log, on_row=references)
        record("accuracy", t0, written, rename=ABLATION_SAVE_NAMES)

    summary = {
        "machine": machine_slug(device),
        "quick": quick,
        "seconds": round(time.perf_counter() - t_all, 1),
        "ran": ran,
        "skipped": skipped,
        "not_saved": not_saved,
    }
    files = write_results(out, "summary", summary, summary_markdown(summary))
    if save:
        summary["saved_to"] = str(results_dir(device))
    log(f"wrote {files[0]} and {files[1]}")
    return summary


def summary_markdown(summary: dict) -> str:
    rows = [
        [name, info["seconds"], ", ".join(Path(f).name for f in info["files"])] for name, info in summary["ran"].items()
    ]
    text = (
        f"# posynda bench all ({summary['machine']}{', quick' if summary['quick'] else ''})\n\n"
        f"Total {summary['seconds']} s.\n\n" + markdown_table(["bench", "seconds", "files"], rows, align="lrl")
    )
    if summary["skipped"]:
        text += "\nSkipped:\n\n" + "".join(f"- `{name}`: {why}\n" for name, why in summary["skipped"].items())
    if summary["not_saved"]:
        text += "\nNot saved to the results directory:\n\n"
        text += "".join(f"- `{name}`: {why}\n" for name, why in summary["not_saved"].items())
    return text
