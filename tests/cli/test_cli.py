"""The command group: start-up imports nothing heavy, commands are listed from their docstrings, errors are one line."""

import subprocess
import sys

import pytest

HEAVY = ("torch", "numpy", "peft", "onnx", "onnxruntime", "tensorrt", "triton", "matplotlib")


@pytest.mark.parametrize("args", [[], ["--help"], ["-h"], ["--version"]], ids=["import", "help", "h", "version"])
def test_start_up_imports_nothing_heavy(args):
    code = (
        "import sys\nfrom posynda.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_module_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "posynda.cli", "--help"], capture_output=True, text=True, check=True)
    assert "pretrain" in out.stdout and "Usage: " in out.stdout
