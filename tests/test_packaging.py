"""The checkout's layout (docs/ARCHITECTURE.md, "One package, one wiring"): from the repository root no
folder shadows an installed module, and the wheel finds every package of the tree by itself.

Python puts the repository root first on ``sys.path`` for ``python -m pytest``, ``python cli.py`` and
``torchrun -m posynda.cli``. ``kernels/``, ``export/`` and ``bench/`` have no ``__init__.py``: a folder
without one is at most a namespace portion, and the import system takes a regular package or module
of the same name from anywhere on ``sys.path`` before it (PEP 420). transformers (pulled in by peft)
imports the PyPI package ``kernels``: with a ``kernels/__init__.py`` at the root it got ours.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from setuptools import find_namespace_packages

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
ROOT_AREAS = ("kernels", "export", "bench")


@pytest.mark.parametrize("name", ROOT_AREAS)
def test_a_third_party_module_of_a_root_folder_name_is_not_shadowed(tmp_path, name):
    site = tmp_path / "site"
    (site / name).mkdir(parents=True)
    (site / name / "__init__.py").write_text("ORIGIN = 'third-party'\n")
    # the root first, as `python -m ...` and `python cli.py` from the checkout put it, the installed module after it
    code = f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(site)!r}]; import {name}; print({name}.ORIGIN)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "third-party"


@pytest.mark.parametrize("name", ROOT_AREAS)
def test_root_folders_are_no_regular_packages(name):
    assert (ROOT / name).is_dir() and not (ROOT / name / "__init__.py").exists()


def test_transformers_finds_its_kernels_package_from_the_root():
    pytest.importorskip("transformers")
    code = "import peft, transformers, kernels; print(kernels.__file__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr.strip().splitlines()[-1:]
    assert not Path(out.stdout.strip()).is_relative_to(ROOT / "kernels")


def _package_folders() -> set[str]:
    """Every folder under posynda/ (symlinks followed) that holds Python modules, as a dotted name."""
    found = set()
    for init in (ROOT / "posynda").rglob("*.py"):
        relative = init.parent.relative_to(ROOT)
        if "__pycache__" not in relative.parts:
            found.add(".".join(relative.parts))
    # rglob does not descend into symlinked folders: add the namespace packages' own trees
    for name in ROOT_AREAS:
        for module in (ROOT / name).rglob("*.py"):
            found.add(".".join(("posynda", *module.parent.relative_to(ROOT).parts)))
    return found


def test_package_discovery_finds_every_package_folder():
    """The wheel's packages, as setuptools finds them from pyproject.toml, are exactly the folders with modules
    (plus the data-only posynda.assets)."""
    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    assert find.get("namespaces", True)
    packages = set(
        find_namespace_packages(where=str(ROOT / find["where"][0]), include=find["include"], exclude=find["exclude"])
    )
    assert _package_folders() <= packages
    assert packages - _package_folders() <= {"posynda.assets"}
