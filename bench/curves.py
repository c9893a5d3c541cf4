"""Training curves of the lifter variants: validation MPJPE against steps and seconds.

    posynda bench curves --suite bandai --data-dir DIR [--steps 3000] [--eval-every 250] [--save]
    posynda bench curves --train SRC.npz --val VAL.npz [...]

Why the ``tiny`` MixSTE was at 3x a single-frame MLP on real motion (issue "Real motion"): each
variant of :data:`CURVE_VARIANTS` is pretrained with its preset's recipe on the same source windows
(same seed, same steps) by :func:`posynda.pretrain.pretrain`, scored on the validation clips every
``eval_every`` steps (H 1, K 1, flip), and the curves are drawn against steps and against training
seconds on this machine. The variants cross the two architectures with the two 2D input
normalisations (D3DP's absolute screen coordinates vs root-centred, scale-normalised 2D with the
root and log-scale as extra inputs, ``posynda.models.normalization``), so the curves separate
input, capacity and per-step cost.

Writes ``curves.json`` (per variant: the preset, config overrides, the points ``{step, seconds,
val_mpjpe, val_p_mpjpe}``, the training-loss points and the final scores), ``curves.md`` and,
with matplotlib, ``curves.png`` (:func:`posynda.bench.plots.plot_curves`); the JSON and Markdown after
every variant as well (``on_row``).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from posynda.bench.results import RowCallback, no_rows
from posynda.data import ClipSet
from posynda.environment import machine_info
from posynda.errors import InputError
from posynda.models import preset
from posynda.pretrain import RECIPES, TrainRecipe, pretrain
from posynda.report import markdown_table

# name -> (preset, DenoiserConfig overrides): the 2 x 2 of architecture and input normalisation
CURVE_VARIANTS: dict[str, tuple[str, dict]] = {
    "tiny MixSTE, screen input (D3DP)": ("tiny", {}),
    "tiny MixSTE, root-normalised input": ("tiny", {"input_norm": "root"}),
    "videopose-tiny, screen input (D3DP)": ("videopose-tiny", {}),
    "cpu (videopose-tiny, root-normalised input)": ("cpu", {}),
}


def _curve(metrics_path: Path) -> tuple[list[dict], list[dict]]:
    """``(validation points, loss points)`` of a run's ``metrics.jsonl``."""
    lines = [json.loads(line) for line in metrics_path.read_text().splitlines() if line]
    val = [{k: x[k] for k in ("step", "seconds", "val_mpjpe", "val_p_mpjpe")} for x in lines if "val_mpjpe" in x]
    loss = [{"step": x["step"], "loss_mm": x["loss_mm"]} for x in lines if "loss_mm" in x]
    return val, loss


def run_curves(
    train: ClipSet,
    val: ClipSet,
    out_dir,
    steps: int = 3000,
    eval_every: int = 250,
    variants: dict[str, tuple[str, dict]] | None = None,
    seed: int = 0,
    log=print,
    data: dict | None = None,
    device: str = "cpu",
    on_row: RowCallback = no_rows,
) -> dict:
    """Train every variant for ``steps`` steps (on ``device``) on ``train`` with validation on ``val``; returns the
    ``curves.json`` content (the run folders stay in ``out_dir/<k>``). ``data``: a description of
    the inputs, recorded as is. ``on_row`` gets the result so far after every variant."""
    if not val.has_3d:
        raise InputError("curves: the validation clips have no 'joints_3d'")
    out = Path(out_dir)
    variants = CURVE_VARIANTS if variants is None else variants
    result = {
        "steps": steps,
        "eval_every": eval_every,
        "seed": seed,
        "train_frames": train.num_frames,
        "val_frames": int(val.valid_or_all().sum()),
        "data": data or {},
        "machine": machine_info(),
        "rows": {},
    }
    for k, (name, (preset_name, overrides)) in enumerate(variants.items()):
        config = dataclasses.replace(preset(preset_name), **overrides)
        recipe = RECIPES.get(preset_name, TrainRecipe())
        log(f"curve {k + 1}/{len(variants)}: {name} ({steps} steps)")
        pretrain(train, config, steps, out / str(k), recipe, seed=seed, progress=False, eval_clips=val,
                 eval_every=eval_every, device=device)  # fmt: skip
        points, loss = _curve(out / str(k) / "metrics.jsonl")
        result["rows"][name] = {
            "preset": preset_name,
            "overrides": overrides,
            "points": points,
            "loss": loss,
            "final": points[-1],
            "best": min(points, key=lambda p: p["val_mpjpe"]),
            "seconds_per_step": points[-1]["seconds"] / steps,
        }
        on_row(result)
    return result


def markdown(result: dict) -> str:
    """The final and best validation scores of every variant, with its cost per step."""
    body = [
        [
            name,
            f"{r['final']['val_mpjpe']:.1f}",
            f"{r['final']['val_p_mpjpe']:.1f}",
            f"{r['best']['val_mpjpe']:.1f} @ {r['best']['step']}",
            f"{1000 * r['seconds_per_step']:.0f}",
            f"{r['final']['seconds']:.0f}",
        ]
        for name, r in result["rows"].items()
    ]
    headers = ["variant", "val MPJPE", "val P-MPJPE", "best val MPJPE @ step", "ms / step", "train s"]
    machine = result["machine"]
    head = (
        f"Training curves, {result['steps']} steps (validation every {result['eval_every']}), seed {result['seed']}; "
        f"{result['train_frames']} training frames, {result['val_frames']} validation frames. "
        f"Machine: {machine.get('cpu', '?')}, torch {machine.get('versions', {}).get('torch', '?')}.\n\n"
    )
    return head + markdown_table(headers, body)
