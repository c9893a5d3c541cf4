"""How many CPU threads posynda computes with (``--threads N``) and how idle threads wait.

PyTorch's CPU kernels (and MKL, oneDNN) run on GNU OpenMP. By default a libgomp thread that reaches
a barrier spins for about 300,000 iterations before it sleeps. On a machine where other processes
keep the cores busy, the thread it waits for is often not running, so every parallel region costs a
scheduler time slice instead of microseconds: ``posynda adapt`` went from 63 s to 525 s with the
default threads under load. posynda therefore shortens the spin (:data:`SPIN_COUNT`, set as
``GOMP_SPINCOUNT`` by :func:`prepare_openmp` before torch loads), which keeps every core's speed on
an idle machine and stops the collapse on a busy one; ``posynda bench threads`` measures it
(bench/results/<machine>/threads.md). ``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT`` set by the user win.

The number of threads: ``--threads N`` (:func:`use_threads`), else ``$OMP_NUM_THREADS`` (which
torchrun sets to 1 per process when it starts several), else the physical cores. ONNX Runtime
sessions take the same number (:func:`chosen_threads`).

This module imports no torch at load time: the command line calls :func:`prepare_openmp` first.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from posynda.errors import InputError

# libgomp's spin before a waiting thread sleeps (its default is 300,000): short enough that a busy
# machine does not stall every barrier, long enough that an idle one loses nothing (bench threads).
SPIN_COUNT = 3000
WAIT_SETTINGS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
THREADS_ENV = "OMP_NUM_THREADS"
MAX_THREADS = 1024

_chosen: int | None = None


def physical_cores() -> int:
    """Physical CPU cores available to this process (hyper-threads counted once)."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
    cores = set()
    for cpu in cpus:
        base = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            cores.add((base / "physical_package_id").read_text().strip() + ":" + (base / "core_id").read_text().strip())
        except OSError:
            return len(cpus)
    return max(1, len(cores))


def prepare_openmp(environ=os.environ) -> bool:
    """Set ``GOMP_SPINCOUNT`` to :data:`SPIN_COUNT` unless the user chose a wait policy; True when set.

    OpenMP reads it once, when torch's libgomp loads: call this before ``import torch`` (the command
    line does; a Python program that wants the same behaviour sets the variable itself)."""
    if any(name in environ for name in WAIT_SETTINGS) or "torch" in sys.modules:
        return False
    environ["GOMP_SPINCOUNT"] = str(SPIN_COUNT)
    return True


def chosen_threads() -> int:
    """The intra-op threads of this process: ``--threads``, else ``$OMP_NUM_THREADS``, else the physical cores."""
    if _chosen is not None:
        return _chosen
    value = os.environ.get(THREADS_ENV, "").strip()
    if value.isdigit() and int(value) >= 1:
        return min(int(value), MAX_THREADS)
    return physical_cores()


def use_threads(threads: int | None) -> int:
    """Compute with ``threads`` CPU threads (PyTorch now, ONNX Runtime sessions made from now on); None keeps
    the default (:func:`chosen_threads`). Returns the number in use."""
    global _chosen
    if threads is not None:
        if not 1 <= threads <= MAX_THREADS:
            raise InputError(f"threads must be in [1, {MAX_THREADS}], got {threads}")
        import torch  # noqa: PLC0415 - this module loads before torch on purpose (prepare_openmp)

        torch.set_num_threads(threads)
        _chosen = threads
    return chosen_threads()
