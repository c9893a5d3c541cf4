"""Source pretraining of a diffusion denoiser (D3DP's recipe, paper Eq. 7-9).

Each step: sample B windows of T frames from the labelled source, mirror half of them, draw one
timestep per clip, noise the root-relative 3D with the cosine schedule (Eq. 7), predict x0 from
the 2D and the noisy pose (Eq. 8) and minimise MPJPE to the clean pose (Eq. 9). AdamW with weight
decay, a short linear warm-up and exponential learning-rate decay (D3DP decays 0.993 per epoch).

A run directory holds ``model.safetensors`` (weights + config), ``train_state.pt`` (optimizer,
RNG states, step) and ``metrics.jsonl``; all are written atomically at every checkpoint, so a
killed run resumes exactly where its last checkpoint stopped; Ctrl-C stops after the current step
with a checkpoint of it (``posynda.runstate.stop_on_interrupt``). With validation clips, every
``eval_every`` steps (and at the last) a ``metrics.jsonl`` line holds their MPJPE / P-MPJPE: the
training curve (``posynda.bench.curves`` plots it).
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from posynda.checkpoint import Checkpoint, save_checkpoint
from posynda.data.clips import ClipSet, load_clips
from posynda.data.placement import random_placement
from posynda.data.prepare import root_relative_metres
from posynda.data.sampler import WindowSampler, mirror
from posynda.defaults import default_clips_path
from posynda.diffusion import DDIMScheduler, SchedulerConfig, mpjpe_loss, noised_targets
from posynda.errors import InputError, RunInterrupted
from posynda.evaluate import evaluate
from posynda.fileio import sha256_file
from posynda.models import DenoiserConfig, build_denoiser, preset
from posynda.runstate import (
    METRICS_FILE,
    MODEL_FILE,
    interrupted_message,
    load_state,
    progress_bar,
    read_metrics,
    restore_state,
    save_state,
    stop_on_interrupt,
    write_metrics,
)

STATE_FILE = "train_state.pt"


@dataclass(frozen=True)
class TrainRecipe:
    """Optimisation hyper-parameters.

    Attributes:
        steps: optimisation steps of a run when the command line does not say.
        batch_size: clips per step.
        lr: peak learning rate (AdamW).
        weight_decay: AdamW weight decay (D3DP: 0.1).
        final_lr_fraction: learning rate at the last step, as a fraction of ``lr`` (exponential decay).
        warmup_steps: linear warm-up length (capped at 10 % of the run).
        window_stride: stride between training windows, as a fraction of the window.
        flip_prob: probability of the left/right mirror augmentation per clip.
        placement_prob: probability that a clip is moved to a random ray of its camera
            (:func:`posynda.data.placement.random_placement`: where the person stands stops mattering).
        placement_extent: the rays' range, canonical screen units (1: the edge of a 53 degree view).
        log_every: steps between metrics.jsonl lines.
        checkpoint_every: steps between checkpoints.
    """

    steps: int = 2000
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.1
    final_lr_fraction: float = 0.05
    warmup_steps: int = 100
    window_stride: float = 1 / 3
    flip_prob: float = 0.5
    placement_prob: float = 0.5
    placement_extent: float = 1.0
    log_every: int = 10
    checkpoint_every: int = 200


RECIPES: dict[str, TrainRecipe] = {
    # D3DP: 4 clips of 243 frames, AdamW lr 6e-5, wd 0.1 (reference-code.md section 2).
    "paper": TrainRecipe(batch_size=4, lr=6e-5, warmup_steps=0, final_lr_fraction=0.06),
    "small": TrainRecipe(batch_size=16, lr=5e-4),
    "tiny": TrainRecipe(batch_size=32, lr=1e-3),
    # the recommended CPU lifter: its 6000 steps take about 4 minutes on 2 cores (bench/README.md)
    "cpu": TrainRecipe(steps=6000, batch_size=32, lr=1e-3),
    "videopose": TrainRecipe(batch_size=8, lr=1e-4),
    "videopose-tiny": TrainRecipe(batch_size=32, lr=1e-3),
}


def learning_rate(recipe: TrainRecipe, step: int, total: int) -> float:
    """Linear warm-up, then exponential decay from ``lr`` to ``final_lr_fraction * lr`` at ``total``."""
    warmup = min(recipe.warmup_steps, total // 10)
    if step < warmup:
        return recipe.lr * (step + 1) / warmup
    progress = (step - warmup) / max(total - warmup, 1)
    return recipe.lr * recipe.final_lr_fraction**progress


def source_sampler(clips: ClipSet, frames: int, recipe: TrainRecipe) -> WindowSampler:
    """The labelled windows pretraining draws from (every ``window_stride`` of a window)."""
    return WindowSampler(clips, frames, int(round(frames * recipe.window_stride)), labelled=True)


def sample_batch(
    sampler: WindowSampler, rng: np.random.Generator, recipe: TrainRecipe
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(keypoints_2d [B,T,J,2] canonical screen units, target_3d [B,T,J,3] root-relative m)``:
    random windows, some re-placed in their camera's view (``recipe.placement_prob``), randomly mirrored."""
    index = sampler.pick(rng, recipe.batch_size)
    joints = sampler.joints_3d[index]
    kp = sampler.norm[index]
    if recipe.placement_prob > 0:
        placed, moved = random_placement(
            joints, sampler.camera[index[:, 0]], rng, recipe.placement_prob, recipe.placement_extent
        )
        kp = np.where(moved[:, None, None, None], placed, kp)  # unmoved clips keep their detected 2D
    kp, target, _ = mirror(rng, recipe.flip_prob, kp, root_relative_metres(joints))
    return torch.from_numpy(kp), torch.from_numpy(target)


