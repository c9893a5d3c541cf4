"""Dispatch of reproject_select: the reference on the CPU (without importing triton), Triton for CUDA tensors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from posynda.hypotheses import reproject_select, resolve_backend
from posynda.kernels import triton_support as kernels

ROOT = Path(__file__).resolve().parents[2]
CAMERA = torch.tensor([1145.0, 1145.0, 500.0, 500.0, 0, 0, 0, 0, 0])


def inputs():
    g = torch.Generator().manual_seed(0)
    hyp = torch.randn(4, 3, 17, 3, generator=g) * 0.2
    return hyp, torch.rand(4, 17, 2, generator=g) * 1000, CAMERA


def test_auto_backend_on_cpu_is_the_reference_and_never_imports_triton():
    code = (
        "import sys, torch\n"
        "from posynda.hypotheses import reproject_select, reproject_select_reference\n"
        "hyp = torch.randn(4, 3, 17, 3) * 0.2\n"
        "kp = torch.rand(4, 17, 2) * 1000\n"
        "cam = torch.tensor([1145.0, 1145.0, 500.0, 500.0, 0, 0, 0, 0, 0])\n"
        "a = reproject_select(hyp, kp, cam)\n"
        "b = reproject_select_reference(hyp, kp, cam)\n"
        "assert all(torch.equal(x, y) for x, y in zip(a, b))\n"
        "assert 'triton' not in sys.modules, 'triton was imported'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env)


def test_forced_triton_on_cpu_explains_why(monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    if not kernels.triton_available():
        with pytest.raises(ValueError, match="needs the triton package"):
            reproject_select(*inputs(), backend="triton")
        return
    with pytest.raises(ValueError, match="needs CUDA tensors.*TRITON_INTERPRET=1"):
        reproject_select(*inputs(), backend="triton")


@pytest.mark.parametrize("backend", ["cuda", "numpy"])
def test_unknown_backends_are_refused(backend):
    with pytest.raises(ValueError, match="backend must be one of"):
        resolve_backend(backend, inputs()[0])


def test_auto_picks_the_reference_for_cpu_tensors():
    assert resolve_backend("auto", inputs()[0]) == "torch" and resolve_backend("torch", inputs()[0]) == "torch"
