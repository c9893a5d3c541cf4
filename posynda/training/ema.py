"""The mean teacher: an exponential moving average of a model's weights and buffers, as PyTorch's
``torch.optim.swa_utils.AveragedModel`` keeps it, with posynda's update rule.

After every optimisation step each floating tensor of the model -- parameters and buffers (BatchNorm running
statistics) -- moves as ``ema = decay * ema + (1 - decay) * live``, computed as ``ema.mul_(decay).add_(live,
alpha=1 - decay)``; integer buffers (BatchNorm's ``num_batches_tracked``) keep the value of the copy. PyTorch's
own ``get_ema_multi_avg_fn`` differs on both counts: ``torch._foreach_lerp_`` rounds otherwise, and it averages
integer buffers as floats. The averaged module holds no constants among its buffers (the timestep embedding's
frequencies are a plain attribute, :class:`posynda.models.layers.SinusoidalTimestepEmbedding`): averaging a
constant with itself need not give it back.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel


def ema_update(decay: float) -> Callable[[list[torch.Tensor], list[torch.Tensor], torch.Tensor], None]:
    """``AveragedModel``'s ``multi_avg_fn``: for one group of same-device, same-dtype tensors, ``ema.mul_(decay)
    .add_(live, alpha=1 - decay)`` tensor by tensor when they are floating, nothing when they are integers."""

    @torch.no_grad()
    def update(averaged: list[torch.Tensor], live: list[torch.Tensor], _count: torch.Tensor) -> None:
        if not averaged[0].is_floating_point():
            return
        for ema, new in zip(averaged, live, strict=True):
            ema.mul_(decay).add_(new, alpha=1 - decay)

    return update


def ema_teacher(model: nn.Module, decay: float) -> AveragedModel:
    """An EMA of ``model`` (a copy on its device, in eval mode, without gradients); ``update_parameters(model)``
    after each step moves it towards the model, its ``state_dict()`` holds the averaged tensors and ``n_averaged``.

    AveragedModel's first update copies the model instead of averaging; it is made here, on the copy itself (a
    no-op), so that every update of the run averages.
    """
    teacher = AveragedModel(model, multi_avg_fn=ema_update(decay), use_buffers=True)
    teacher.update_parameters(model)
    return teacher.eval().requires_grad_(False)
