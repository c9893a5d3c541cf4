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
scaler for fp16), matmuls in TF32, AdamW fused (the loop's), the host batch pinned and copied without blocking;
``compile`` wraps the denoiser in ``torch.compile``. Files stay device-independent (CPU tensors).

The loop is :func:`posynda.training.loop.train` (the one adaptation runs too): this module gives it the
step (:class:`PretrainStep`), the model and its AdamW schedule (:func:`pretrainee`), and writes
``model.safetensors`` (weights + config) at each of its checkpoints. A run directory holds that file,
``train_state.pt`` (:mod:`posynda.training.state`: weights, optimizer, learning-rate scheduler, gradient
scaler, step, RNGs) and ``metrics.jsonl`` (with ``world_size``), written atomically by rank 0 at every
checkpoint, so a killed run resumes exactly where its last checkpoint stopped, on any device; Ctrl-C
stops after the current step (under torchrun: at the next logging step, all ranks together) with a
checkpoint of it. With validation clips, every ``eval_every`` steps (and at the last) a
``metrics.jsonl`` line holds their MPJPE / P-MPJPE: the training curve (``posynda.bench.curves`` plots it).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from posynda.checkpoint import Checkpoint, save_checkpoint
from posynda.data.batches import WindowSampler
from posynda.data.clips import ClipSet, load_clips
from posynda.data.keypoint_noise import KeypointNoise, noisy_keypoints
from posynda.data.placement import place_on_rays, placement_choices
from posynda.data.prepare import root_relative_metres
from posynda.data.view_turns import apply_view_turns, view_choices
from posynda.defaults import TRAINING_DATA, default_training_path
from posynda.devices import Device, Precision, autocast
from posynda.diffusion import DDIMScheduler, SchedulerConfig, mpjpe_loss, seeded_noise
from posynda.distributed import World
from posynda.errors import InputError
from posynda.evaluate import evaluate
from posynda.fileio import sha256_file
from posynda.models import DenoiserConfig, build_denoiser, preset
from posynda.runstate import load_state
from posynda.skeleton import flip_left_right
from posynda.training import Trainee, Training, TrainingSettings, Validation, joined_world, refuse_to_overwrite, train

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
        view_prob: probability that a clip is seen by a camera turned about the person's root by a random pitch
            and roll (:func:`posynda.data.view_turns.apply_view_turns`; its 2D projected anew): a lifter that
            learnt only level studio cameras reads a camera looking down at a person as a person leaning back.
        view_pitch_degrees / view_roll_degrees: the largest pitch / roll of those turns.
        keypoint_noise: detector-like errors on the clips' 2D (:mod:`posynda.data.keypoint_noise`: per-joint,
            slowly drifting, with dropouts filled by interpolation), the average joint's per-axis standard
            deviation as a fraction of the person's 2D height (each clip draws up to twice that); 0: exact 2D.
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
    view_prob: float = 0.0
    view_pitch_degrees: float = 30.0
    view_roll_degrees: float = 25.0
    keypoint_noise: float = 0.0
    log_every: int = 10
    checkpoint_every: int = 200


