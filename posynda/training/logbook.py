"""The ``metrics.jsonl`` lines of a run and the running sums behind them.

Each step adds its metrics (scalar tensors on the device, metres) to running sums without a host sync; a
logging step turns their mean over the steps since the last line and over the ranks into one line::

    {"step": 20, "loss_mm": 41.2, ..., "lr": 0.00093, "seconds": 12.5, "world_size": 1}

``seconds`` is the training time since the loop started, without the time spent scoring validation clips,
whose lines (``{"step", "val_mpjpe", "val_p_mpjpe", "seconds"}``) go into the same file. The running sums are
part of a run's state: a run resumed between two lines writes the line an uninterrupted one would.
"""

from __future__ import annotations

import json
import time

import torch

from posynda.distributed import World

MM_PER_M = 1000.0


class Logbook:
    """``lines``: the ``metrics.jsonl`` lines so far (a resumed run's kept ones first)."""

    def __init__(self, world: World, lines: list[str]):
        self.world, self.lines = world, lines
        self.sums: torch.Tensor | None = None  # [metrics] since the last line, on the device
        self.names: tuple[str, ...] = ()
        self.count = 0
        self.started = time.perf_counter()
        self.paused = 0.0  # seconds spent on validation

    def add(self, metrics: dict[str, torch.Tensor]) -> None:
        """Add one step's metrics to the running sums (on the device: no host sync)."""
        values = torch.stack(list(metrics.values()))
        self.sums, self.names = (values if self.sums is None else self.sums + values), tuple(metrics)
        self.count += 1

    def seconds(self) -> float:
        return round(time.perf_counter() - self.started - self.paused, 3)

    def log(self, step: int, lr: float) -> dict[str, float]:
        """Append the line of ``step`` (means in mm over the steps since the last line and over the ranks; the
        learning rate of the step) and start new sums; return the means by metric name."""
        means = self.world.mean(self.sums / self.count).tolist()  # the one host sync of a logging step
        values = {name: value * MM_PER_M for name, value in zip(self.names, means)}
        line = {"step": step, **{f"{name}_mm": value for name, value in values.items()}, "lr": lr}
        self.lines.append(json.dumps({**line, "seconds": self.seconds(), "world_size": self.world.size}))
        self.sums, self.count = None, 0
        return values

    def state(self) -> dict:
        """The running sums since the last line (their mean over the ranks, so that every rank of a resumed run
        starts from them: the mean of the next line is the same) and their count, for a state file. Every rank
        calls it (a collective under torchrun)."""
        sums = None if self.sums is None else self.world.mean(self.sums)
        return {"names": list(self.names), "sums": sums, "count": self.count}

    def restore(self, state: dict) -> None:
        """Continue the running sums of :meth:`state` (on this rank's device)."""
        sums = state["sums"]
        self.sums = None if sums is None else sums.to(self.world.device)
        self.names, self.count = tuple(state["names"]), int(state["count"])

    def note(self, step: int, fields: dict[str, float], seconds: float) -> None:
        """Append a line of other facts of ``step`` (validation scores) at ``seconds`` of training."""
        self.lines.append(json.dumps({"step": step, **fields, "seconds": seconds}))
