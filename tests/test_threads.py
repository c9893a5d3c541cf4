"""--threads and the OpenMP wait: the chosen number reaches PyTorch and ONNX Runtime, the user's settings win."""

import os
import subprocess
import sys

import pytest
import torch

from posynda import threads
from posynda.errors import InputError


def test_physical_cores_is_sane():
    assert 1 <= threads.physical_cores() <= (os.cpu_count() or 1)


@pytest.mark.parametrize(
    "environ, expected",
    [({}, str(threads.SPIN_COUNT)), ({"OMP_WAIT_POLICY": "ACTIVE"}, None), ({"GOMP_SPINCOUNT": "1"}, "1")],
    ids=["default", "user-policy", "user-spin"],
)
def test_a_short_spin_unless_the_user_chose(environ, expected):
    code = "import os, posynda.threads as t; t.prepare_openmp(); print(os.environ.get('GOMP_SPINCOUNT'))"
    env = {k: v for k, v in os.environ.items() if k not in threads.WAIT_SETTINGS} | environ
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(expected)


def test_too_late_once_torch_is_loaded():
    environ = {}
    assert "torch" in sys.modules and threads.prepare_openmp(environ) is False and environ == {}


def test_the_command_line_sets_the_spin_before_torch_loads():
    code = "import os, posynda.cli, torch; print(os.environ.get('GOMP_SPINCOUNT'))"
    env = {k: v for k, v in os.environ.items() if k not in threads.WAIT_SETTINGS}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(threads.SPIN_COUNT)


@pytest.mark.parametrize("value, expected", [("3", 3), ("", None), ("zero", None), ("0", None)])
def test_omp_num_threads_is_the_default(monkeypatch, value, expected):
    monkeypatch.setattr(threads, "_chosen", None)
    monkeypatch.setenv("OMP_NUM_THREADS", value)
    assert threads.chosen_threads() == (expected or threads.default_threads())


@pytest.mark.parametrize(
    "idle, cores, logical, expected",
    [(2.0, 2, 2, 2), (0.1, 2, 2, 1), (1.0, 2, 2, 1), (1.6, 2, 2, 2), (6.0, 4, 8, 3), (None, 4, 8, 4)],
    ids=["idle", "busy", "half", "mostly-idle", "hyperthreads", "unknown"],
)
def test_the_default_is_the_cores_idle_now(monkeypatch, idle, cores, logical, expected):
    threads.default_threads.cache_clear()
    monkeypatch.setattr(threads, "idle_cores", lambda seconds=0: idle)
    monkeypatch.setattr(threads, "physical_cores", lambda: cores)
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: set(range(logical)))
    try:
        assert threads.default_threads() == expected
    finally:
        threads.default_threads.cache_clear()


def test_idle_cores_reads_the_cpus_of_this_process():
    if not threads.Path("/proc/stat").exists():
        pytest.skip("no /proc/stat")
    idle = threads.idle_cores(0.05)
    assert idle is not None and 0.0 <= idle <= len(os.sched_getaffinity(0)) + 1e-6


def test_use_threads_reaches_torch_and_is_bounded(monkeypatch):
    monkeypatch.setattr(threads, "_chosen", None)
    before = torch.get_num_threads()
    try:
        assert threads.use_threads(1) == 1 and torch.get_num_threads() == 1 and threads.chosen_threads() == 1
        assert threads.use_threads(None) == 1  # None keeps the choice
        monkeypatch.setattr(threads, "_chosen", None)
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
        assert threads.use_threads(None) == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    for bad in (0, threads.MAX_THREADS + 1):
        with pytest.raises(InputError, match="threads must be in"):
            threads.use_threads(bad)


def test_torch_threads_caps_pytorch_inside_the_block_and_restores_it():
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        with threads.torch_threads(1):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        with pytest.raises(RuntimeError), threads.torch_threads(1):
            raise RuntimeError("the block failed")
        assert torch.get_num_threads() == 2  # restored on the way out of a failure too
        torch.set_num_threads(1)
        with threads.torch_threads(4):  # a cap, never more threads than before
            assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