RECIPES: dict[str, TrainRecipe] = {
    # D3DP: 4 clips of 243 frames, AdamW lr 6e-5, wd 0.1 (reference-code.md section 2).
    "paper": TrainRecipe(batch_size=4, lr=6e-5, warmup_steps=0, final_lr_fraction=0.06),
    "small": TrainRecipe(batch_size=16, lr=5e-4),
    "tiny": TrainRecipe(batch_size=32, lr=1e-3),
    # the recommended CPU lifter: its 6000 steps take about 4 minutes on 2 cores (bench/README.md). It reads 2D as
    # a detector gives it (keypoint_noise: BlazePose's error level on real footage) from cameras that may look up
    # or down a little (half the clips turned by up to 20 degrees pitch, 5 roll): over two seeds, real video
    # 177.0 / 174.3 -> 162.7 / 161.9 mm, adapted and levelled 127.7 / 125.5 -> 118.8 / 120.6, Bandai val from
    # BlazePose's 2D P-MPJPE 127.0 / 128.9 -> 110.1 / 107.5, from exact 2D MPJPE 117.2 / 117.8 -> 118.5 / 117.6,
    # embedded wild/test 126.3 / 130.2 -> 117.2 / 119.6, at a cost in-domain (studio/test 39.0 / 39.9 -> 42.8 /
    # 43.3) and on the root's depth (docs/realvideo.md)
    "cpu": TrainRecipe(
        steps=6000,
        batch_size=32,
        lr=1e-3,
        keypoint_noise=0.02,
        view_prob=0.5,
        view_pitch_degrees=20.0,
        view_roll_degrees=5.0,
    ),
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
    turned = np.zeros(count, bool)
    if recipe.view_prob > 0:  # drawn after everything else: recipes without view turns draw what they always drew
        turned, turns = rng.random(count) < recipe.view_prob, view_choices(rng, count)
    if recipe.keypoint_noise > 0:  # drawn last, for the same reason
        error_seeds = rng.integers(0, 2**63 - 1, size=count)

    index = sampler.window_frames(windows[part])
    joints, kp = sampler.joints_3d[index], sampler.norm[index]
    if turned[part].any():
        turned_joints = apply_view_turns(joints, turns[part], recipe.view_pitch_degrees, recipe.view_roll_degrees)
        joints = np.where(turned[part][:, None, None, None], turned_joints, joints)
    redrawn = moved[part] | turned[part]  # a moved or turned clip is projected anew; the rest keep their 2D
    if recipe.placement_prob > 0 or turned[part].any():
        placed = place_on_rays(joints, sampler.camera[index[:, 0]], moved[part], rays[part])
        kp = np.where(redrawn[:, None, None, None], placed, kp)
    target = root_relative_metres(joints)
    if recipe.keypoint_noise > 0:
        kp = noisy_keypoints(kp, error_seeds[part], KeypointNoise(amplitude=recipe.keypoint_noise))
    kp, mirrored = kp.copy(), flip[part]
    kp[mirrored], target[mirrored] = flip_left_right(kp[mirrored]), flip_left_right(target[mirrored])
    noise = seeded_noise(noise_seeds[part], target.shape[1:])
    return TrainBatch(torch.from_numpy(kp), torch.from_numpy(target), noise, torch.from_numpy(t[part]))


class PretrainStep:
    """One pretraining step of this rank (Eq. 7-9), everything it draws from built once: ``step(training, n)``
    draws step ``n``'s part of the global batch (:func:`step_batch`), runs the forward under autocast, the
    backward (DDP all-reduce under ``torchrun``) and AdamW, and returns ``{"loss": MPJPE}`` (m, a device tensor:
    no host sync). ``posynda pretrain`` (:func:`posynda.training.loop.train`) and ``posynda bench train`` run it."""

    def __init__(self, world: World, data: ClipSet, config: DenoiserConfig, recipe: TrainRecipe,
                 diffusion: SchedulerConfig | None = None, seed: int = 0):  # fmt: skip
        self.recipe, self.seed = recipe, seed
        self.diffusion = diffusion or SchedulerConfig()
        self.part = world.shard(recipe.batch_size, "batch_size")
        self.sampler = source_sampler(data, config.frames, recipe)
        self.scheduler = DDIMScheduler(self.diffusion)

    def __call__(self, training: Training, step: int) -> dict[str, torch.Tensor]:
        timesteps = self.diffusion.num_train_timesteps
        batch = step_batch(self.sampler, self.recipe, self.seed, step, timesteps, self.part).to(training.device)
        noisy = self.scheduler.add_noise(batch.target, batch.noise, batch.t)  # Eq. 7
        with autocast(training.device, training.precision):
            pred = training.forward(batch.keypoints, noisy, batch.t)  # Eq. 8
        loss = mpjpe_loss(pred.float(), batch.target)  # Eq. 9
        training.optimise(loss)
        return {"loss": loss.detach()}


def pretrainee(config: DenoiserConfig, recipe: TrainRecipe, steps: int, seed: int = 0) -> Trainee:
    """A new denoiser of ``config`` (initialised from ``seed``) and AdamW at the recipe's rate of each of ``steps``."""
    torch.manual_seed(seed)
    return Trainee(
        build_denoiser(config),
        functools.partial(torch.optim.AdamW, weight_decay=recipe.weight_decay),
        functools.partial(learning_rate, recipe, total=steps),
    )


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
        eval_clips, eval_every: labelled validation clips scored into ``metrics.jsonl`` every ``eval_every``
            steps and at the last (the training curve).
        device: "auto" | "cpu" | "cuda" (:func:`posynda.devices.resolve_device`); under ``torchrun``
            each rank takes its own GPU.
        precision: "fp32" | "bf16" | "fp16" autocast of the forward (fp16: CUDA only, with a grad scaler).
        compile: ``torch.compile`` the denoiser.
    """
    recipe = recipe or TrainRecipe()
    diffusion = diffusion or SchedulerConfig()
    settings = TrainingSettings(
        out_dir=Path(out_dir), state_file=STATE_FILE, steps=steps, log_every=recipe.log_every,
        checkpoint_every=recipe.checkpoint_every, seed=seed, device=device, precision=precision, compile=compile,
        progress=progress, label="pretrain", shown=("loss",), stop_after=stop_after,
    )  # fmt: skip
    validation = _validation(eval_clips, eval_every, config, diffusion)
    refuse_to_overwrite(settings, resume, "a training run")
    with joined_world(settings.device, precision) as world:
        state = _own_state(settings.state_path, config, recipe) if resume else None
        step = PretrainStep(world, data, config, recipe, diffusion, seed)
        metadata = {  # of the model file
            **(provenance or {}),
            "seed": seed,
            "recipe": dataclasses.asdict(recipe),
            "frames_trained_on": data.num_frames,
            "world_size": world.size,
            "device": torch.device(world.device).type,
            "precision": precision,
            "compile": compile,
        }

        def write_model(model: torch.nn.Module, done: int) -> None:
            save_checkpoint(settings.model_path, model, config, diffusion, {**metadata, "steps": done})

        train(world, settings, pretrainee(config, recipe, steps, seed), step, state=state,
              facts={"config": config.to_json(), "recipe": _drawn(recipe)}, validation=validation,
              on_checkpoint=write_model)  # fmt: skip
    return settings.model_path


# the recipe fields a resumed run may change: how often it logs and saves (its length is --steps)
RESUMABLE_FIELDS = ("steps", "log_every", "checkpoint_every")


def _drawn(recipe: TrainRecipe) -> dict:
    """The recipe fields that decide what a step draws and how it learns (all but :data:`RESUMABLE_FIELDS`)."""
    return {k: v for k, v in dataclasses.asdict(recipe).items() if k not in RESUMABLE_FIELDS}


def _own_state(path: Path, config: DenoiserConfig, recipe: TrainRecipe) -> dict:
    """The state of the pretraining run to resume, refused when it trained another architecture or with another
    recipe (a preset's recipe may have changed since: the run would silently go on with other data draws)."""
    state = load_state(path)
    if state.get("config") != config.to_json():
        raise InputError(
            f"resume: {path} was trained with another architecture than the requested preset", parameter="resume"
        )
    saved, current = state.get("recipe"), _drawn(recipe)
    if saved is not None and saved != current:  # states written before the recipe was saved cannot be checked
        changed = ", ".join(f"{k} {saved.get(k)!r} (now {current[k]!r})" for k in current if saved.get(k) != current[k])
        raise InputError(
            f"resume: {path} was trained with {changed}; give the same options (e.g. --keypoint-noise, --view-prob)",
            parameter="resume",
        )
    return state


def _validation(
    clips: ClipSet | None, every: int, config: DenoiserConfig, diffusion: SchedulerConfig
) -> Validation | None:
    """The loop's :class:`~posynda.training.loop.Validation` on ``clips`` (MPJPE, P-MPJPE in mm), or None."""
    if every < 1:
        raise InputError(f"eval_every must be >= 1, got {every}", parameter="eval_every")
    if clips is None:
        return None
    if not clips.has_3d:
        raise InputError("eval_clips: no 'joints_3d' (validation needs ground truth)", parameter="eval_clips")

    def score(model: torch.nn.Module) -> dict[str, float]:
        model.eval()
        scores = evaluate(Checkpoint(model=model, config=config, diffusion=diffusion), clips)
        model.train()
        return {"val_mpjpe": scores["mpjpe"], "val_p_mpjpe": scores["p_mpjpe"]}

    return Validation(every, score)


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
    causal: bool = False,
) -> Path:
    """:func:`pretrain` on a clip file (default: :func:`posynda.defaults.default_training_path`, the embedded
    ``studio/train`` and the shipped real motion) with preset
    ``preset_name``'s recipe, changed by ``overrides`` (``batch_size``, ``lr``, ``checkpoint_every``, ``view_*``),
    for ``steps`` steps (None: the recipe's); ``causal``: the preset's architecture made causal (no output depends
    on a later frame: ``DenoiserConfig.causal``; the same recipe, every frame of a window trained, each seeing
    only the frames before it);
    the checkpoint records ``command`` (the command line) and the data file's sha256;
    ``eval_data``: a labelled clip file scored every ``eval_every`` steps; ``device``, ``precision``,
    ``compile``: as :func:`pretrain`."""
    config = dataclasses.replace(preset(preset_name), causal=causal)
    recipe = dataclasses.replace(RECIPES.get(preset_name, TrainRecipe()), **(overrides or {}))
    steps = recipe.steps if steps is None else steps
    path = Path(data) if data else default_training_path()
    clips = load_clips(path)
    eval_clips = load_clips(eval_data) if eval_data else None
    if eval_clips is not None and not eval_clips.has_3d:
        message = f"eval_data {eval_data} has no 'joints_3d' (validation needs ground truth)"
        raise InputError(message, parameter="eval_data")
    provenance = {
        "command": command,
        "preset": preset_name,
        "steps_requested": steps,
        "data": str(path) if data else TRAINING_DATA,
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
