"""Data-parallel training across processes with ``torchrun``: the world a run is part of, its shard of a
global batch, and the collectives the trainers need (PyTorch's own ``torch.distributed``, nothing else).

Launched by ``torchrun`` (which sets ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` /
``MASTER_PORT`` or a rendezvous endpoint) a command joins the process group: gloo on the CPU, NCCL
on CUDA (each process on GPU ``LOCAL_RANK``), with a timeout (:data:`TIMEOUT_ENV`, default
:data:`DEFAULT_TIMEOUT_S` seconds) so that a rank that dies or hangs stops the job with an error
instead of leaving the others waiting for ever. Without ``torchrun`` the world is one process and
nothing here touches ``torch.distributed``: the same commands run unchanged.

The trainers keep the *global* batch fixed (``--batch-size`` is global): every rank draws the same
per-step choices from the seed and the step, and materialises only its slice
(:meth:`World.shard`), so a run's result does not depend on how many processes share it, up to the
order of floating-point reductions (and DropPath / dropout masks, which each rank draws itself).
Only rank 0 writes files.

>>> world = join_world("cpu")          # World(rank=0, size=1) without torchrun
>>> part = world.shard(32)              # slice(0, 32); with 2 ranks: slice(0, 16) / slice(16, 32)
>>> loss = world.mean(loss_sum) ...
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from posynda.errors import InputError

TIMEOUT_ENV = "POSYNDA_DIST_TIMEOUT"
DEFAULT_TIMEOUT_S = 600


@dataclass(frozen=True)
class World:
    """The processes a run is spread over: this one's ``rank`` (``local_rank`` on its node), ``size``
    processes in all, the ``backend`` (None when alone), and the torch ``device`` this rank computes on."""

    rank: int = 0
    local_rank: int = 0
    size: int = 1
    backend: str | None = None
    device: str = "cpu"

    @property
    def is_main(self) -> bool:
        """Rank 0: the one that writes files and prints."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1

    def shard(self, global_batch: int, name: str = "batch_size") -> slice:
        """This rank's contiguous slice of a global batch of ``global_batch`` items (the parameter ``name``).

        Raises:
            InputError: (parameter ``name``) the batch does not split evenly (equal shards keep DDP's mean
                gradient the global batch's mean).
        """
        if global_batch % self.size:
            raise InputError(
                f"{name} {global_batch} is the global batch: it must split evenly over {self.size} processes",
                parameter=name,
            )
        per = global_batch // self.size
        return slice(self.rank * per, (self.rank + 1) * per)

    def mean(self, value: torch.Tensor) -> torch.Tensor:
        """The mean of ``value`` over the ranks (itself when alone)."""
        if not self.distributed:
            return value
        out = value.detach().clone()
        torch.distributed.all_reduce(out, op=torch.distributed.ReduceOp.SUM)
        return out / self.size

    def stop_agreed(self, requested: bool, logging_step: bool) -> bool:
        """Whether the run stops after this step (Ctrl-C): alone, when it was asked; under torchrun, at a
        logging step where any rank was asked -- so every rank stops at the same step (a rank that went on
        alone would wait for the others' all-reduce until the timeout)."""
        if not self.distributed:
            return requested
        if not logging_step:
            return False
        return float(self.mean(torch.tensor(float(requested), device=self.device))) > 0

    def barrier(self) -> None:
        if self.distributed:
            torch.distributed.barrier()

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """``model`` in DistributedDataParallel (gradients averaged over the ranks), or itself when alone."""
        if not self.distributed:
            return model
        ids = [self.local_rank] if self.device.startswith("cuda") else None
        return DistributedDataParallel(model, device_ids=ids)


def rank_step_seed(seed: int, rank: int, step: int) -> int:
    """The torch seed of step ``step``'s in-model randomness (DropPath, dropout) on ``rank``: every step reseeds,
    so a resumed run draws what an uninterrupted one would, and each rank draws its own masks."""
    return int(np.random.default_rng([seed, rank, step, 1]).integers(2**63 - 1))


def is_main_process() -> bool:
    """Whether this process is rank 0 (or alone): the one that prints and writes, known before any group exists."""
    return int(os.environ.get("RANK", "0")) == 0


def launched_by_torchrun() -> bool:
    """Whether this process is one of several started by ``torchrun`` (``WORLD_SIZE`` > 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def join_world(device: str) -> World:
    """The :class:`World` of this process on ``device`` ("cpu" or "cuda", already resolved): alone, or one
    of ``torchrun``'s ranks (the process group joined here; left by :func:`leave_world`).

    Raises:
        InputError: ``torchrun`` asks for more CUDA processes on a node than it has GPUs, or a bad timeout.
    """
    if not launched_by_torchrun():
        return World(device=device)
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    size = int(os.environ["WORLD_SIZE"])
    try:
        seconds = float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT_S))
    except ValueError:
        raise InputError(f"${TIMEOUT_ENV} must be a number of seconds, got {os.environ[TIMEOUT_ENV]!r}") from None
    if device == "cuda":
        if local_rank >= torch.cuda.device_count():
            raise InputError(
                f"torchrun started local rank {local_rank} but this node has {torch.cuda.device_count()} GPU(s): "
                "use --nproc-per-node <= the GPU count"
            )
        torch.cuda.set_device(local_rank)
        device, backend = f"cuda:{local_rank}", "nccl"
    else:
        backend = "gloo"
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend, timeout=datetime.timedelta(seconds=seconds))
    return World(rank, local_rank, size, backend, device)


def leave_world(world: World) -> None:
    """Leave the process group (a no-op when alone)."""
    if world.distributed and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
