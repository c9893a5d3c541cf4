"""The accuracy bench: the paper's Table 3 ablation (as ``posynda adapt --ablation``) plus its bar chart.

On the embedded pair the saved copies are named ``ablation-studio-wild.*`` (:data:`ABLATION_SAVE_NAMES`);
on other data they keep the plain ``ablation.*`` names.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from posynda.adapt import ABLATION_ROWS, AdaptSettings, run_default_ablation
from posynda.bench.plots import plot_ablation, plot_if_available

# The embedded studio -> wild ablation is committed as bench/results/<machine>/ablation-studio-wild.*
ABLATION_SAVE_NAMES = {f"ablation.{ext}": f"ablation-studio-wild.{ext}" for ext in ("json", "md", "png")}


def run_accuracy(
    out_dir, settings: AdaptSettings | None = None, rows=ABLATION_ROWS, log=print, progress: bool = False, **files
) -> list[Path]:
    """The Table 3 ablation with ``settings`` (default ``AdaptSettings()``) on the embedded pair, or on
    ``files`` (``checkpoint`` / ``source`` / ``target`` / ``test`` paths), into ``out_dir``, plus
    ``ablation.png`` when matplotlib is installed; returns the written files."""
    out = Path(out_dir)
    payload = run_default_ablation(out, settings or AdaptSettings(), rows, Console(), progress=progress, **files)
    chart = plot_if_available(plot_ablation, payload, out / "ablation.png", log)
    return [out / "ablation.json", out / "ablation.md", *chart]


def save_names(files: dict) -> dict[str, str] | None:
    """The saved names of an accuracy run: ``ablation-studio-wild.*`` when no input file was given."""
    return None if any(files.values()) else ABLATION_SAVE_NAMES
