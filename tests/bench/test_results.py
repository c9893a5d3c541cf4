"""Where bench results go: the machine folder, the results root, atomic JSON + Markdown, saved copies; results
written row by row, so a bench stopped after its first row leaves that row on disk, marked incomplete."""

import dataclasses
import json
import os

import numpy as np
import pytest
import torch

from posynda.adapt import ABLATION_ROWS, AdaptSettings
from posynda.baselines import BASELINES
from posynda.bench import accuracy, adapt_step, curves, footage, kernels, latency, throughput
from posynda.bench import training_step as train
from posynda.bench.results import (
    INCOMPLETE_NOTE,
    RESULTS_ENV,
    RowWriter,
    completed,
    machine_slug,
    peak_rss_mb,
    results_dir,
    save_copies,
    write_results,
)
from posynda.data import save_clips
from tests.helpers.bench import SMALL
from tests.helpers.cli import markdown_rows
from tests.helpers.clips import make_clips
from tests.helpers.interrupts import Stopped, stop_at_call


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


def test_a_row_writer_rewrites_the_results_marked_incomplete(tmp_path):
    writer = RowWriter(tmp_path / "run", "x", lambda r: f"rows: {len(r['rows'])}\n")
    for rows in ([1], [1, 2]):
        json_path, md_path = writer({"rows": rows})
    assert json.loads(json_path.read_text()) == {"rows": [1, 2], "complete": False} and writer.writes == 2
    assert md_path.read_text() == INCOMPLETE_NOTE + "rows: 2\n"
    assert completed({"rows": [1]}) == {"rows": [1], "complete": True}


def test_the_peak_rss_covers_what_this_process_holds():
    held = np.ones(64 * 2**20 // 8)  # 64 MiB, written
    assert peak_rss_mb() >= held.nbytes / 2**20


def _footage(out, on_row, micro):
    target = make_clips((30, 30), seed=3, with_3d=False)
    target = dataclasses.replace(target, fps=np.full(2, 60.0, np.float32))
    footage.run_footage(micro, make_clips((40,)), target, make_clips((20,), seed=4), out, minutes=(1 / 120,),
                        settings=AdaptSettings(steps=1, source_batch=2, target_batch=2, hypotheses=2),
                        log=lambda *_: None, on_row=on_row)  # fmt: skip


def _accuracy(out, on_row, micro):
    files = dict(
        checkpoint=micro,
        source=save_clips(out / "s.npz", make_clips((30,))),
        target=save_clips(out / "t.npz", make_clips((20,), seed=3, with_3d=False)),
        test=save_clips(out / "e.npz", make_clips((15,), seed=4)),
    )
    accuracy.run_accuracy(out, AdaptSettings(steps=1, source_batch=2, target_batch=2, hypotheses=2),
                          rows=ABLATION_ROWS[:2], mlp_steps=5, on_row=on_row, **files)  # fmt: skip


# bench: (module, function stopped, at call, stem, markdown, run(out_dir, on_row, micro checkpoint), first row)
STOPPED_BENCHES = {
    "latency": (latency, "_batch_rows", 2, "latency", latency.markdown,
                lambda out, on_row, _: latency.run(("tiny",), batches=(1, 8), repeats=1, warmup=0,
                                                   backends=("torch-eager",), e2e=False, on_row=on_row),
                lambda rows: [(r["config"], r["batch"], r["backend"]) for r in rows] == [("tiny", 1, "torch-eager")]),
    "throughput": (throughput, "measure", 2, "throughput", throughput.markdown,
                   lambda out, on_row, _: throughput.run(("tiny", "videopose-tiny"), repeats=1, on_row=on_row),
                   lambda rows: [r["preset"] for r in rows] == ["tiny"]),
    "adapt-step": (adapt_step, "measure", 2, "adapt_step", adapt_step.markdown,
                   lambda out, on_row, _: adapt_step.run(("tiny",), (1, 2), repeats=1, warmup=0, device="cpu",
                                                         on_row=on_row),
                   lambda rows: [r["hypotheses"] for r in rows] == [1] and rows[0]["x_vs_first"] == 1.0),
    "train": (train, "run_row", 2, "train", train.markdown,
              lambda out, on_row, _: train.run_train(("videopose-tiny",), world_sizes=(1, 1), device="cpu", repeats=1,
                                                     warmup=1, log=lambda _: None, on_row=on_row),
              lambda rows: [r["world_size"] for r in rows] == [1] and rows[0]["step_ms"] > 0),
    "kernels": (kernels, "make_inputs", 2, "kernels", kernels.markdown,
                lambda out, on_row, _: kernels.run("cpu", sizes=(32,), hypotheses=(1, 3), quick=True, log=None,
                                                   on_row=on_row),
                lambda rows: [(r["backend"], r["h"], r["status"]) for r in rows] == [("torch", 1, "ok")]),
    "curves": (curves, "pretrain", 2, "curves", curves.markdown,
               lambda out, on_row, _: curves.run_curves(make_clips((40,)), make_clips((30,), seed=5), out, steps=2,
                                                        eval_every=1, variants=SMALL, log=lambda *_: None,
                                                        on_row=on_row),
               lambda rows: list(rows) == [next(iter(SMALL))]),
    "footage": (footage, "adapt", 1, "footage", footage.markdown, _footage,
                lambda rows: [r["minutes"] for r in rows] == [0.0]),
    "accuracy": (accuracy, "run_ablation", 1, "ablation", accuracy.references_markdown, _accuracy,
                 lambda rows: list(rows) == [f"reference: {name}" for name in BASELINES]),
}  # fmt: skip


@pytest.mark.parametrize("bench", list(STOPPED_BENCHES))
def test_a_bench_stopped_after_its_first_row_leaves_that_row_on_disk(bench, tmp_path, monkeypatch, micro_file):
    module, function, call, stem, markdown, run_bench, first_row_only = STOPPED_BENCHES[bench]
    stop_at_call(monkeypatch, module, function, call)
    with pytest.raises(Stopped):
        run_bench(tmp_path, RowWriter(tmp_path, stem, markdown), micro_file)
    payload = json.loads((tmp_path / f"{stem}.json").read_text())
    assert payload["complete"] is False and first_row_only(payload["rows"])
    text = (tmp_path / f"{stem}.md").read_text()
    assert text.startswith(INCOMPLETE_NOTE) and len(markdown_rows(text)) >= 2  # a header and the row
