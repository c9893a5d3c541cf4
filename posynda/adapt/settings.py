"""Adaptation hyper-parameters: every PoSynDA component can be switched off (paper Table 3)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

from posynda.errors import InputError
from posynda.hypotheses.modes import SELECTIONS, Selection
from posynda.limits import MAX_BATCH, MAX_HYPOTHESES, MAX_STEPS

LrSchedule = Literal["constant", "cosine"]
TeacherKind = Literal["student", "ema"]
LR_SCHEDULES: tuple[str, ...] = get_args(LrSchedule)
TEACHERS: tuple[str, ...] = get_args(TeacherKind)

# Adam learning rates of 750-step runs, picked on the held-out wild draws (seeds 1 and 2; MPJPE mm
# on the two draws, README.md "Adaptation"): LoRA 3e-3 151.4/141.7, 6e-3 144.5/134.4, 9e-3 140.9/129.4,
# 1.2e-2 140.2/129.3, 2e-2 140.8/130.2; full fine-tuning 1e-4 154.1/143.3, 3e-4 150.0/139.2,
# 6e-4 138.3/126.5, 1e-3 133.1/121.7, 2e-3 132.0/119.5, 3e-3 141.5 (draw 1), 5e-3 diverges (446.1).
# The defaults since the real-motion study (bench/results/cpu-2core/realmotion-study.md, target-val of
# the Bandai-Namco benchmark): full fine-tuning at 5e-4 with cosine decay, an EMA teacher (0.998),
# ray-snapped pseudo-labels and a +-20 / +-10 degree view augmentation of the source.
DEFAULT_LR_LORA = 1.2e-2
DEFAULT_LR_FULL = 5e-4


@dataclass(frozen=True)
class AdaptSettings:
    """Adaptation hyper-parameters; each PoSynDA component can be switched off (Table 3).

    Attributes:
        steps: optimisation steps.
        lr: Adam learning rate; None = ``DEFAULT_LR_LORA`` for LoRA (chosen for 750-step runs on
            two held-out draws of the wild domain, seeds 1 and 2), ``DEFAULT_LR_FULL`` for full
            fine-tuning (chosen on the real-motion validation split) -- never on a test split.
        lr_schedule: "constant", or "cosine" (decay from ``lr`` to 0 over ``steps``; the default).
        source_batch, target_batch: clips per step from each domain (the source/target mix; 24/8
            was chosen on the held-out wild draw, seed 1: the GPA-augmented source pairs carry
            more signal than a weak teacher's pseudo-labels).
        hypotheses: teacher hypotheses H (1 = no multi-hypothesis selection).
        sampling_steps: teacher DDIM steps K.
        selection: "joint" (JPMA) or "frame" (Eq. 4).
        gpa: target-specific source augmentation on/off.
        bone_aug_degrees: local pose augmentation of the source (:mod:`posynda.adapt.bone_aug`): the
            largest random turn of an arm bone, degrees (0 = off, the paper's recipe).
        view_pitch_degrees, view_roll_degrees: global view augmentation of the source
            (:mod:`posynda.data.view_turns`): the largest camera pitch / roll about the root, degrees
            (0 = off, the paper's recipe).
        snap_labels: move each pseudo-label onto the camera rays of its target 2D keypoints, keeping
            the teacher's depths (:func:`posynda.camera.snap_to_rays`; False = the paper's labels).
        lora: LoRA adapters (True, the paper's Eq. 10) or full fine-tuning (False, the default: on
            the real-motion validation split it reached 66.4 mm where LoRA r 4 / 16 reached 76.4 /
            72.2 with the same recipe; on the embedded draws too, 132.0 vs 140.2).
        rank: LoRA rank r.
        cd_embedding: cross-dataset embedding on/off.
        teacher: "student" (same weights, no gradient) or "ema" (mean teacher, the default).
        ema_decay: decay of the EMA teacher.
        flip_prob: mirror augmentation probability per clip.
        reproj_weight: weight of the optional 2D reprojection term on the target clips (the student's
            pose, placed by the root solve, projected with the target camera vs the detections;
            normalised screen units, confidence-weighted). 0 disables it.
        seed: seeds sampling of clips, noise and LoRA initialisation.
        log_every, checkpoint_every: steps between metrics lines / resumable checkpoints.
    """

    steps: int = 750
    lr: float | None = None
    lr_schedule: LrSchedule = "cosine"
    source_batch: int = 24
    target_batch: int = 8
    hypotheses: int = 3
    sampling_steps: int = 1
    selection: Selection = "joint"
    gpa: bool = True
    bone_aug_degrees: float = 0.0
    view_pitch_degrees: float = 20.0
    view_roll_degrees: float = 10.0
    snap_labels: bool = True
    lora: bool = False
    rank: int = 4
    cd_embedding: bool = True
    teacher: TeacherKind = "ema"
    ema_decay: float = 0.998
    flip_prob: float = 0.5
    reproj_weight: float = 0.0
    seed: int = 0
    log_every: int = 10
    checkpoint_every: int = 100

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else (DEFAULT_LR_LORA if self.lora else DEFAULT_LR_FULL)

    def learning_rate_at(self, step: int) -> float:
        """Learning rate of step ``step`` (0-based): a pure function of the step, so resuming needs no state."""
        if self.lr_schedule == "cosine":
            return self.learning_rate * 0.5 * (1.0 + math.cos(math.pi * step / self.steps))
        return self.learning_rate

    def __post_init__(self):
        for name, value in (("lr", self.lr), ("ema_decay", self.ema_decay), ("reproj_weight", self.reproj_weight),
                            ("bone_aug_degrees", self.bone_aug_degrees), ("flip_prob", self.flip_prob),
                            ("view_pitch_degrees", self.view_pitch_degrees),
                            ("view_roll_degrees", self.view_roll_degrees)):  # fmt: skip
            if value is not None and not math.isfinite(value):
                raise InputError(f"{name} must be a finite number, got {value}", parameter=name)
        if self.lr is not None and self.lr <= 0:
            raise InputError(f"lr must be positive, got {self.lr}", parameter="lr")
        for name, value, least, most in (
            ("steps", self.steps, 1, 10**8),
            ("hypotheses", self.hypotheses, 1, MAX_HYPOTHESES),
            ("sampling_steps", self.sampling_steps, 1, MAX_STEPS),
            ("source_batch", self.source_batch, 0, MAX_BATCH),
            ("target_batch", self.target_batch, 0, MAX_BATCH),
            ("rank", self.rank, 1, 1024),
            ("log_every", self.log_every, 1, 10**8),
            ("checkpoint_every", self.checkpoint_every, 1, 10**8),
        ):
            if not least <= value <= most:
                raise InputError(f"{name} must be in [{least}, {most}], got {value}", parameter=name)
        if not 0 <= self.reproj_weight:
            raise InputError(f"reproj_weight must be >= 0, got {self.reproj_weight}", parameter="reproj_weight")
        if not 0 <= self.bone_aug_degrees <= 90:
            raise InputError(
                f"bone_aug_degrees must be between 0 and 90 degrees, got {self.bone_aug_degrees}",
                parameter="bone_aug_degrees",
            )
        if not 0 <= self.flip_prob <= 1:
            raise InputError(f"flip_prob must be in [0, 1], got {self.flip_prob}", parameter="flip_prob")
        for name, degrees in (("view_pitch_degrees", self.view_pitch_degrees),
                              ("view_roll_degrees", self.view_roll_degrees)):  # fmt: skip
            if not 0 <= degrees <= 90:
                raise InputError(f"{name} must be between 0 and 90 degrees, got {degrees}", parameter=name)
        if not 0 <= self.ema_decay < 1:
            raise InputError(f"ema_decay must be in [0, 1), got {self.ema_decay}", parameter="ema_decay")
        if self.source_batch + self.target_batch == 0:
            raise InputError("source and target batch sizes cannot both be 0")
        for name, value, allowed in (
            ("selection", self.selection, SELECTIONS),
            ("lr_schedule", self.lr_schedule, LR_SCHEDULES),
            ("teacher", self.teacher, TEACHERS),
        ):
            if value not in allowed:
                raise InputError(f"{name} must be {' or '.join(allowed)}, got {value!r}", parameter=name)
