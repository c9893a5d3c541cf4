"""Source pretraining of a diffusion denoiser (D3DP's recipe, paper Eq. 7-9).

Each step: sample B windows of T frames from the labelled source, mirror half of them, draw one
timestep per clip, noise the root-relative 3D with the cosine schedule (Eq. 7), predict x0 from
the 2D and the noisy pose (Eq. 8) and minimise MPJPE to the clean pose (Eq. 9). AdamW with weight
decay, a short linear warm-up and exponential learning-rate decay (D3DP decays 0.993 per epoch).

Every random draw of a step is a function of the seed and the step alone (:func:`step_batch`: the
windows, mirrors, placements, timesteps and noise of the whole global batch; the model's DropPath
masks from ``(seed, rank, step)``), drawn on the host, so a run does not depend on the device, on
being resumed, or -- under ``torchrun`` (:mod:`posynda.distributed`: each rank takes its slice of the
global batch, DDP averages the gradients) -- on how many processes share it, up to floating-point
reduction order (and DropPath, whose masks differ per rank).

On CUDA the forward runs under bf16 / fp16 autocast (``precision``; fp32 master weights, a gradient
scaler for fp16), matmuls in TF32, AdamW fused, the host batch pinned and copied without blocking;
``compile`` wraps the denoiser in ``torch.compile``. Files stay device-independent (CPU tensors).

A run directory holds ``model.safetensors`` (weights + config), ``train_state.pt`` (optimizer,
step) and ``metrics.jsonl`` (with ``world_size``), written atomically by rank 0 at every
checkpoint, so a killed run resumes exactly where its last checkpoint stopped, on any device;
Ctrl-C stops after the current step (under torchrun: at the next logging step, all ranks together)
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
from posynda.data.placement import place_on_rays, placement_choices
from posynda.data.prepare import root_relative_metres
from posynda.data.sampler import WindowSampler
from posynda.defaults import default_clips_path
from posynda.devices import Device, Precision, autocast, check_precision, configure_device, resolve_device
from posynda.diffusion import DDIMScheduler, SchedulerConfig, mpjpe_loss, seeded_noise
from posynda.distributed import World, join_world, leave_world, rank_step_seed
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
from posynda.skeleton import flip_left_right

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
            (:func:`posynda.data.placement.place_on_rays`: where the person stands stops mattering).
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


@dataclass
class TrainBatch:
    """This rank's part of one step's global batch, host tensors: ``keypoints [b, T, J, 2]`` (canonical
    screen units), ``target [b, T, J, 3]`` (root-relative m), ``noise`` like ``target``, ``t [b]`` int64."""

    keypoints: torch.Tensor
    target: torch.Tensor
    noise: torch.Tensor
    t: torch.Tensor

    def to(self, device: str) -> "TrainBatch":
        """On ``device``: pinned and copied without blocking on CUDA, as they are on the CPU."""
        if torch.device(device).type != "cuda":
            return self
        move = lambda x: x.pin_memory().to(device, non_blocking=True)  # noqa: E731
        return TrainBatch(move(self.keypoints), move(self.target), move(self.noise), move(self.t))


def step_batch(
    sampler: WindowSampler, recipe: TrainRecipe, seed: int, step: int, timesteps: int, part: slice = slice(None)
) -> TrainBatch:
    """The items ``part`` of step ``step``'s global batch of ``recipe.batch_size`` windows.

    Every choice of the whole global batch -- windows, placement on a random ray (``recipe.placement_prob``,
    :func:`~posynda.data.placement.place_on_rays`), left/right mirror, diffusion timestep -- comes from one
    generator seeded by ``(seed, step)``, and each item's noise from its own seed drawn there, so any rank
    materialises only its slice and the union over ranks is the batch one process would draw.
    """
    rng = np.random.default_rng([seed, step])
    count = recipe.batch_size
    windows = rng.integers(len(sampler), size=count)
    moved, rays = placement_choices(rng, count, recipe.placement_prob, recipe.placement_extent)
    flip = rng.random(count) < recipe.flip_prob
    t = rng.integers(0, timesteps, size=count)
    noise_seeds = rng.integers(0, 2**63 - 1, size=count)

    index = sampler.window_frames(windows[part])
    joints, kp = sampler.joints_3d[index], sampler.norm[index]
    if recipe.placement_prob > 0:
        placed = place_on_rays(joints, sampler.camera[index[:, 0]], moved[part], rays[part])
        kp = np.where(moved[part][:, None, None, None], placed, kp)  # unmoved clips keep their detected 2D
    target = root_relative_metres(joints)
    kp, mirrored = kp.copy(), flip[part]
    kp[mirrored], target[mirrored] = flip_left_right(kp[mirrored]), flip_left_right(target[mirrored])
    noise = seeded_noise(noise_seeds[part], target.shape[1:])
    return TrainBatch(torch.from_numpy(kp), torch.from_numpy(target), noise, torch.from_numpy(t[part]))


class TrainStep:
    """One pretraining step of this rank (Eq. 7-9), everything it needs built once: ``step(n, total)`` draws
    step ``n``'s part of the global batch (:func:`step_batch`), runs the forward under autocast, the
    backward (DDP all-reduce under ``torchrun``) and AdamW at the recipe's rate for step ``n`` of
    ``total``, and returns the loss (m, a device tensor: no host sync). ``posynda pretrain`` and ``posynda
    bench train`` run this same object.

    Attributes:
        model: the denoiser (its weights; what is saved), on ``world.device``.
        forward: what the forward calls: the model, its DDP wrapper, or ``torch.compile`` of that.
        optimizer, scaler: AdamW (fused on CUDA) and the fp16 gradient scaler (disabled otherwise).
    """

    def __init__(
        self,
        world: World,
        data: ClipSet,
        config: DenoiserConfig,
        recipe: TrainRecipe,
        diffusion: SchedulerConfig | None = None,
        seed: int = 0,
        precision: Precision = "fp32",
        compile: bool = False,
    ):
        self.world, self.config, self.recipe, self.seed, self.precision = world, config, recipe, seed, precision
        self.diffusion = diffusion or SchedulerConfig()
        device = world.device
        configure_device(device)
        self.part = world.shard(recipe.batch_size)
        self.sampler = source_sampler(data, config.frames, recipe)
        torch.manual_seed(seed)
        self.model = build_denoiser(config).to(device)
        fused = torch.device(device).type == "cuda"
        self.optimizer = torch.optim.AdamW(
            self.model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay, fused=fused
        )
        self.scaler = torch.amp.GradScaler(torch.device(device).type, enabled=precision == "fp16")
        self.scheduler = DDIMScheduler(self.diffusion)
        self.forward = world.wrap(self.model)
        if compile:
            self.forward = torch.compile(self.forward)
        self.model.train()

    def __call__(self, step: int, total: int) -> torch.Tensor:
        device = self.world.device
        lr = learning_rate(self.recipe, step, total)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        timesteps = self.diffusion.num_train_timesteps
        batch = step_batch(self.sampler, self.recipe, self.seed, step, timesteps, self.part).to(device)
        torch.manual_seed(rank_step_seed(self.seed, self.world.rank, step))  # DropPath masks of this rank and step
        noisy = self.scheduler.add_noise(batch.target, batch.noise, batch.t)  # Eq. 7
        with autocast(device, self.precision):
            pred = self.forward(batch.keypoints, noisy, batch.t)  # Eq. 8
        loss = mpjpe_loss(pred.float(), batch.target)  # Eq. 9
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return loss.detach()


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
    device: Device = "cpu",
    precision: Precision = "fp32",
    compile: bool = False,
) -> Path:
    """Train a denoiser on labelled source clips; return the path of ``model.safetensors``.

    Args:
        data: labelled clips (``joints_3d`` required).
        config: architecture.
        steps: total optimisation steps of the run.
        out_dir: run directory. Must not hold a run already unless ``resume``.
        recipe: optimisation settings (default ``TrainRecipe()``); ``batch_size`` is the global batch.
        resume: continue from ``out_dir/train_state.pt`` (the run's last checkpoint; any device).
        seed: seeds window sampling, noise, timesteps and initialisation.
        provenance: extra facts recorded in the checkpoint metadata.
        progress: show a progress bar with loss and ETA (rank 0).
        stop_after: stop (as if killed) after this many steps of this invocation, without a final
            checkpoint beyond the periodic ones -- used by tests of ``resume``.
        device: "auto" | "cpu" | "cuda" (:func:`posynda.devices.resolve_device`); under ``torchrun``
            each rank takes its own GPU.
        precision: "fp32" | "bf16" | "fp16" autocast of the forward (fp16: CUDA only, with a grad scaler).
        compile: ``torch.compile`` the denoiser.
    """
    recipe = recipe or TrainRecipe()
    diffusion = diffusion or SchedulerConfig()
    out_dir = Path(out_dir)
    state_path, model_path = out_dir / STATE_FILE, out_dir / MODEL_FILE
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
    device = resolve_device(device)
    precision = check_precision(precision, device)
    world = join_world(device)
    try:
        return _train(
            world, data, config, steps, out_dir, recipe, diffusion, resume, seed, provenance, progress, stop_after,
            eval_clips, eval_every, precision, compile,
        )  # fmt: skip
    finally:
        leave_world(world)


def _train(
    world: World,
    data: ClipSet,
    config: DenoiserConfig,
    steps: int,
    out_dir: Path,
    recipe: TrainRecipe,
    diffusion: SchedulerConfig,
    resume: bool,
    seed: int,
    provenance: dict | None,
    progress: bool,
    stop_after: int | None,
    eval_clips: ClipSet | None,
    eval_every: int,
    precision: Precision,
    compile: bool,
) -> Path:
    state_path, model_path, metrics_path = out_dir / STATE_FILE, out_dir / MODEL_FILE, out_dir / METRICS_FILE
    device = world.device
    train_step = TrainStep(world, data, config, recipe, diffusion, seed, precision, compile)
    model, optimizer = train_step.model, train_step.optimizer
    start = 0
    if resume:
        state = load_state(state_path)
        if state.get("config") != config.to_json():
            raise InputError(f"--resume: {state_path} was trained with another architecture than the requested preset")
        model.load_state_dict(state["model"])
        start = restore_state(state, optimizer)
    metrics_lines = read_metrics(metrics_path, start)

    provenance = {
        **(provenance or {}),
        "seed": seed,
        "recipe": dataclasses.asdict(recipe),
        "frames_trained_on": data.num_frames,
        "world_size": world.size,
        "device": torch.device(device).type,
        "precision": precision,
        "compile": compile,
    }

    def checkpoint(step: int) -> None:
        if world.is_main:
            save_state(state_path, step, optimizer, config=config.to_json(), model=model.state_dict())
            write_metrics(metrics_path, metrics_lines)
            save_checkpoint(model_path, model, config, diffusion, {**provenance, "steps": step})
        world.barrier()  # nobody runs ahead of (or exits before) the files of this step

    def validate(done: int, seconds: float) -> None:
        if world.is_main:
            model.eval()
            scores = evaluate(Checkpoint(model=model, config=config, diffusion=diffusion), eval_clips)
            model.train()
            line = {"step": done, "val_mpjpe": scores["mpjpe"], "val_p_mpjpe": scores["p_mpjpe"], "seconds": seconds}
            metrics_lines.append(json.dumps(line))
        world.barrier()

    model.train()
    running, count = torch.zeros((), device=device), 0
    t0, eval_seconds = time.perf_counter(), 0.0
    end = steps if stop_after is None else min(steps, start + stop_after)
    show = progress and world.is_main
    with progress_bar("pretrain", "loss {task.fields[loss]:.1f} mm", show) as bar, stop_on_interrupt() as stop:
        task = bar.add_task("pretrain", total=steps, completed=start, loss=float("nan"))
        for step in range(start, end):
            loss = train_step(step, steps)
            lr = optimizer.param_groups[0]["lr"]
            running, count = running + loss, count + 1  # no host sync per step
            done = step + 1
            if done % recipe.log_every == 0 or done == steps:
                mean_mm = float(world.mean(running / count)) * 1000.0  # over the ranks' shards
                seconds = round(time.perf_counter() - t0 - eval_seconds, 3)
                line = {"step": done, "loss_mm": mean_mm, "lr": lr, "seconds": seconds, "world_size": world.size}
                metrics_lines.append(json.dumps(line))
                bar.update(task, loss=mean_mm)
                running, count = torch.zeros((), device=device), 0
            if eval_clips is not None and (done % eval_every == 0 or done == steps):
                e0 = time.perf_counter()
                validate(done, round(e0 - t0 - eval_seconds, 3))
                eval_seconds += time.perf_counter() - e0
            bar.update(task, completed=done)
            stopping = world.stop_agreed(stop.requested, done % recipe.log_every == 0 or done == steps)
            if done % recipe.checkpoint_every == 0 or done == steps or stopping:
                checkpoint(done)  # Ctrl-C: keep the whole steps done so far
            if stopping and done < steps:
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
    device: Device = "cpu",
    precision: Precision = "fp32",
    compile: bool = False,
) -> Path:
    """:func:`pretrain` on a clip file (default: the embedded ``studio/train``) with preset
    ``preset_name``'s recipe, changed by ``overrides`` (``batch_size``, ``lr``, ``checkpoint_every``),
    for ``steps`` steps (None: the recipe's);
    the checkpoint records ``command`` (the command line) and the data file's sha256;
    ``eval_data``: a labelled clip file scored every ``eval_every`` steps; ``device``, ``precision``,
    ``compile``: as :func:`pretrain`."""
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
        device=device,
        precision=precision,
        compile=compile,
    )
