"""The one-way house: the layer contracts of pyproject.toml hold, and they catch what they are meant to catch.

``.ci/lint_imports.py`` runs ``lint-imports`` on a copy of the package in which the symlinked namespace
packages (``posynda/kernels -> ../kernels``, ...) are regular folders, with or without an injected import.
"""

import shutil
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "lint_imports.py"
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())
LEAF = "kernels/ is a leaf: torch and triton only"
LINT = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))

pytestmark = pytest.mark.skipif(not Path(LINT).exists(), reason="import-linter is not installed")


def lint(*injections: str) -> subprocess.CompletedProcess:
    """``.ci/lint_imports.py`` (lint-imports on the staged package) with ``MODULE:LINE`` injections."""
    args = [a for item in injections for a in ("--inject", item)]
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True)


def contracts() -> dict[str, dict]:
    return {c["name"]: c for c in CONFIG["tool"]["importlinter"]["contracts"]}


def test_the_tree_keeps_every_contract():
    result = lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(contracts())} kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    "module, line, contract",
    [
        ("kernels/triton_support.py", "from posynda import camera", LEAF),
        ("kernels/triton_support.py", "from posynda.errors import InputError", LEAF),
        ("kernels/triton_reproject.py", "import numpy", LEAF),
        ("kernels/triton_support.py", "import posynda.runtime", LEAF),
        ("runtime/settings.py", "import posynda.export.exporter", "Layers run one way"),
        ("camera.py", "from posynda.runtime import Lifter", "Layers run one way"),
        ("adapt/step.py", "from posynda.pretrain import RECIPES", "Layers run one way"),
        ("evaluate.py", "from posynda.adapt import AdaptSettings", "Layers run one way"),
        ("runtime/lifter.py", "from posynda.posefiles import write_poses", "Layers run one way"),
        ("runtime/stream.py", "import posynda.viz.formats", "Layers run one way"),
        ("data/detections/video.py", "from posynda.viz import write_viz", "Layers run one way"),
        ("viz/sheet.py", "from posynda.posefiles import lifted_poses", "Layers run one way"),
    ],
    ids=[
        "kernels->camera",
        "kernels->errors",
        "kernels->numpy",
        "kernels->runtime",
        "runtime->export",
        "core->runtime",
        "adapt->pretrain",
        "evaluate->adapt",
        "runtime->posefiles",
        "runtime->viz",
        "data->viz",
        "viz->posefiles",
    ],
)
def test_a_backward_import_breaks_its_contract(module, line, contract):
    result = lint(f"{module}:{line}")
    assert result.returncode != 0
    assert f"{contract} BROKEN" in result.stdout, result.stdout


def test_every_module_is_in_a_layer_and_outside_the_kernels():
    top = {p.stem for p in (ROOT / "posynda").iterdir() if not p.name.startswith("__") and p.suffix in ("", ".py")}
    top |= {"kernels", "export", "bench"}
    layered = {
        m.strip().split(".")[1] for layer in contracts()["Layers run one way"]["layers"] for m in layer.split("|")
    }
    assert top - layered == {"assets"}  # the shipped checkpoint: data, no code
    leaf = contracts()["kernels/ is a leaf: torch and triton only"]
    forbidden = {m.split(".")[1] for m in leaf["forbidden_modules"] if m.startswith("posynda.")}
    assert forbidden == top - {"kernels"}


def test_kernels_may_not_even_import_the_package_root():
    result = lint("kernels/triton_support.py:import posynda")
    assert result.returncode != 0 and "kernels/ imports nothing else of posynda: BROKEN posynda" in result.stdout
    assert "imports nothing else of posynda: KEPT" in lint().stdout


def test_git_holds_only_the_three_namespace_links():
    """posynda/kernels, posynda/export and posynda/bench link to the root folders (docs/ARCHITECTURE.md); no
    other symlink."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    staged = subprocess.run(["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    links = sorted(line.split("\t")[1] for line in staged.splitlines() if line.startswith("120000"))
    assert links == ["posynda/bench", "posynda/export", "posynda/kernels"]
    for link in links:
        assert (ROOT / link).readlink() == Path("..") / Path(link).name
