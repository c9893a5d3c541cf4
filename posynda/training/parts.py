"""What a run trains and the live objects the loop trains it with.

A caller hands the loop a :class:`Trainee` -- the model (built after seeding its initialisation), the optimizer
class and the learning rate of every step -- and gets back the :class:`Training` the loop made of it on the
run's device: the model and its forward (DDP, ``torch.compile``), the optimizer (fused on CUDA), the
learning-rate scheduler, the gradient scaler and the EMA teacher. A step function takes the :class:`Training`
and the step number; :func:`optimiser_step` is its backward pass and update.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import torch
from torch import nn
from torch.optim.lr_scheduler import LambdaLR
from torch.optim.swa_utils import AveragedModel

from posynda.devices import Precision
from posynda.distributed import World


@dataclass(frozen=True)
class Trainee:
    """What a run trains, as the caller built it (on the CPU or its device).

    Attributes:
        model: the module whose trainable parameters (``requires_grad``) are optimised; its changing tensors
            are checkpointed (:func:`posynda.training.state.resumable_state`).
        optimizer: the optimizer class with its fixed options, called ``optimizer(params, lr=1.0, fused=...)``
            (e.g. ``functools.partial(torch.optim.AdamW, weight_decay=0.1)``).
        learning_rate: the learning rate of step ``n`` (0-based); a ``LambdaLR`` over the base rate 1 sets it.
        ema_decay: the decay of an EMA teacher of the model (:mod:`posynda.training.ema`); None: no teacher.
    """

    model: nn.Module
    optimizer: Callable[..., torch.optim.Optimizer]
    learning_rate: Callable[[int], float]
    ema_decay: float | None = None


@dataclass
class Training:
    """A run's live objects on ``world.device``; ``step``: the optimisation steps done (restored on resume).

    Attributes:
        model: the trained module (what is saved).
        forward: what a step's forward calls: the model, its DDP wrapper, or ``torch.compile`` of that.
        optimizer, scheduler: the optimizer and the ``LambdaLR`` that sets its rate before every step.
        scaler: the gradient scaler (enabled for fp16 only; disabled it passes the loss through).
        teacher: the EMA of the model, or None.
        precision: the autocast of the forward ("fp32": none).
    """

    world: World
    model: nn.Module
    forward: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: LambdaLR
    scaler: torch.amp.GradScaler
    teacher: AveragedModel | None
    precision: Precision
    step: int = 0

    @property
    def device(self) -> str:
        return self.world.device

    def optimise(self, loss: torch.Tensor) -> None:
        """Backward ``loss`` and update the model (:func:`optimiser_step` with this run's optimizer and scaler)."""
        optimiser_step(loss, self.optimizer, self.scaler)


class Step(Protocol):
    """One optimisation step of a run: ``step(training, n)`` draws step ``n``'s batch (from the seed and ``n``),
    runs the forward (``training.forward`` under ``autocast(training.device, training.precision)``), calls
    :func:`optimiser_step` and returns its metrics: named scalar tensors on the device (distances in metres; no
    host sync), logged as ``<name>_mm``."""

    def __call__(self, training: Training, step: int) -> dict[str, torch.Tensor]: ...


def optimiser_step(
    loss: torch.Tensor, optimizer: torch.optim.Optimizer, scaler: torch.amp.GradScaler | None = None
) -> None:
    """Zero the gradients, backward ``loss`` (scaled by an enabled ``scaler``, fp16) and step ``optimizer``."""
    optimizer.zero_grad(set_to_none=True)
    if scaler is None:
        loss.backward()
        optimizer.step()
        return
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
