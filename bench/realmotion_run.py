"""Run the real-motion benchmark (:mod:`posynda.bench.realmotion`) in one call: baselines, the
recommended lifter source-only, adapted, and a target-trained oracle of the same architecture.

Every number is MPJPE and P-MPJPE (mm, root-relative) on the in-domain test (``source-test``) and
the cross-domain split (``target-test``, or ``target-val`` while choosing), overall and per action.
The adaptation sees the target-train split's 2D only; the oracle is trained on its 3D (it is the
upper bound, as the paper's target-trained MixSTE).

``variants=True`` runs every adaptation variant of :data:`VARIANTS` on ``target-val``: the study
that chose the defaults (bench/README.md, "Real motion"). ``causal=True`` adds the same three lifters made
causal (``pretrain --causal``: zero look-ahead, one window per frame) in the same run: the accuracy cost of
lifting live. ``on_row`` gets the payload so far after the
baselines and after every model (the command line writes it, :class:`posynda.bench.results.RowWriter`).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from posynda.adapt import PAPER_RECIPE, AdaptSettings
from posynda.adapt.trainer import adapt
from posynda.baselines import baseline_rows
from posynda.bench.realmotion import action_of, load_suite, suite_files
from posynda.bench.results import RowCallback, completed, no_rows
from posynda.checkpoint import load_checkpoint
from posynda.evaluate import evaluate
from posynda.fileio import atomic_write_text
from posynda.models import preset_of
from posynda.pretrain import pretrain_file
from posynda.report import markdown_table, per_action_markdown
from posynda.runtime.settings import SamplingSettings

EVAL = SamplingSettings(batch_size=256)
CAUSAL = " (causal)"  # the suffix of the causal lifters' rows
# Adaptation variants tried on target-val (name: AdaptSettings overrides of the defaults); the first is
# the default recipe, the second the paper's.
VARIANTS: dict[str, dict] = {
    "posynda defaults (full fine-tuning, EMA teacher, snapped labels, view aug 20/10)": {},
    "PoSynDA paper recipe (LoRA r4, moving teacher, raw labels, no view aug)": dict(PAPER_RECIPE, lora=True),
    "no view augmentation": dict(view_pitch_degrees=0.0, view_roll_degrees=0.0),
    "view augmentation 30/10": dict(view_pitch_degrees=30.0),
    "raw pseudo-labels (no snapping)": dict(snap_labels=False),
    "moving teacher (the student)": dict(teacher="student"),
    "no pseudo-labels (source batch 32, target 0)": dict(source_batch=32, target_batch=0),
    "LoRA r 16 at 3e-3": dict(lora=True, rank=16, lr=3e-3),
    "+ bone-angle augmentation 30": dict(bone_aug_degrees=30.0),
}


def _scores(model_path: Path, tests: dict) -> dict[str, dict]:
    ckpt = load_checkpoint(model_path, "cpu")
    return {name: evaluate(ckpt, clips, EVAL) for name, clips in tests.items()}


def run_realmotion(
    folder,
    out_dir,
    settings: AdaptSettings | None = None,
    variants: bool = False,
    log=print,
    checkpoint=None,
    pretrain_steps: int | None = None,
    mlp_steps: int = 3000,
    clips_dir=None,
    device: str = "cpu",
    on_row: RowCallback = no_rows,
    causal: bool = False,
) -> dict:
    """The benchmark into ``out_dir`` (``realmotion.json``, ``realmotion.md``); returns the JSON content.

    ``checkpoint``: a source-trained base instead of pretraining the ``cpu`` preset on source-train;
    ``pretrain_steps``: steps of that pretraining and of the oracle (default: the recipe's);
    ``clips_dir``: where the rendered splits are cached (default: under ``$POSYNDA_CACHE``);
    ``device``: where the lifters train and adapt; ``on_row``: gets the payload so far after every row;
    ``causal``: also the causal source-only, adapted and oracle lifters (rows suffixed :data:`CAUSAL`).
    """
    out = Path(out_dir)
    settings = settings or AdaptSettings()
    files = suite_files(folder, clips_dir, log=log)
    suite = load_suite(files)
    cross = "target-val" if variants else "target-test"
    tests = {"in-domain": suite["source-test"], "cross-domain": suite[cross]}
    rows: dict[str, dict] = {}
    payload = {"cross_domain_split": cross, "rows": rows, "settings": dataclasses.asdict(settings)}
    rows.update(baseline_rows(suite["source-train"], tests, mlp_steps, log))
    on_row(payload)
    target_2d = suite["target-train"].without_3d()
    for looks_ahead in [True] + ([False] if causal else []):
        suffix = "" if looks_ahead else CAUSAL
        sub = "" if looks_ahead else "causal-"
        if checkpoint and looks_ahead:
            base = Path(checkpoint)
        else:
            log(
                f"pretraining the default lifter on source-train{suffix} (posynda pretrain --data source-train.npz"
                f"{'' if looks_ahead else ' --causal'})"
            )
            base = pretrain_file(files["source-train"], "cpu", pretrain_steps, out / f"{sub}source-only",
                                 progress=False, device=device, causal=not looks_ahead)  # fmt: skip
        rows[f"posynda source-only{suffix}"] = _scores(base, tests)
        on_row(payload)
        config = load_checkpoint(base).config
        chosen = VARIANTS if variants else {"posynda adapted (defaults)": {}}
        for k, (name, overrides) in enumerate(chosen.items()):
            log(f"adaptation: {name}{suffix}")
            report = adapt(base, suite["source-train"], target_2d, out / f"{sub}adapt{k}",
                           dataclasses.replace(settings, **overrides), progress=False, device=device)  # fmt: skip
            model = out / f"{sub}adapt{k}" / "model.safetensors"
            rows[f"{name}{suffix}"] = {**_scores(model, tests), "seconds": report["seconds"]}
            on_row(payload)
        log(f"oracle{suffix}: the same architecture trained on target-train with its 3D")
        preset_name = preset_of(config) or "cpu"  # the base's recipe
        oracle = pretrain_file(files["target-train"], preset_name, pretrain_steps, out / f"{sub}oracle",
                               progress=False, device=device, causal=config.causal)  # fmt: skip
        rows[f"oracle (trained on target 3D){suffix}"] = _scores(oracle, tests)
        on_row(payload)
    payload = completed(payload)
    atomic_write_text(out / "realmotion.json", json.dumps(payload, indent=2, default=float))
    atomic_write_text(out / "realmotion.md", realmotion_markdown(payload))
    return payload


def realmotion_markdown(payload: dict) -> str:
    """The overall table and the per-action cross-domain MPJPE table of a :func:`run_realmotion` result; a causal
    row is read against the causal source-only and oracle."""
    rows = payload["rows"]
    cross = payload["cross_domain_split"]

    def cross_mpjpe(name):  # None: not yet run
        return rows.get(name, {}).get("cross-domain", {}).get("mpjpe")

    body = []
    for name, r in rows.items():
        suffix = CAUSAL if name.endswith(CAUSAL) else ""
        source_only = cross_mpjpe(f"posynda source-only{suffix}")
        oracle = cross_mpjpe(f"oracle (trained on target 3D){suffix}")
        c = r["cross-domain"]["mpjpe"]
        closes = oracle and source_only and source_only != oracle
        gap = f"{100 * (source_only - c) / (source_only - oracle):+.0f} %" if closes else "-"
        body.append(
            [
                name,
                f"{r['in-domain']['mpjpe']:.1f}",
                f"{r['in-domain']['p_mpjpe']:.1f}",
                f"{c:.1f}",
                f"{r['cross-domain']['p_mpjpe']:.1f}",
                f"{c / source_only:.3f}" if source_only else "-",
                gap,
            ]
        )
    headers = [
        "model",
        "in-domain MPJPE",
        "in-domain P-MPJPE",
        f"{cross} MPJPE",
        f"{cross} P-MPJPE",
        "x source-only",
        "gap to oracle closed",
    ]
    text = markdown_table(headers, body)
    per = per_action_markdown({name: r["cross-domain"] for name, r in rows.items()}, action=action_of)
    return text + f"\n{cross} MPJPE / P-MPJPE (mm) per action:\n\n" + per
