"""Where bench results go: the machine folder, the results root, atomic JSON + Markdown, saved copies."""

import json
import os

import torch

from posynda.bench.results import RESULTS_ENV, machine_slug, results_dir, save_copies, write_results


def test_machine_slug_and_results_root(results, monkeypatch):
    if not torch.cuda.is_available():
        assert machine_slug() == f"cpu-{os.cpu_count()}core"
    assert results_dir() == results
    monkeypatch.delenv(RESULTS_ENV)
    assert str(results_dir()).startswith("bench/results/")


def test_results_are_written_and_saved_under_their_names(results, tmp_path):
    files = write_results(tmp_path / "run", "x", {"a": 1}, "# x\n")
    assert [p.name for p in files] == ["x.json", "x.md"] and json.loads(files[0].read_text()) == {"a": 1}
    saved = save_copies(files, rename={"x.md": "renamed.md"})
    assert [p.name for p in saved] == ["x.json", "renamed.md"] and saved[0].parent == results
    assert saved[1].read_text() == "# x\n"
