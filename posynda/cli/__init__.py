"""The ``posynda`` command line: one module per command group, each command a thin parse-call-print.

Only click is imported at start-up: the commands live in the modules below and are imported when
they run (:class:`~posynda.cli.lazy.LazyGroup`), so ``posynda --help`` stays fast. Bad input exits
with code 2 and one line naming the problem; an internal failure exits with code 1 (set
``POSYNDA_DEBUG=1`` for the traceback).

| module     | commands                                                                  |
|------------|---------------------------------------------------------------------------|
| ``data``   | ``data synth``, ``data convert``, ``data info``                           |
| ``pretrain``| ``pretrain``                                                             |
| ``evaluate``| ``eval``                                                                 |
| ``adapt``  | ``adapt``                                                                 |
| ``export`` | ``export``                                                                |
| ``detect`` | ``detect`` (a video's people, or any keypoint input, -> clip file / JSON) |
| ``lift``   | ``lift``                                                                  |
| ``bench``  | ``bench flops|latency|kernels|throughput|train|adapt-step|accuracy|``     |
|            | ``curves|footage|video|plot|all``                                         |
"""

from __future__ import annotations

import click

from posynda import __version__
from posynda.cli.lazy import LazyGroup
from posynda.threads import prepare_openmp

prepare_openmp()  # a short OpenMP spin, set before any command imports torch (posynda.threads)

COMMANDS = {
    "adapt": "posynda.cli.adapt:adapt",
    "bench": "posynda.cli.bench:bench",
    "data": "posynda.cli.data:data",
    "detect": "posynda.cli.detect:detect_cmd",
    "eval": "posynda.cli.evaluate:eval_cmd",
    "export": "posynda.cli.export:export_cmd",
    "lift": "posynda.cli.lift:lift",
    "pretrain": "posynda.cli.pretrain:pretrain",
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="posynda")
def main():
    """PoSynDA: adapt a diffusion 2D-to-3D pose lifter to a new camera/domain, then deploy it.

    With no data argument every command uses the embedded synthetic domains: `studio`
    (Human3.6M-like source) and `wild` (MPI-INF-3DHP-like target).
    """


__all__ = ["main"]
