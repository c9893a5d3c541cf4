"""What a checkpoint of a run holds, and putting it back: a resumed run continues bit for bit.

The state file (:func:`posynda.runstate.save_state`) holds, besides the step, the torch RNG states and the
caller's facts (the architecture, the settings):

- ``model``: the model's changing tensors (:func:`resumable_state`): its trainable parameters and every
  persistent buffer (BatchNorm running statistics and their step counters);
- ``optimizer``, ``scheduler``, ``scaler``: the optimizer's moments, the ``LambdaLR``'s step, the fp16
  gradient scaler's scale and growth tracker (empty when disabled);
- ``ema``: the EMA teacher's averaged tensors and ``n_averaged`` (None without a teacher);
- ``log``: the metrics' running sums since the last ``metrics.jsonl`` line (:mod:`posynda.training.logbook`).
"""

from __future__ import annotations

from pathlib import Path

from torch import nn
from torch.optim.lr_scheduler import LambdaLR

from posynda.errors import InputError
from posynda.runstate import restore_rng
from posynda.training.parts import Training


def resumable_state(model: nn.Module) -> dict:
    """The state-dict entries that change while training: the trainable parameters and every persistent buffer
    (BatchNorm running statistics and their ``num_batches_tracked`` counters) -- what a state file saves; frozen
    parameters come back from wherever the model was built from (an adaptation's base checkpoint)."""
    names = {n for n, p in model.named_parameters() if p.requires_grad} | {n for n, _ in model.named_buffers()}
    return {k: v for k, v in model.state_dict().items() if k in names}


def run_state(training: Training) -> dict:
    """Everything of ``training`` a state file saves (tensors on their device; ``torch.load`` maps them back)."""
    return {
        "model": resumable_state(training.model),
        "optimizer": training.optimizer.state_dict(),
        "scheduler": training.scheduler.state_dict(),
        "scaler": training.scaler.state_dict(),
        "ema": training.teacher.state_dict() if training.teacher is not None else None,
    }


def restore(training: Training, state: dict, path: Path) -> None:
    """Put ``state`` (of :func:`run_state`, read from ``path``) back into ``training`` and the torch RNGs.

    Raises:
        InputError: (parameter ``resume``) the state holds other tensors than the model's, or no EMA teacher
            where this run has one.
    """
    saved, expected = state["model"], set(resumable_state(training.model))
    if set(saved) != expected:
        other = sorted(set(saved) ^ expected)[:2]
        raise InputError(f"resume: {path} holds other tensors than this model's ({other})", parameter="resume")
    if training.teacher is not None and state["ema"] is None:
        raise InputError(f"resume: {path} has no EMA teacher to continue", parameter="resume")
    training.model.load_state_dict(saved, strict=False)
    training.optimizer.load_state_dict(state["optimizer"])
    restore_schedule(training.scheduler, state["scheduler"])
    if state["scaler"]:  # empty when saved disabled (fp32, bf16): a run resumed at fp16 starts a fresh scale
        training.scaler.load_state_dict(state["scaler"])
    if training.teacher is not None:
        training.teacher.load_state_dict(state["ema"])
    restore_rng(state)
    training.step = int(state["step"])


def restore_schedule(scheduler: LambdaLR, state: dict) -> None:
    """Load ``scheduler``'s state (its step) and set the optimizer's rates for that step from this run's
    schedule: the rates the restored optimizer holds are the saved run's, and a pretraining run may be resumed
    with another length (its schedule then holds from the resumed step on)."""
    scheduler.load_state_dict(state)
    for group, base, rate in zip(scheduler.optimizer.param_groups, scheduler.base_lrs, scheduler.lr_lambdas):
        group["lr"] = base * rate(scheduler.last_epoch)
