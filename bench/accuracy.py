"""The accuracy bench: the paper's Table 3 ablation (as ``posynda adapt --ablation``) plus its bar chart.

On the embedded pair the saved copies are named ``ablation-studio-wild.*`` (:data:`ABLATION_SAVE_NAMES`);
on other data they keep the plain ``ablation.*`` names.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from posynda.adapt import ABLATION_ROWS, AdaptSettings, run_ablation
from posynda.baselines import baseline_rows
from posynda.bench.plots import plot_ablation, plot_if_available
from posynda.checkpoint import load_checkpoint
from posynda.data import ClipSet, load_clips
from posynda.defaults import adaptation_inputs, default_clips_path
from posynda.evaluate import evaluate
from posynda.models import preset_of
from posynda.train import pretrain_file

# The embedded studio -> wild ablation is committed as bench/results/<machine>/ablation-studio-wild.*
ABLATION_SAVE_NAMES = {f"ablation.{ext}": f"ablation-studio-wild.{ext}" for ext in ("json", "md", "png")}


def reference_rows(
    out_dir: Path,
    base: Path,
    source: ClipSet,
    test: ClipSet,
    target=None,
    log=print,
    mlp_steps: int = 3000,
    device: str = "cpu",
) -> dict[str, dict]:
    """The rows every accuracy table is read against, scored on ``test``: the baselines fitted on
    ``source`` (the MLP for ``mlp_steps`` steps), and an oracle -- the architecture and recipe of the
    ``base`` checkpoint trained on the target's 3D -- when the ``target`` file (default: the embedded
    ``wild/train``) has 3D and the base is a preset (trained on ``device``)."""
    rows = {name: r["test"] for name, r in baseline_rows(source, {"test": test}, mlp_steps, log).items()}
    target_path = Path(target or default_clips_path("wild", "train"))
    if load_clips(target_path).has_3d:
        preset_name = preset_of(load_checkpoint(base).config)
        if preset_name is None:
            log("oracle skipped: the base is not a preset, so its recipe is unknown")
        else:
            log("oracle: the base's architecture trained on the target's 3D")
            oracle = pretrain_file(target_path, preset_name, None, out_dir / "oracle", progress=False, device=device)
            rows["oracle (trained on target 3D)"] = evaluate(load_checkpoint(oracle), test)
    return rows


def run_accuracy(
    out_dir,
    settings: AdaptSettings | None = None,
    rows=ABLATION_ROWS,
    log=print,
    progress: bool = False,
    mlp_steps: int = 3000,
    device: str = "auto",
    **files,
) -> list[Path]:
    """The Table 3 ablation with ``settings`` (default ``AdaptSettings()``) on the embedded pair, or on
    ``files`` (``checkpoint`` / ``source`` / ``target`` / ``test`` paths), into ``out_dir``, on ``device``, with the
    :func:`reference_rows` first, plus ``ablation.png`` when matplotlib is installed; returns the written files."""
    out = Path(out_dir)
    base, src, tgt, test = adaptation_inputs(**files)
    references = reference_rows(out, base, src, test, files.get("target"), log, mlp_steps, device)
    payload = run_ablation(
        base, src, tgt, test, out, settings or AdaptSettings(), rows, Console(), progress, device=device,
        references=references,
    )  # fmt: skip
    chart = plot_if_available(plot_ablation, payload, out / "ablation.png", log)
    return [out / "ablation.json", out / "ablation.md", *chart]


def save_names(files: dict) -> dict[str, str] | None:
    """The saved names of an accuracy run: ``ablation-studio-wild.*`` when no input file was given."""
    return None if any(files.values()) else ABLATION_SAVE_NAMES
