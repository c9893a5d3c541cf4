"""The training loop of ``posynda pretrain`` and ``posynda adapt``: a step function and a settings object in, a
trained model out, resumable at every checkpoint.

    with joined_world(settings.device, settings.precision) as world:
        training = train(world, settings, Trainee(model, torch.optim.AdamW, lr_of_step), step, state=...)

What the loop owns, so that the callers do not:

- **device and world**: :func:`joined_world` resolves the device, checks the precision, joins ``torchrun``'s
  process group (:mod:`posynda.distributed`) and sets the device's fast defaults (TF32);
- **the live objects** (:func:`prepare`): the model on the device, wrapped in DDP under torchrun and in
  ``torch.compile`` on request; the optimizer over its trainable parameters (fused on CUDA) with a
  ``LambdaLR`` over the base rate 1 (the rate of step ``n`` is the trainee's ``learning_rate(n)`` exactly);
  the gradient scaler (fp16); the EMA teacher (``AveragedModel``, :mod:`posynda.training.ema`);
- **the steps**: before step ``n`` every rank seeds torch from ``(seed, rank, n)`` (the in-model randomness:
  DropPath, dropout), after it the scheduler and the teacher move on;
- **logging** (:mod:`posynda.training.logbook`) every ``log_every`` steps and at the last, validation lines
  (:class:`Validation`), the progress bar (rank 0);
- **checkpoints** every ``checkpoint_every`` steps, at the last and at a Ctrl-C: rank 0 writes the state
  (:mod:`posynda.training.state`: model, optimizer, scheduler, scaler, EMA, step, RNGs, the metrics' running
  sums), ``metrics.jsonl`` and what the caller's ``on_checkpoint`` writes (pretraining: the model file), once,
  then every rank waits;
- **Ctrl-C**: the first one stops the run after its step (under torchrun at the next logging step, every
  rank together), with a checkpoint, and raises :class:`~posynda.errors.RunInterrupted`;
- **resume**: a state read by :func:`posynda.runstate.load_state` (the caller checks that it is its own)
  comes back in full before the first step, and the run continues as if never stopped.
"""

from __future__ import annotations

import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import torch
from torch import nn
from torch.optim.lr_scheduler import LambdaLR

from posynda.devices import Device, Precision, check_precision, configure_device, resolve_device
from posynda.distributed import World, join_world, leave_world, rank_step_seed
from posynda.errors import InputError, RunInterrupted
from posynda.runstate import (
    interrupted_message,
    progress_bar,
    read_metrics,
    save_state,
    stop_on_interrupt,
    write_metrics,
)
from posynda.training.ema import ema_teacher
from posynda.training.logbook import Logbook
from posynda.training.parts import Step, Trainee, Training
from posynda.training.settings import TrainingSettings
from posynda.training.state import restore, run_state


@dataclass(frozen=True)
class Validation:
    """Scores of held-out clips during a run, every ``every`` steps and at the last: ``score(model)`` (rank 0,
    the model in training mode before and after) returns the fields of a ``metrics.jsonl`` line."""

    every: int
    score: Callable[[nn.Module], dict[str, float]]


@contextmanager
def joined_world(device: Device, precision: Precision) -> Iterator[World]:
    """The :class:`~posynda.distributed.World` of this process on ``device`` (resolved; under torchrun the process
    group is joined, and left when the block ends), once ``precision`` is known to run there.

    Raises:
        InputError: no such device here, or a precision it cannot train at (before any process group exists).
    """
    device = resolve_device(device)
    check_precision(precision, device)
    world = join_world(device)
    try:
        configure_device(world.device)
        yield world
    finally:
        leave_world(world)


def refuse_to_overwrite(settings: TrainingSettings, resume: bool, what: str) -> None:
    """Refuse to start a new run where ``what`` (a run of this kind) already is, unless resuming it."""
    if not resume and settings.holds_a_run():
        raise InputError(
            f"out: {settings.out_dir} already holds {what}; resume it or choose another folder",
            parameter="out",
        )


def prepare(
    world: World,
    trainee: Trainee,
    precision: Precision = "fp32",
    compile: bool = False,
    *,
    state: dict | None = None,
    state_path: Path | None = None,
) -> Training:
    """The :class:`Training` of ``trainee`` on ``world.device``: optimizer (fused on CUDA), ``LambdaLR``, gradient
    scaler (fp16), EMA teacher; ``state`` (read from ``state_path``) restored; then the forward wrapped (DDP,
    ``torch.compile``) and the model in training mode."""
    device = world.device
    model = trainee.model.to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = trainee.optimizer(params, lr=1.0, fused=torch.device(device).type == "cuda")
    scheduler = LambdaLR(optimizer, trainee.learning_rate)  # base rate 1: 1.0 * learning_rate(n), exactly
    scaler = torch.amp.GradScaler(torch.device(device).type, enabled=precision == "fp16")
    teacher = ema_teacher(model, trainee.ema_decay) if trainee.ema_decay is not None else None
    training = Training(world=world, model=model, forward=model, optimizer=optimizer, scheduler=scheduler,
                        scaler=scaler, teacher=teacher, precision=precision)  # fmt: skip
    if state is not None:
        restore(training, state, state_path)
    training.forward = world.wrap(model)
    if compile:
        training.forward = torch.compile(training.forward)
    model.train()
    return training


