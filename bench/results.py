"""Where benchmark results go, and how they are written: one JSON + one Markdown file per bench.

Every bench writes ``<stem>.json`` and ``<stem>.md`` into its run directory
(``runs/bench-<name>-<time>/`` unless ``--out``); with ``--save`` the same files are copied into
:func:`results_dir`: ``bench/results/<machine>/`` under the working directory, where ``<machine>``
is :func:`machine_slug` (``cpu-2core`` on the project's CPU machine). The root can be moved with
``$POSYNDA_BENCH_RESULTS`` (tests point it at a temporary folder). Every result records the machine
it came from (:func:`posynda.environment.machine_info`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import torch

from posynda.fileio import atomic_write_text

RESULTS_ENV = "POSYNDA_BENCH_RESULTS"


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
