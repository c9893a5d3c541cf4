"""bench/gpu_check.sh --dry-run: every step of the GPU check is wired (its command line parses, the gpu tests
collect, torchrun is there), and a step that is not is reported and fails the run."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STEPS = 8


@pytest.mark.slow
def test_a_dry_run_checks_every_step_and_names_the_one_not_wired(tmp_path):
    checkout = tmp_path / "repo"
    (checkout / "bench").mkdir(parents=True)
    script = (ROOT / "bench" / "gpu_check.sh").read_text()
    assert script.count("\nstep ") == STEPS
    sabotaged = script.replace("--precisions fp32,bf16 --world-sizes 1", "--precisions fp32,bf16 --world-sizes 0")
    assert sabotaged != script
    (checkout / "bench" / "gpu_check.sh").write_text(sabotaged)
    shutil.copytree(ROOT / "tests", checkout / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", checkout / "pyproject.toml")
    env = {**os.environ, "OUT": str(tmp_path / "out"), "PYTHON": sys.executable}
    result = subprocess.run(["bash", str(checkout / "bench" / "gpu_check.sh"), "--dry-run"], capture_output=True,
                            text=True, env=env, cwd=checkout, timeout=600)  # fmt: skip
    log = (tmp_path / "out" / "log").read_text()
    assert result.returncode == 1, log
    assert log.count("=== rc=0 ") == STEPS - 1 and "not wired: bench train, tiny (rc " in log
    assert "tests collected" in log and "parses: posynda pretrain --preset tiny" in log
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["log"]  # a dry run keeps no results
