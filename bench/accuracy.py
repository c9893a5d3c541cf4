"""The accuracy bench: the paper's Table 3 ablation (as ``posynda adapt --ablation``) plus its bar chart.

On the embedded pair the saved copies are named ``ablation-studio-wild.*`` (:data:`ABLATION_SAVE_NAMES`);
on other data they keep the plain ``ablation.*`` names.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from posynda.adapt import ABLATION_ROWS, AdaptSettings, run_default_ablation
from posynda.baselines import BASELINES, baseline_metrics
from posynda.bench.plots import plot_ablation, plot_if_available
from posynda.checkpoint import load_checkpoint
from posynda.data import load_clips
from posynda.defaults import adaptation_inputs, default_clips_path
from posynda.evaluate import evaluate
from posynda.models import PRESETS
from posynda.train import pretrain_file

# The embedded studio -> wild ablation is committed as bench/results/<machine>/ablation-studio-wild.*
ABLATION_SAVE_NAMES = {f"ablation.{ext}": f"ablation-studio-wild.{ext}" for ext in ("json", "md", "png")}


def reference_rows(out_dir: Path, files: dict, log=print, mlp_steps: int = 3000) -> dict[str, dict]:
    """The rows every accuracy table is read against: the baselines fitted on the source, and an
    oracle -- the base's architecture and recipe trained on the target's 3D -- when the target file
    has 3D (the embedded ``wild/train`` has). Scored on the test split; ``mlp_steps``: the MLP's training steps."""
    base, src, _, test = adaptation_inputs(**files)
    rows = {}
    for name in BASELINES:
        log(f"reference: {name}")
        options = {"steps": mlp_steps} if name.startswith("single-frame MLP") else {}
        rows[name] = baseline_metrics(name, src, {"test": test}, **options)["test"]
    target_path = Path(files.get("target") or default_clips_path("wild", "train"))
    if load_clips(target_path).has_3d:
        log("reference: oracle (the base's architecture trained on the target's 3D)")
        config = load_checkpoint(base).config
        preset_name = next((n for n, c in PRESETS.items() if c == config), None)
        if preset_name is None:
            log("  skipped: the base is not a preset, so its recipe is unknown")
        else:
            oracle = pretrain_file(target_path, preset_name, None, out_dir / "oracle", progress=False)
            rows["oracle (trained on target 3D)"] = evaluate(load_checkpoint(oracle), test)
    return rows


def run_accuracy(
    out_dir,
    settings: AdaptSettings | None = None,
    rows=ABLATION_ROWS,
    log=print,
    progress: bool = False,
    mlp_steps: int = 3000,
    **files,
) -> list[Path]:
    """The Table 3 ablation with ``settings`` (default ``AdaptSettings()``) on the embedded pair, or on
    ``files`` (``checkpoint`` / ``source`` / ``target`` / ``test`` paths), into ``out_dir``, with the
    :func:`reference_rows` first, plus ``ablation.png`` when matplotlib is installed; returns the written files."""
    out = Path(out_dir)
    references = reference_rows(out, files, log, mlp_steps)
    payload = run_default_ablation(
        out, settings or AdaptSettings(), rows, Console(), progress=progress, references=references, **files
    )
    chart = plot_if_available(plot_ablation, payload, out / "ablation.png", log)
    return [out / "ablation.json", out / "ablation.md", *chart]


def save_names(files: dict) -> dict[str, str] | None:
    """The saved names of an accuracy run: ``ablation-studio-wild.*`` when no input file was given."""
    return None if any(files.values()) else ABLATION_SAVE_NAMES
