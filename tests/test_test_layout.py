"""The tests' own layout: helpers live in tests/helpers (never imported from a conftest.py or another test module),
conftest files hold fixtures and hooks only, and ``@pytest.mark.gpu`` alone skips a test where there is no CUDA."""

import ast
from pathlib import Path

import pytest
import torch

from tests.helpers.gpu import GPU_REASON

pytest_plugins = ["pytester"]

TESTS = Path(__file__).resolve().parent
SOURCES = sorted(TESTS.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(TESTS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, tree: ast.AST):
    """``(line, module)`` of every module an import in ``tree`` names (relative imports resolved; for
    ``from package import name`` both ``package`` and ``package.name``, which may be a module)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def forbidden(module: str) -> bool:
    """A conftest module, or a test module (``tests....test_*``)."""
    parts = module.split(".")
    return parts[0] == "tests" and (parts[-1] == "conftest" or parts[-1].startswith("test_"))


def test_the_layout_check_sees_every_kind_of_import(tmp_path):
    offending = [
        "from tests.conftest import make_clips",
        "from tests.data.detections.conftest import scene",
        "import tests.viz.conftest",
        "from tests.bench.test_results import stop_at_call",
        "from tests.bench import test_curves",
        "from .conftest import walk",
        "from . import test_loop",
    ]
    fine = ["from tests.helpers.clips import make_clips", "from tests.helpers import cli", "import tests.helpers.bvh"]
    path = TESTS / "training" / "test_example.py"  # a module of the tests.training package (never written)
    for line in offending + fine:
        found = [m for _, m in imported_modules(path, ast.parse(line)) if forbidden(m)]
        assert bool(found) == (line in offending), (line, found)


def test_no_test_file_imports_a_conftest_or_a_test_module():
    """Helpers (functions, constants, classes) are in tests/helpers: a conftest.py is pytest's, a test module is a
    test; importing either from another file ties that file to fixtures or to a module it cannot see."""
    offences = [
        f"{path.relative_to(TESTS.parent)}:{line}: imports {module}"
        for path in SOURCES
        for line, module in imported_modules(path, ast.parse(path.read_text(), str(path)))
        if forbidden(module)
    ]
    assert not offences, "\n".join(["import helpers from tests/helpers instead:", *offences])


def fixture_or_hook(node: ast.AST) -> bool:
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    decorators = [d.func if isinstance(d, ast.Call) else d for d in node.decorator_list]
    is_fixture = any(isinstance(d, ast.Attribute) and d.attr == "fixture" for d in decorators)
    return is_fixture or node.name.startswith("pytest_")


def test_conftest_files_hold_fixtures_and_hooks_only():
    """Top level of every conftest.py: imports, fixtures, ``pytest_*`` hooks and statements that prepare the session
    (the OpenMP spin, the device); no helper function, class or constant."""
    offences = []
    for path in SOURCES:
        if path.name != "conftest.py":
            continue
        for node in ast.parse(path.read_text(), str(path)).body:
            if isinstance(node, (ast.Import, ast.ImportFrom, ast.Expr)) or fixture_or_hook(node):
                continue
            if isinstance(node, ast.Assign) and all(isinstance(t, ast.Subscript) for t in node.targets):
                continue  # os.environ[...] = ...
            offences.append(f"{path.relative_to(TESTS.parent)}:{node.lineno}: {ast.unparse(node).splitlines()[0]}")
    assert not offences, "\n".join(["move these to tests/helpers:", *offences])


# ------------------------------------------------------------------------------------------------ the gpu marker
GPU_TESTS = """
import pytest

@pytest.mark.gpu
def test_marked():
    pass

@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def test_cases(device):
    pass

@pytest.mark.gpu
@pytest.mark.skipif(True, reason="needs TensorRT too")
def test_marked_and_needing_more():
    pass

def test_unmarked():
    pass
"""


@pytest.fixture
def gpu_session(pytester, request, monkeypatch):
    """Run :data:`GPU_TESTS` under tests/conftest.py's hooks with ``torch.cuda.is_available()`` answering ``cuda``."""
    pytester.makeini("[pytest]\nmarkers =\n" + "".join(f"    {m}\n" for m in request.config.getini("markers")))
    pytester.makepyfile(test_gpu_marked=GPU_TESTS)

    def run(cuda: bool):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        return pytester.runpytest_inprocess("-p", "tests.conftest", "-p", "no:cacheprovider", "-rs", "-v")

    return run


def test_gpu_marked_tests_skip_with_one_reason_without_cuda(gpu_session):
    result = gpu_session(cuda=False)
    result.assert_outcomes(passed=2, skipped=3)
    reports = [r for r in result.reprec.getreports("pytest_runtest_logreport") if r.skipped]
    skipped = {r.nodeid.split("::")[1]: r.longrepr[2] for r in reports}
    assert skipped == {
        "test_marked": f"Skipped: {GPU_REASON}",
        "test_cases[cuda]": f"Skipped: {GPU_REASON}",
        "test_marked_and_needing_more": f"Skipped: {GPU_REASON}",  # the GPU is named first
    }
    assert {Path(r.longrepr[0]).name for r in reports} == {"test_gpu_marked.py"}  # reported at the test, not a hook


def test_gpu_marked_tests_run_with_cuda(gpu_session):
    result = gpu_session(cuda=True)
    result.assert_outcomes(passed=4, skipped=1)
    result.stdout.fnmatch_lines(["*SKIPPED*needs TensorRT too*"])
