"""Triton support: mode codes, availability and the launcher, importing triton only when a kernel is launched."""

import subprocess
import sys

import pytest

from posynda.kernels import triton_support as kernels


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("ON", True), ("0", False), ("", False)])
def test_interpreter_request_is_read_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("TRITON_INTERPRET", value)
    assert kernels.interpreter_requested() is expected


def test_needs_cuda_error_says_what_to_do():
    message = str(kernels.triton_needs_cuda("cpu"))
    assert "got cpu tensors" in message and "backend='torch'" in message and "TRITON_INTERPRET=1" in message


def test_importing_the_package_imports_no_triton():
    code = "import sys, posynda.kernels.triton_support; print('triton' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
