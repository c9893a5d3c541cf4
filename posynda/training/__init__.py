"""The one training loop that source pretraining (:mod:`posynda.pretrain`) and PoSynDA adaptation
(:mod:`posynda.adapt.trainer`) drive with a step function and a settings object.

Rooms: :mod:`~posynda.training.settings` (how a run is driven), :mod:`~posynda.training.parts` (what is trained
and the live objects it is trained with), :mod:`~posynda.training.ema` (the EMA teacher),
:mod:`~posynda.training.state` (what a checkpoint holds and putting it back), :mod:`~posynda.training.logbook`
(``metrics.jsonl``) and :mod:`~posynda.training.loop` (device, DDP, the steps, checkpoints, Ctrl-C, resume).
"""

from posynda.training.ema import ema_teacher
from posynda.training.loop import Validation, joined_world, prepare, refuse_to_overwrite, train
from posynda.training.parts import Step, Trainee, Training, optimiser_step
from posynda.training.settings import TrainingSettings
from posynda.training.state import resumable_state

__all__ = [
    "Step",
    "Trainee",
    "Training",
    "TrainingSettings",
    "Validation",
    "ema_teacher",
    "joined_world",
    "optimiser_step",
    "prepare",
    "refuse_to_overwrite",
    "resumable_state",
    "train",
]
