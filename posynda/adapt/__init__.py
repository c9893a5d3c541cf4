"""PoSynDA adaptation of a source-trained denoiser to an unlabelled target (paper Algorithm 1).

Rooms: :mod:`~posynda.adapt.settings` (what can be switched), :mod:`~posynda.adapt.gpa` (Eq. 3),
:mod:`~posynda.data.view_turns` (shared with pretraining) and :mod:`~posynda.adapt.bone_aug` (source
augmentation beyond GPA),
:mod:`~posynda.adapt.teacher` (pseudo-labels, Eq. 4-5), :mod:`~posynda.adapt.lora` (peft LoRA,
Eq. 10), :mod:`~posynda.adapt.embedding` (Eq. 11), :mod:`~posynda.adapt.student`,
:mod:`~posynda.adapt.step` (one optimisation step), :mod:`~posynda.adapt.resume` (which saved runs may
continue), :mod:`~posynda.adapt.trainer` (the run: the loop is :mod:`posynda.training`'s),
:mod:`~posynda.adapt.adapter` (save, reload, merge) and :mod:`~posynda.adapt.ablation` (Table 3). peft is
imported only when LoRA is used.
"""

from posynda.adapt.ablation import ABLATION_ROWS, PAPER_RECIPE, run_ablation
from posynda.adapt.adapter import load_adapted, merge_adapter, merged_checkpoint, save_adapter
from posynda.adapt.gpa import global_position_alignment
from posynda.adapt.settings import AdaptSettings
from posynda.adapt.step import adaptation_step, domain_sampler, teacher_labels
from posynda.adapt.student import build_student
from posynda.adapt.trainer import adapt

__all__ = [
    "ABLATION_ROWS",
    "AdaptSettings",
    "PAPER_RECIPE",
    "adapt",
    "adaptation_step",
    "build_student",
    "domain_sampler",
    "global_position_alignment",
    "load_adapted",
    "merge_adapter",
    "merged_checkpoint",
    "run_ablation",
    "save_adapter",
    "teacher_labels",
]
