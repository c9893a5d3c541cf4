"""`bench all`: what ran, what was skipped and why, and that shortened runs are never saved as results."""

import json

import pytest
import torch

from posynda.bench import suite
from posynda.errors import InputError
from tests.helpers.cli import markdown_rows


def test_flops_only_run_says_what_it_skipped(results):
    summary = suite.run_all("all", skip=("kernels", "latency"), log=lambda _line: None)
    assert set(summary["ran"]) == {"flops-tiny", "flops-paper"}
    assert summary["skipped"] == {"kernels": "--skip", "latency": "--skip", "accuracy": suite.ACCURACY_SKIPPED}
    assert json.loads((results.parent.parent / "all/flops-paper.json").read_text())["rows"][4]["value"] == "277.26"
    table = markdown_rows(suite.summary_markdown(summary))
    assert [r[0] for r in table[1:]] == ["flops-tiny", "flops-paper"]
    assert not results.exists()  # nothing saved without save


@pytest.mark.slow
def test_quick_runs_are_not_saved(results):
    summary = suite.run_all("all", quick=True, skip=("flops", "latency"), save=True, log=lambda _line: None)
    assert set(summary["ran"]) == {"kernels"} and set(summary["not_saved"]) == {"kernels"}
    if not torch.cuda.is_available():
        assert summary["skipped"]["kernels/triton"].startswith("no CUDA device")
    assert (results.parent.parent / "all/kernels.md").is_file() and not results.exists()


def test_unknown_benches_are_refused(results):
    with pytest.raises(InputError, match="unknown bench"):
        suite.run_all("all", skip=("gpu",))
