"""The run folders a command made, removed again when it fails before writing anything into them.

:func:`~posynda.cli.options.run_dir` notes every output folder that did not exist when the command
started (``runs/<command>-<time>/`` or a new ``--out``); the error boundary of
:class:`~posynda.cli.lazy.LazyGroup` calls :func:`remove_empty` on any failure, so a refused or
crashed command leaves no empty run folder behind. A folder with anything in it (a checkpoint a
``--resume`` needs, a partial bench row) is kept.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

_made: list[Path] = []


def note(path: Path) -> None:
    """Remember ``path`` (a folder this command is about to create, or has just created)."""
    _made.append(Path(path))


def remove_empty() -> list[Path]:
    """Remove the noted folders that are empty (newest first); returns those removed."""
    removed = []
    while _made:
        path = _made.pop()
        with contextlib.suppress(OSError):  # missing, not empty, or not ours to remove: keep it
            path.rmdir()
            removed.append(path)
    return removed
