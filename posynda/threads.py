"""How many CPU threads posynda computes with (``--threads N``) and how idle threads wait.

PyTorch's CPU kernels (and MKL, oneDNN) run on GNU OpenMP with one thread per physical core. On a
machine whose cores other processes keep busy that default collapses: every parallel region waits
for a thread that is not running (``posynda adapt`` took 525 s instead of 63 s with one thread;
``posynda bench threads`` measures it, bench/results/<machine>/threads.md). So the command line:

- counts the cores that are **idle when the command starts** (:func:`idle_cores`: ``/proc/stat``
  sampled over :data:`SAMPLE_SECONDS`, this process excluded) and computes with that many threads,
  at least one and at most the physical cores -- all of them on an idle machine, one on a busy one;
- shortens OpenMP's spin before a waiting thread sleeps (``GOMP_SPINCOUNT`` = :data:`SPIN_COUNT`
  instead of libgomp's 300,000 iterations; :func:`prepare_openmp`, before torch loads), so load that
  arrives later costs less.

``--threads N`` (:func:`use_threads`) or ``$OMP_NUM_THREADS`` (which torchrun sets to 1 per process
when it starts several) choose the number instead; ``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT`` set by
the user win over the spin. ONNX Runtime sessions take the same number (:func:`chosen_threads`). A
Python program using the library gets PyTorch's own defaults unless it calls :func:`use_threads`.

This module imports no torch at load time: the command line calls :func:`prepare_openmp` first.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
from pathlib import Path

from posynda.errors import InputError

# libgomp's spin before a waiting thread sleeps (its default is 300,000): short enough that a busy
# machine does not stall every barrier, long enough that an idle one loses nothing (bench threads).
SPIN_COUNT = 3000
SAMPLE_SECONDS = 0.2  # how long idle_cores watches the CPUs
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


def idle_cores(seconds: float = SAMPLE_SECONDS) -> float | None:
    """How many of this process's CPUs other processes left idle over the next ``seconds`` (``/proc/stat``,
    Linux; this process sleeps meanwhile), or None where that cannot be read."""
    try:
        cpus = {f"cpu{c}" for c in os.sched_getaffinity(0)}
        before = _cpu_times(cpus)
        time.sleep(seconds)
        after = _cpu_times(cpus)
    except (AttributeError, OSError, ValueError):
        return None
    idle = 0.0
    for cpu, (total, waiting) in after.items():
        elapsed = total - before[cpu][0]
        if elapsed > 0:
            idle += (waiting - before[cpu][1]) / elapsed
    return idle


def _cpu_times(cpus: set[str]) -> dict[str, tuple[int, int]]:
    """``{cpu: (all jiffies, idle + iowait jiffies)}`` of the ``cpus`` lines of ``/proc/stat``."""
    times = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name in cpus:
            numbers = [int(v) for v in values[:8]]
            times[name] = (sum(numbers), numbers[3] + numbers[4])
    if not times:
        raise ValueError("no per-CPU lines in /proc/stat")
    return times


@functools.lru_cache(maxsize=1)
def default_threads() -> int:
    """The physical cores, scaled by the share of this process's CPUs that are idle now (at least 1): measured
    once per process (:func:`idle_cores`)."""
    cores = physical_cores()
    idle = idle_cores()
    if idle is None:
        return cores
    logical = max(1, len(os.sched_getaffinity(0)))
    return max(1, min(cores, round(cores * idle / logical)))


def chosen_threads() -> int:
    """The intra-op threads of this process: ``--threads``, else ``$OMP_NUM_THREADS``, else
    :func:`default_threads`."""
    if _chosen is not None:
        return _chosen
    value = os.environ.get(THREADS_ENV, "").strip()
    if value.isdigit() and int(value) >= 1:
        return min(int(value), MAX_THREADS)
    return default_threads()


def use_threads(threads: int | None) -> int:
    """Compute with ``threads`` CPU threads, or with :func:`chosen_threads` when None (the user's
    ``$OMP_NUM_THREADS``, else the cores idle now): PyTorch from now on, and ONNX Runtime sessions made
    from now on. Returns the number in use."""
    global _chosen
    if threads is not None and not 1 <= threads <= MAX_THREADS:
        raise InputError(f"threads must be in [1, {MAX_THREADS}], got {threads}")
    _chosen = threads if threads is not None else chosen_threads()
    import torch  # noqa: PLC0415 - this module loads before torch on purpose (prepare_openmp)

    if torch.get_num_threads() != _chosen:
        torch.set_num_threads(_chosen)
    return _chosen


@contextlib.contextmanager
def torch_threads(threads: int):
    """PyTorch computes with at most ``threads`` threads inside the block, then with as many as before (ONNX
    Runtime sessions keep theirs). For work too small to share among threads -- a live stream's one window per
    frame -- which a busy machine otherwise stalls at every barrier (bench/README.md, "Pixels to 3D live")."""
    import torch  # noqa: PLC0415 - this module loads before torch on purpose (prepare_openmp)

    before = torch.get_num_threads()
    if before > threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)