def train(
    world: World,
    settings: TrainingSettings,
    trainee: Trainee,
    step: Step,
    *,
    state: dict | None = None,
    facts: dict | None = None,
    validation: Validation | None = None,
    on_checkpoint: Callable[[nn.Module, int], None] | None = None,
) -> Training:
    """Train ``trainee`` with ``step`` up to ``settings.steps``; return the :class:`Training` at the end.

    Args:
        state: a state of this run to continue from (:func:`posynda.runstate.load_state` of
            ``settings.state_path``, checked by the caller); None: a new run.
        facts: plain values saved with every state (the architecture, the settings: what the caller checks on
            resume).
        validation: scores written into ``metrics.jsonl`` during the run.
        on_checkpoint: ``(model, step)``, what rank 0 writes besides the state at every checkpoint.

    Raises:
        RunInterrupted: Ctrl-C stopped the run (after its checkpoint).
    """
    path = settings.state_path
    training = prepare(world, trainee, settings.precision, settings.compile, state=state, state_path=path)
    logbook = Logbook(world, read_metrics(settings.metrics_path, training.step) if state is not None else [])
    if state is not None:
        logbook.restore(state["log"])
    total, start = settings.steps, training.step
    end = total if settings.stop_after is None else min(total, start + settings.stop_after)
    fields = " ".join(f"{name} {{task.fields[{name}]:.1f}}" for name in settings.shown) + " mm"
    with progress_bar(settings.label, fields, settings.progress and world.is_main) as bar, stop_on_interrupt() as stop:
        task = bar.add_task(settings.label, total=total, completed=start, **dict.fromkeys(settings.shown, float("nan")))
        for n in range(start, end):
            torch.manual_seed(rank_step_seed(settings.seed, world.rank, n))  # DropPath / dropout of this rank and step
            metrics = step(training, n)
            lr = training.optimizer.param_groups[0]["lr"]
            _next_rate(training.scheduler)
            if training.teacher is not None:
                training.teacher.update_parameters(training.model)
            training.step = done = n + 1
            logbook.add(metrics)
            logged = done % settings.log_every == 0 or done == total
            if logged:
                bar.update(task, **logbook.log(done, lr))
            if validation is not None and (done % validation.every == 0 or done == total):
                _validate(training, validation, logbook)
            bar.update(task, completed=done)
            stopping = world.stop_agreed(stop.requested, logged)
            if done % settings.checkpoint_every == 0 or done == total or stopping:
                _checkpoint(training, settings, logbook, facts or {}, on_checkpoint)  # Ctrl-C: the whole steps
            if stopping and done < total:
                raise RunInterrupted(interrupted_message(done, total, settings.out_dir))
    return training


def _next_rate(scheduler: LambdaLR) -> None:
    """Move the schedule to the next step. A step whose update the fp16 gradient scaler skipped (inf gradients)
    counts as a step all the same -- the rate is a function of the step number -- so LambdaLR's warning about an
    optimizer that did not step is not for this loop."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Detected call of `lr_scheduler\.step\(\)` before")
        scheduler.step()


def _validate(training: Training, validation: Validation, logbook: Logbook) -> None:
    """Score the model on rank 0 into a ``metrics.jsonl`` line; the time it takes is not training time."""
    started = time.perf_counter()
    if training.world.is_main:
        seconds = round(started - logbook.started - logbook.paused, 3)
        logbook.note(training.step, validation.score(training.model), seconds)
    training.world.barrier()
    logbook.paused += time.perf_counter() - started


def _checkpoint(
    training: Training, settings: TrainingSettings, logbook: Logbook, facts: dict,
    on_checkpoint: Callable[[nn.Module, int], None] | None,
) -> None:  # fmt: skip
    """Rank 0 writes the state, ``metrics.jsonl`` and the caller's files of this step; nobody runs ahead of them."""
    running = logbook.state()  # on every rank: the mean over the ranks
    if training.world.is_main:  # metrics first: a kill between the two leaves a line a resume drops, none missing
        write_metrics(settings.metrics_path, logbook.lines)
        save_state(settings.state_path, training.step, **run_state(training), log=running, **facts)
        if on_checkpoint is not None:
            on_checkpoint(training.model, training.step)
    training.world.barrier()
