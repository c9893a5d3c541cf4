"""Run ``lint-imports`` on the package as grimp can read it: a copy of ``posynda/`` with its symlinked
namespace packages (``posynda/kernels -> ../kernels``, ``export``, ``bench``) copied as folders and
given an empty ``__init__.py`` each (grimp does not walk namespace subpackages; the import graph is
the same).

The script also checks the one rule a forbidden contract cannot state: ``posynda.kernels`` imports
nothing of ``posynda`` outside itself, not even the package root. ``--inject MODULE:LINE`` appends
LINE to posynda/MODULE in the staged copy (the tests use it to show that a backward import breaks a
contract). Exits non-zero when any check fails.

    python .ci/lint_imports.py [--inject runtime/settings.py:"import posynda.export"]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def stage(folder: Path) -> Path:
    """Copy ``posynda/`` (symlinks followed) under ``folder`` with an ``__init__.py`` in every package folder."""
    skip = shutil.ignore_patterns("__pycache__", "build", "results", "*.sh", "*.md")
    package = folder / "posynda"
    shutil.copytree(ROOT / "posynda", package, symlinks=False, ignore=skip)
    for sub in [package, *package.rglob("*")]:
        if sub.is_dir() and any(sub.glob("*.py")) and not (sub / "__init__.py").exists():
            (sub / "__init__.py").write_text("")
    shutil.copy(ROOT / "pyproject.toml", folder)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inject", action="append", default=[], metavar="MODULE:LINE")
    args = parser.parse_args()
    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = stage(Path(tmp))
        for item in args.inject:
            module, line = item.split(":", 1)
            path = folder / "posynda" / module
            path.write_text(path.read_text() + f"\n{line}  # injected\n")
        env = {**os.environ, "PYTHONPATH": str(folder)}
        status = subprocess.run([lint, "--no-cache"], cwd=folder, env=env).returncode
        leaf = subprocess.run([sys.executable, "-c", LEAF_CHECK], cwd=folder, env=env)
        return status or leaf.returncode


# posynda.kernels -> anything of posynda outside posynda.kernels (the root included) is an error.
LEAF_CHECK = """
import sys, grimp
graph = grimp.build_graph("posynda")
kernels = {m for m in graph.modules if m == "posynda.kernels" or m.startswith("posynda.kernels.")}
outside = sorted({i for m in kernels for i in graph.find_modules_directly_imported_by(m)} - kernels)
outside = [m for m in outside if m == "posynda" or m.startswith("posynda.")]
print(f"kernels/ imports nothing else of posynda: {'BROKEN ' + ', '.join(outside) if outside else 'KEPT'}")
sys.exit(1 if outside else 0)
"""


if __name__ == "__main__":
    sys.exit(main())
