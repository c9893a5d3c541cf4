"""PNG figures of benchmark results (matplotlib, imported on use; ``pip install 'posynda[viz]'``).

- :func:`plot_latency`: median latency vs batch size, one line per backend, one panel per config,
  from a ``latency.json`` (``posynda.bench.latency``).
- :func:`plot_ablation`: MPJPE per row of the paper's Table 3 ablation, from an ``ablation.json``
  (``posynda.adapt.run_ablation``), the baseline's value drawn as a dashed line.
- :func:`plot_curves`: validation MPJPE vs training steps and seconds per lifter variant, from a
  ``curves.json`` (``posynda.bench.curves``).
- :func:`plot_footage`: validation MPJPE vs minutes of unlabelled target 2D used for adaptation,
  from a ``footage.json`` (``posynda.bench.footage``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import textwrap
from pathlib import Path

from posynda.errors import InputError
from posynda.viz.figures import pyplot, save_figure


def _load(source: dict | str | os.PathLike, what: str, key: str) -> dict:
    if isinstance(source, dict):
        data = source
    else:
        path = Path(source)
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: cannot read {what} JSON ({exc})") from None
    if not isinstance(data, dict) or key not in data or not data[key]:
        raise InputError(f"{source if not isinstance(source, dict) else what}: not {what} JSON (no {key!r})")
    return data


def plot_if_available(plot, result, out: Path, log) -> list[Path]:
    """``[plot(result, out)]``, or ``[]`` with a logged reason where matplotlib is not installed."""
    if importlib.util.find_spec("matplotlib") is None:
        log(f"{Path(out).name} skipped: matplotlib is not installed")
        return []
    return [plot(result, out)]


def plot_latency(source: dict | str | os.PathLike, out: str | os.PathLike) -> Path:
    """Median ms vs batch (log-log) per backend, one panel per config; returns the PNG path."""
    data = _load(source, "a latency", "rows")
    plt = pyplot("plots")
    configs = list(dict.fromkeys(row["config"] for row in data["rows"]))
    fig, axes = plt.subplots(1, len(configs), figsize=(5.0 * len(configs), 4.0), squeeze=False)
    for ax, config in zip(axes[0], configs):
        rows = [r for r in data["rows"] if r["config"] == config]
        for backend in dict.fromkeys(r["backend"] for r in rows):
            points = sorted((r["batch"], r["median_ms"]) for r in rows if r["backend"] == backend)
            ax.plot([b for b, _ in points], [ms for _, ms in points], marker="o", label=backend)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        batches = sorted({r["batch"] for r in rows})
        ax.set_xticks(batches, [str(b) for b in batches])
        ax.xaxis.set_minor_locator(plt.NullLocator())
        ax.set_xlabel("batch (clips)")
        ax.set_ylabel("median latency (ms)")
        ax.set_title(f"{config} (T = {rows[0].get('frames', '?')})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    machine = data.get("machine", {})
    where = f"{machine.get('cpu', '')} ({machine.get('physical_cores', '?')} cores)"
    if machine.get("gpu"):
        where += f", {machine['gpu']}"
    fig.suptitle(f"Denoiser latency per backend, {where}")
    return save_figure(fig, out, dpi=110)


def plot_ablation(source: dict | str | os.PathLike, out: str | os.PathLike) -> Path:
    """Bar chart of MPJPE (mm) per ablation row; returns the PNG path.

    Reference rows (``reference: ...``: baselines, the oracle) are light grey, the source-only
    baseline (the first other row) dark grey with its MPJPE as a dashed line, the adaptations blue
    with their change against it."""
    data = _load(source, "an ablation", "rows")
    plt = pyplot("plots")
    names = list(data["rows"])
    mpjpe = [data["rows"][n]["mpjpe"] for n in names]
    reference = [n.startswith("reference: ") for n in names]
    base = reference.index(False) if False in reference else 0
    colours = ["0.8" if ref else "C0" for ref in reference]
    colours[base] = "0.45"
    fig, ax = plt.subplots(figsize=(max(6.0, 1.5 * len(names)), 4.0))
    bars = ax.bar(range(len(names)), mpjpe, color=colours)
    for k, (bar, value, name) in enumerate(zip(bars, mpjpe, names)):
        change = data["rows"][name].get("mpjpe_change_pct")
        label = f"{value:.1f}" + (f"\n{change:+.1f} %" if change is not None and k != base else "")
        ax.annotate(label, (bar.get_x() + bar.get_width() / 2, value), ha="center", va="bottom", fontsize=8)
    ax.axhline(mpjpe[base], color="0.4", linestyle="--", linewidth=1)
    ax.set_xticks(range(len(names)), [textwrap.fill(n.removeprefix("reference: "), 16) for n in names], fontsize=8)
    ax.set_ylabel("MPJPE (mm)")
    ax.set_ylim(0, max(mpjpe) * 1.18)
    frames = data.get("test_frames")
    title = "PoSynDA ablation (paper Table 3)" + (f", {frames} test frames" if frames else "")
    ax.set_title(title + ("; light grey: references" if any(reference) else ""))
    return save_figure(fig, out, dpi=110)


def plot_curves(source: dict | str, out) -> Path:
    """Validation MPJPE against steps and against training seconds, one line per variant."""
    data = _load(source, "a training-curves", "rows")
    plt = pyplot("plots")
    fig, axes = plt.subplots(1, 2, figsize=(11.0, 4.2), sharey=True)
    for name, r in data["rows"].items():
        steps = [p["step"] for p in r["points"]]
        seconds = [p["seconds"] for p in r["points"]]
        mpjpe = [p["val_mpjpe"] for p in r["points"]]
        style = "-" if "root" in name else "--"
        axes[0].plot(steps, mpjpe, style, marker="o", markersize=3, label=name)
        axes[1].plot(seconds, mpjpe, style, marker="o", markersize=3, label=name)
    axes[0].set_xlabel("training step")
    axes[1].set_xscale("log")  # the per-step costs differ by 20x
    axes[1].set_xlabel("training seconds on this machine (log scale)")
    axes[0].set_ylabel("validation MPJPE (mm)")
    for ax in axes:
        ax.grid(True, alpha=0.3)
    axes[1].legend(fontsize=8)
    where = data.get("data", {}).get("val", "validation")
    fig.suptitle(f"Lifter training curves: MPJPE on {where} (solid: root-normalised input, dashed: screen)")
    return save_figure(fig, out, dpi=110)


def plot_footage(source: dict | str | os.PathLike, out: str | os.PathLike) -> Path:
    """Validation MPJPE and P-MPJPE against minutes of target 2D (0 = the source-only base)."""
    data = _load(source, "a footage", "rows")
    plt = pyplot("plots")
    rows = data["rows"]
    minutes = [r["minutes"] for r in rows]
    fig, ax = plt.subplots(figsize=(6.5, 4.0))
    ax.plot(minutes, [r["mpjpe"] for r in rows], marker="o", label="MPJPE")
    ax.plot(minutes, [r["p_mpjpe"] for r in rows], marker="s", linestyle="--", label="P-MPJPE")
    for r in rows:
        ax.annotate(f"{r['mpjpe']:.1f}", (r["minutes"], r["mpjpe"]), textcoords="offset points", xytext=(0, 6),
                    ha="center", fontsize=8)  # fmt: skip
    ax.set_xlabel("unlabelled target 2D used for adaptation (minutes)")
    ax.set_ylabel("validation error (mm)")
    ax.set_ylim(0, max(r["mpjpe"] for r in rows) * 1.15)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    where = data.get("data", {}).get("val", "validation")
    ax.set_title(f"Adaptation vs target footage, scored on {where}")
    return save_figure(fig, out, dpi=110)
