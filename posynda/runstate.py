"""The files of a resumable training run: one atomic ``.pt`` state (the step, the torch RNG states and what
the loop puts in it, :mod:`posynda.training.state`), a ``metrics.jsonl`` kept in step with it, the file names
of a run directory, the progress bar the loop shows, and :func:`stop_on_interrupt`, which turns Ctrl-C into
a stop after the current step (so that the state saved is a whole step's).
"""

from __future__ import annotations

import io
import json
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import torch
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from posynda.errors import InputError
from posynda.fileio import atomic_open, atomic_write_bytes

# The files every training run directory holds (pretrain and adapt).
MODEL_FILE = "model.safetensors"  # the trained (for adapt: merged) model
METRICS_FILE = "metrics.jsonl"  # one JSON line per logged step
# The layout of a state file: 2 holds the model's changing tensors, optimizer, learning-rate scheduler, gradient
# scaler and EMA teacher under fixed keys (1, before posynda.training, had no scheduler, scaler or EMA count).
STATE_FORMAT = 2


def save_state(path: Path, step: int, **payload) -> None:
    """Write ``step``, the torch CPU (and, with a GPU, CUDA) RNG states and ``payload`` (state dicts, tensors,
    plain values) atomically as one state file of :data:`STATE_FORMAT`. (The loops draw their batches from the
    seed and the step, so no data-sampling generator needs saving.)"""
    state = {"format": STATE_FORMAT, "step": step, "torch_rng": torch.get_rng_state(), **payload}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda_rng"] = torch.cuda.get_rng_state_all()
    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_state(path: Path) -> dict:
    """Read a state written by :func:`save_state` (the caller checks it is its own, the loop restores it).

    Raises:
        InputError: (parameter ``resume``) the file is missing, unreadable, or of another layout.
    """
    if not path.is_file():
        raise InputError(f"resume: {path} does not exist (nothing to resume)", parameter="resume")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch's message runs to many lines of advice about weights_only: keep the finding
        finding = _finding(exc).rstrip(".")
        raise InputError(
            f"resume: {path} is not a posynda run state ({finding}; nothing in it was run)", parameter="resume"
        ) from None
    if not isinstance(state, dict) or "step" not in state:
        raise InputError(f"resume: {path} is not a posynda run state (no step record)", parameter="resume")
    if state.get("format", 1) != STATE_FORMAT:
        raise InputError(
            f"resume: {path} was written by an older posynda (run state format {state.get('format', 1)}, "
            f"this one reads {STATE_FORMAT}); start the run anew",
            parameter="resume",
        )
    return state


def _finding(exc: Exception) -> str:
    """What ``torch.load(weights_only=True)`` found wrong, without its advice: the line naming the refused global
    or opcode when there is one, else the exception's first line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    useful = [line for line in lines if "GLOBAL" in line or "Unsupported" in line or "invalid load key" in line]
    text = (useful or lines or [type(exc).__name__])[0]
    return text.split("WeightsUnpickler error: ")[-1][:160]


def restore_rng(state: dict) -> None:
    """Put the torch RNGs back as :func:`save_state` found them.

    The CUDA generators are restored when the state has them and this machine has as many GPUs (a run
    resumed on another device draws its GPU randomness afresh; host draws are unaffected).
    """
    torch.set_rng_state(state["torch_rng"])
    cuda = state.get("cuda_rng")
    if cuda is not None and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


def read_metrics(path: Path, upto_step: int) -> list[str]:
    """The ``metrics.jsonl`` lines of steps ``<= upto_step`` (those a resumed run keeps)."""
    if not path.is_file():
        return []
    return [line for line in path.read_text().splitlines() if line and json.loads(line)["step"] <= upto_step]


def write_metrics(path: Path, lines: list[str]) -> None:
    with atomic_open(path, "w") as handle:
        handle.write("".join(line + "\n" for line in lines))


def progress_bar(label: str, fields: str, enabled: bool):
    """A rich progress bar ``label [bar] done/total <fields> elapsed ETA``; ``fields`` formats task fields."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn(fields),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        disable=not enabled,
    )


class StopRequest:
    """Set by the first Ctrl-C (SIGINT) inside :func:`stop_on_interrupt`: ``requested`` is True."""

    def __init__(self) -> None:
        self.requested = False


@contextmanager
def stop_on_interrupt() -> Iterator[StopRequest]:
    """Within the block, the first Ctrl-C only sets the yielded request's ``requested`` -- the training
    loop finishes its step, saves its state and raises :class:`~posynda.errors.RunInterrupted` -- and
    a second Ctrl-C interrupts at once (the previous handler is back). Off the main thread, where
    Python cannot install signal handlers, and in a process that ignores Ctrl-C (started by ``nohup`` or as
    a shell's background job), nothing is changed."""
    stop = StopRequest()
    previous = signal.getsignal(signal.SIGINT) if threading.current_thread() is threading.main_thread() else None
    if previous is None or previous is signal.SIG_IGN:
        yield stop
        return

    def request_stop(signum, frame):
        stop.requested = True
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, request_stop)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def interrupted_message(done: int, total: int, out_dir: Path) -> str:
    """What a run stopped by Ctrl-C says: its step and the command line option that continues it."""
    return f"interrupted at step {done} of {total}; {out_dir} holds its state: continue with --resume --out {out_dir}"
