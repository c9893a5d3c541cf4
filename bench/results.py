"""Where benchmark results go, and how they are written: one JSON + one Markdown file per bench.

Every bench writes ``<stem>.json`` and ``<stem>.md`` into its run directory
(``runs/bench-<name>-<time>/`` unless ``--out``); with ``--save`` the same files are copied into
:func:`results_dir`: ``bench/results/<machine>/`` under the working directory, where ``<machine>``
is :func:`machine_slug` (``cpu-2core`` on the project's CPU machine). The root can be moved with
``$POSYNDA_BENCH_RESULTS`` (tests point it at a temporary folder). Every result records the machine
it came from (:func:`posynda.environment.machine_info`).

**Row by row.** A bench that measures row after row (latency, throughput, adapt-step, train, kernels,
engine, video, footage, curves, the accuracy references and the real-motion rows) takes an
``on_row`` callback and calls it with its result so far after every finished row; the command line
passes a :class:`RowWriter`, which rewrites ``<stem>.json`` / ``<stem>.md`` (atomically) with
``"complete": false`` and a note on top of the Markdown, so a bench that is killed -- by the OOM
killer, Ctrl-C, a crash -- keeps every row it finished. The final write marks the result
``"complete": true`` (:func:`completed`).

**Quick runs** (``--quick``: smaller sizes, fewer repeats) are never saved into the results folder
(:data:`QUICK_NOT_SAVED`): they differ from the full runs committed there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Callable

import torch

from posynda.fileio import atomic_write_text

try:
    import resource
except ImportError:  # not on Windows
    resource = None

RESULTS_ENV = "POSYNDA_BENCH_RESULTS"
QUICK_NOT_SAVED = "quick run (differs from the full run); rerun without --quick to save it"
INCOMPLETE_NOTE = (
    '> **Incomplete** (`"complete": false`): written after every finished row; the bench was still running, or '
    "was stopped, when this was written.\n\n"
)
RowCallback = Callable[[dict], object]


def machine_slug(device: str | None = None) -> str:
    """``gpu-<gpu name>-<n>core`` for a bench that measured an NVIDIA GPU, else ``cpu-<n>core`` (n =
    ``os.cpu_count()``): the device the bench measured (``device``: "cpu", "cuda", "cuda:1"; None: CUDA when
    PyTorch sees one), so a CPU run on a GPU machine does not land among that GPU's results."""
    cores = f"{os.cpu_count()}core"
    kind = torch.device(device).type if device else ("cuda" if torch.cuda.is_available() else "cpu")
    if kind == "cuda" and torch.cuda.is_available():
        index = torch.device(device).index if device else None
        name = torch.cuda.get_device_name(index or 0)
        return f"gpu-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}-{cores}"
    return f"cpu-{cores}"


def measured_device(result: dict) -> str | None:
    """The device a bench's result says it measured (``device``, or ``machine.device``), else None."""
    device = result.get("device") or (result.get("machine") or {}).get("device")
    return str(device) if device else None


def results_dir(device: str | None = None) -> Path:
    """``$POSYNDA_BENCH_RESULTS/<machine>`` (default root: ``bench/results`` under the working directory),
    ``<machine>`` from :func:`machine_slug` of the measured ``device``."""
    return Path(os.environ.get(RESULTS_ENV) or Path("bench") / "results") / machine_slug(device)


def write_results(out_dir: str | os.PathLike, stem: str, payload: dict, markdown: str) -> list[Path]:
    """``stem.json`` + ``stem.md`` into ``out_dir`` (atomic writes); returns both paths."""
    out = Path(out_dir)
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    atomic_write_text(json_path, json.dumps(payload, indent=2) + "\n")
    atomic_write_text(md_path, markdown)
    return [json_path, md_path]


def save_copies(
    paths, dest: str | os.PathLike | None = None, rename: dict[str, str] | None = None, device: str | None = None
) -> list[Path]:
    """Copy result files into ``dest`` (default :func:`results_dir` of the measured ``device``); ``rename`` maps a
    file name to its saved name."""
    dest = Path(dest) if dest is not None else results_dir(device)
    dest.mkdir(parents=True, exist_ok=True)
    saved = []
    for path in map(Path, paths):
        target = dest / (rename or {}).get(path.name, path.name)
        shutil.copyfile(path, target)
        saved.append(target)
    return saved


def no_rows(_result: dict) -> None:
    """The default ``on_row`` of a bench run: the result so far is not written anywhere."""


def completed(result: dict) -> dict:
    """``result`` marked as a finished run (``"complete": true``), for the final write."""
    return {**result, "complete": True}


class RowWriter:
    """The ``on_row`` callback that keeps a bench's finished rows on disk: each call rewrites ``stem.json`` and
    ``stem.md`` in ``out_dir`` (atomic writes, :func:`write_results`) with the result so far, marked
    ``"complete": false``; ``markdown(result) -> str`` is the bench's own renderer (it must accept a result
    with the rows finished so far). ``writes`` counts the calls."""

    def __init__(self, out_dir: str | os.PathLike, stem: str, markdown: Callable[[dict], str]):
        self.out_dir, self.stem, self.markdown = Path(out_dir), stem, markdown
        self.writes = 0

    def __call__(self, result: dict) -> list[Path]:
        """Write ``result`` (the rows so far) as incomplete; returns the JSON and Markdown paths."""
        payload = {**result, "complete": False}
        self.writes += 1
        return write_results(self.out_dir, self.stem, payload, INCOMPLETE_NOTE + self.markdown(payload))


def peak_rss_mb() -> float | None:
    """The peak resident set size (MiB) of this process plus that of its largest finished child process
    (``resource.getrusage`` ``RUSAGE_SELF`` + ``RUSAGE_CHILDREN`` ``ru_maxrss``), so far: an upper bound of the
    memory a bench needed at once, subprocess rows included (a child started by ``fork`` also counts the
    parent's pages it shared before its ``exec``: ``platform.platform()``'s ``uname`` adds a few hundred MB
    to a bench that has loaded torch); None where ``resource`` does not exist (Windows)."""
    if resource is None:
        return None
    unit = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(peak * unit / 2**20, 1)