def pretrain(
    data: ClipSet,
    config: DenoiserConfig,
    steps: int,
    out_dir: str | Path,
    recipe: TrainRecipe | None = None,
    diffusion: SchedulerConfig | None = None,
    resume: bool = False,
    seed: int = 0,
    provenance: dict | None = None,
    progress: bool = True,
    stop_after: int | None = None,
    eval_clips: ClipSet | None = None,
    eval_every: int = 500,
) -> Path:
    """Train a denoiser on labelled source clips; return the path of ``model.safetensors``.

    Args:
        data: labelled clips (``joints_3d`` required).
        config: architecture.
        steps: total optimisation steps of the run.
        out_dir: run directory. Must not hold a run already unless ``resume``.
        recipe: optimisation settings (default ``TrainRecipe()``).
        resume: continue from ``out_dir/train_state.pt`` (the run's last checkpoint).
        seed: seeds window sampling, noise, timesteps and initialisation.
        provenance: extra facts recorded in the checkpoint metadata.
        progress: show a progress bar with loss and ETA.
        stop_after: stop (as if killed) after this many steps of this invocation, without a final
            checkpoint beyond the periodic ones -- used by tests of ``resume``.
    """
    recipe = recipe or TrainRecipe()
    diffusion = diffusion or SchedulerConfig()
    out_dir = Path(out_dir)
    state_path, model_path, metrics_path = out_dir / STATE_FILE, out_dir / MODEL_FILE, out_dir / METRICS_FILE
    if steps < 1:
        raise InputError("--steps must be >= 1")
    if eval_every < 1:
        raise InputError("--eval-every must be >= 1")
    if eval_clips is not None and not eval_clips.has_3d:
        raise InputError("--eval data has no 'joints_3d' (validation needs ground truth)")
    if not resume and (state_path.exists() or model_path.exists()):
        raise InputError(
            f"{out_dir} already holds a training run; pass --resume to continue it or choose another --out"
        )

    sampler = source_sampler(data, config.frames, recipe)
    torch.manual_seed(seed)
    model = build_denoiser(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    rng = np.random.default_rng(seed)
    start = 0
    if resume:
        state = load_state(state_path)
        if state.get("config") != config.to_json():
            raise InputError(f"--resume: {state_path} was trained with another architecture than the requested preset")
        model.load_state_dict(state["model"])
        start = restore_state(state, optimizer, rng)
    metrics_lines = read_metrics(metrics_path, start)

    scheduler = DDIMScheduler(diffusion)
    provenance = {
        **(provenance or {}),
        "seed": seed,
        "recipe": dataclasses.asdict(recipe),
        "frames_trained_on": data.num_frames,
    }

    def checkpoint(step: int) -> None:
        save_state(state_path, step, optimizer, rng, config=config.to_json(), model=model.state_dict())
        write_metrics(metrics_path, metrics_lines)
        save_checkpoint(model_path, model, config, diffusion, {**provenance, "steps": step})

    def validate(done: int, seconds: float) -> None:
        model.eval()
        scores = evaluate(Checkpoint(model=model, config=config, diffusion=diffusion), eval_clips)
        model.train()
        line = {"step": done, "val_mpjpe": scores["mpjpe"], "val_p_mpjpe": scores["p_mpjpe"], "seconds": seconds}
        metrics_lines.append(json.dumps(line))

    model.train()
    running, count, t0, eval_seconds = 0.0, 0, time.perf_counter(), 0.0
    end = steps if stop_after is None else min(steps, start + stop_after)
    with progress_bar("pretrain", "loss {task.fields[loss]:.1f} mm", progress) as bar, stop_on_interrupt() as stop:
        task = bar.add_task("pretrain", total=steps, completed=start, loss=float("nan"))
        for step in range(start, end):
            lr = learning_rate(recipe, step, steps)
            for group in optimizer.param_groups:
                group["lr"] = lr
            keypoints, target = sample_batch(sampler, rng, recipe)
            noisy, t = noised_targets(scheduler, target)
            loss = mpjpe_loss(model(keypoints, noisy, t), target)  # Eq. 8-9
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            running, count = running + float(loss.detach()) * 1000.0, count + 1
            done = step + 1
            if done % recipe.log_every == 0 or done == steps:
                metrics_lines.append(
                    json.dumps(
                        {
                            "step": done,
                            "loss_mm": running / count,
                            "lr": lr,
                            "seconds": round(time.perf_counter() - t0 - eval_seconds, 3),
                        }
                    )
                )
                bar.update(task, loss=running / count)
                running, count = 0.0, 0
            if eval_clips is not None and (done % eval_every == 0 or done == steps):
                e0 = time.perf_counter()
                validate(done, round(e0 - t0 - eval_seconds, 3))
                eval_seconds += time.perf_counter() - e0
            bar.update(task, completed=done)
            if done % recipe.checkpoint_every == 0 or done == steps:
                checkpoint(done)
            elif stop.requested:  # Ctrl-C: keep the whole steps done so far
                checkpoint(done)
            if stop.requested and done < steps:
                raise RunInterrupted(interrupted_message(done, steps, out_dir))
    return model_path


def pretrain_file(
    data: str | Path | None,
    preset_name: str,
    steps: int | None,
    out_dir: str | Path,
    overrides: dict | None = None,
    resume: bool = False,
    seed: int = 0,
    progress: bool = True,
    command: str = "posynda pretrain",
    eval_data: str | Path | None = None,
    eval_every: int = 500,
) -> Path:
    """:func:`pretrain` on a clip file (default: the embedded ``studio/train``) with preset
    ``preset_name``'s recipe, changed by ``overrides`` (``batch_size``, ``lr``, ``checkpoint_every``),
    for ``steps`` steps (None: the recipe's);
    the checkpoint records ``command`` (the command line) and the data file's sha256;
    ``eval_data``: a labelled clip file scored every ``eval_every`` steps (:func:`pretrain`)."""
    config = preset(preset_name)
    recipe = dataclasses.replace(RECIPES.get(preset_name, TrainRecipe()), **(overrides or {}))
    steps = recipe.steps if steps is None else steps
    path = Path(data) if data else default_clips_path("studio", "train")
    clips = load_clips(path)
    eval_clips = load_clips(eval_data) if eval_data else None
    provenance = {
        "command": command,
        "preset": preset_name,
        "steps_requested": steps,
        "data": str(path) if data else "embedded studio/train",
        "data_sha256": sha256_file(path),
    }
    return pretrain(
        clips,
        config,
        steps,
        out_dir,
        recipe=recipe,
        resume=resume,
        seed=seed,
        provenance=provenance,
        progress=progress,
        eval_clips=eval_clips,
        eval_every=eval_every,
    )
