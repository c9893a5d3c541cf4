"""PNG figures of benchmark results (matplotlib, imported on use; ``pip install 'posynda[viz]'``).

- :func:`plot_latency`: median latency vs batch size, one line per backend, one panel per config,
  from a ``latency.json`` (``posynda.bench.latency``).
- :func:`plot_ablation`: MPJPE per row of the paper's Table 3 ablation, from an ``ablation.json``
  (``posynda.adapt.run_ablation``), the baseline's value drawn as a dashed line.
"""

from __future__ import annotations

import importlib.util
import json
import os
import textwrap
from pathlib import Path

from posynda.errors import InputError
from posynda.runtime.viz import pyplot, save_figure


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
    """Bar chart of MPJPE (mm) per ablation row; returns the PNG path."""
    data = _load(source, "an ablation", "rows")
    plt = pyplot("plots")
    names = list(data["rows"])
    mpjpe = [data["rows"][n]["mpjpe"] for n in names]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.5 * len(names)), 4.0))
    bars = ax.bar(range(len(names)), mpjpe, color=["0.6"] + ["C0"] * (len(names) - 1))
    for bar, value, name in zip(bars, mpjpe, names):
        change = data["rows"][name].get("mpjpe_change_pct")
        label = f"{value:.1f}" + (f"\n{change:+.1f} %" if change is not None and bar is not bars[0] else "")
        ax.annotate(label, (bar.get_x() + bar.get_width() / 2, value), ha="center", va="bottom", fontsize=8)
    ax.axhline(mpjpe[0], color="0.4", linestyle="--", linewidth=1)
    ax.set_xticks(range(len(names)), [textwrap.fill(n, 16) for n in names], fontsize=8)
    ax.set_ylabel("MPJPE (mm)")
    ax.set_ylim(0, max(mpjpe) * 1.18)
    frames = data.get("test_frames")
    ax.set_title("PoSynDA ablation (paper Table 3)" + (f", {frames} test frames" if frames else ""))
    return save_figure(fig, out, dpi=110)
