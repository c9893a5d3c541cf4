"""How the training loop drives a run: its files, length, rhythm, seed, device, precision and display."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from posynda.devices import Device, Precision
from posynda.errors import InputError
from posynda.runstate import METRICS_FILE, MODEL_FILE


@dataclass(frozen=True)
class TrainingSettings:
    """Everything :func:`posynda.training.loop.train` needs besides the model and its step.

    Attributes:
        out_dir: the run directory: the state file, ``metrics.jsonl`` and what the caller writes at checkpoints.
        state_file: the resumable state's name in ``out_dir`` (``train_state.pt``, ``adapt_state.pt``).
        steps: optimisation steps of the whole run (a resumed run continues up to it).
        log_every: steps between ``metrics.jsonl`` lines (and, under torchrun, between the ranks' Ctrl-C checks).
        checkpoint_every: steps between checkpoints (there is one at the last step and at a Ctrl-C too).
        seed: with the rank and the step, seeds each step's in-model randomness (DropPath, dropout).
        device: "auto" | "cpu" | "cuda" (:func:`posynda.devices.resolve_device`; under torchrun each rank takes
            its own GPU).
        precision: "fp32" | "bf16" | "fp16" autocast of the forward (fp16: CUDA only, with a gradient scaler).
        compile: ``torch.compile`` the forward.
        progress: show a progress bar (rank 0).
        label: the progress bar's label.
        shown: the step metrics the progress bar shows (mm).
        stop_after: stop (as if killed) after this many steps of this invocation, with no checkpoint beyond the
            periodic ones -- what tests of resuming use; None: run to ``steps``.
    """

    out_dir: Path
    state_file: str
    steps: int
    log_every: int = 10
    checkpoint_every: int = 100
    seed: int = 0
    device: Device = "auto"
    precision: Precision = "fp32"
    compile: bool = False
    progress: bool = True
    label: str = "train"
    shown: tuple[str, ...] = ("loss",)
    stop_after: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "out_dir", Path(self.out_dir))
        for name in ("steps", "log_every", "checkpoint_every", "stop_after"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise InputError(f"{name} must be >= 1, got {value}", parameter=name)

    @property
    def state_path(self) -> Path:
        return self.out_dir / self.state_file

    @property
    def metrics_path(self) -> Path:
        return self.out_dir / METRICS_FILE

    @property
    def model_path(self) -> Path:
        return self.out_dir / MODEL_FILE

    def holds_a_run(self) -> bool:
        """Whether ``out_dir`` already holds a run (its state or its model): only ``resume`` may continue it."""
        return self.state_path.exists() or self.model_path.exists()
