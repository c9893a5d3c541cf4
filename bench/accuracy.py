"""The accuracy bench: the paper's Table 3 ablation (as ``posynda adapt --ablation``) plus its bar chart.

On the embedded pair the saved copies are named ``ablation-studio-wild.*`` (:data:`ABLATION_SAVE_NAMES`);
on other data they keep the plain ``ablation.*`` names.

``on_row`` (the command line's :class:`posynda.bench.results.RowWriter` of ``ablation.*``) gets the
reference rows as they are scored (:func:`references_markdown` renders them), so a run stopped during
the long ablation keeps them; the ablation rows themselves are written by
:func:`posynda.adapt.run_ablation` when all of them are done.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from posynda.adapt import ABLATION_ROWS, AdaptSettings, run_ablation
from posynda.baselines import baseline_rows
from posynda.bench.plots import plot_ablation, plot_if_available
from posynda.bench.results import RowCallback, no_rows
from posynda.checkpoint import load_checkpoint
from posynda.data import ClipSet, load_clips
from posynda.defaults import adaptation_inputs, default_clips_path
from posynda.evaluate import evaluate
from posynda.models import preset_of
from posynda.pretrain import pretrain_file
from posynda.report import metrics_markdown

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
    pretrain_steps: int | None = None,
    on_row: RowCallback = no_rows,
) -> dict[str, dict]:
    """The rows every accuracy table is read against, scored on ``test``: the baselines fitted on
    ``source`` (the MLP for ``mlp_steps`` steps), and an oracle -- the architecture and recipe of the
    ``base`` checkpoint trained on the target's 3D (for ``pretrain_steps``, default the recipe's) -- when the
    ``target`` file (default: the embedded ``wild/train``) has 3D and the base is a preset (trained on
    ``device``). ``on_row`` gets the rows so far after the baselines and after the oracle."""
    rows = {name: r["test"] for name, r in baseline_rows(source, {"test": test}, mlp_steps, log).items()}
    on_row(rows)
    target_path = Path(target or default_clips_path("wild", "train"))
    if load_clips(target_path).has_3d:
        preset_name = preset_of(load_checkpoint(base).config)
        if preset_name is None:
            log("oracle skipped: the base is not a preset, so its recipe is unknown")
        else:
            log("oracle: the base's architecture trained on the target's 3D")
            oracle = pretrain_file(target_path, preset_name, pretrain_steps, out_dir / "oracle", progress=False,
                                   device=device)  # fmt: skip
            rows["oracle (trained on target 3D)"] = evaluate(load_checkpoint(oracle), test)
            on_row(rows)
    return rows


def run_accuracy(
    out_dir,
    settings: AdaptSettings | None = None,
    rows=ABLATION_ROWS,
    log=print,
    progress: bool = False,
    mlp_steps: int = 3000,
    device: str = "auto",
    pretrain_steps: int | None = None,
    on_row: RowCallback = no_rows,
    **files,
) -> list[Path]:
    """The Table 3 ablation with ``settings`` (default ``AdaptSettings()``) on the embedded pair, or on
    ``files`` (``checkpoint`` / ``source`` / ``target`` / ``test`` paths), into ``out_dir``, on ``device``, with the
    :func:`reference_rows` first (the oracle trained for ``pretrain_steps``), plus ``ablation.png`` when matplotlib
    is installed; returns the written files. ``on_row`` gets ``{"test_frames", "rows"}`` with the reference rows
    so far (named as in the ablation, ``reference: <name>``)."""
    out = Path(out_dir)
    base, src, tgt, test = adaptation_inputs(**files)
    test_frames = int(test.valid_or_all().sum())

    def references_so_far(found: dict[str, dict]) -> None:
        named = {f"reference: {name}": dict(m, trainable_parameters=0) for name, m in found.items()}
        on_row({"test_frames": test_frames, "rows": named})

    references = reference_rows(out, base, src, test, files.get("target"), log, mlp_steps, device, pretrain_steps,
                                references_so_far)  # fmt: skip
    payload = run_ablation(
        base, src, tgt, test, out, settings or AdaptSettings(), rows, Console(), progress, device=device,
        references=references,
    )  # fmt: skip
    chart = plot_if_available(plot_ablation, payload, out / "ablation.png", log)
    return [out / "ablation.json", out / "ablation.md", *chart]


def references_markdown(payload: dict) -> str:
    """The reference rows of an accuracy run still in progress (``{"rows": {name: metrics}}``), as the
    ablation's table shows them."""
    return metrics_markdown(payload["rows"], "configuration")


def save_names(files: dict) -> dict[str, str] | None:
    """The saved names of an accuracy run: ``ablation-studio-wild.*`` when no input file was given."""
    return None if any(files.values()) else ABLATION_SAVE_NAMES
