"""Resuming an adaptation run: the saved state is refused when it belongs to another base or other settings."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from posynda.adapt.settings import AdaptSettings
from posynda.errors import InputError
from posynda.runstate import load_state

STATE_FILE = "adapt_state.pt"
# Settings a resumed run may change: how long it runs and how often it logs, nothing that shapes the model
# (not the length either under a cosine schedule, whose learning rate at every step depends on it).
RESUMABLE_CHANGES = ("steps", "log_every", "checkpoint_every")


class SettingsChanged(InputError):
    """Resuming with a setting other than the saved run's: ``field`` (an AdaptSettings name), the
    ``saved`` and the ``current`` value (the CLI re-words it with the option names as typed)."""

    def __init__(self, field: str, saved, current):
        message = f"resume: the run was made with {field}={saved!r}, not {current!r}; use the same settings"
        super().__init__(message, parameter="resume")
        self.field, self.saved, self.current = field, saved, current


def load_resume_state(state_path: Path, settings: AdaptSettings, base_sha: str,
                      data_sha: dict[str, str] | None = None) -> dict:  # fmt: skip
    """The saved state of the run to resume, refused if it was made for another base, other settings or other data
    (``data_sha``: ``{"source": ..., "target": ...}`` of :func:`posynda.data.clips.clips_sha256`; a state saved
    without them, by an older version, is not checked for it)."""
    state = load_state(state_path)
    if "settings" not in state or "base_sha256" not in state:
        raise InputError(f"resume: {state_path} has no settings record (not a posynda adapt state)", parameter="resume")
    if state["base_sha256"] != base_sha:
        raise InputError(
            f"resume: {state_path} was adapted from another base checkpoint than this one", parameter="resume"
        )
    for role, sha in (data_sha or {}).items():
        if state.get(f"{role}_sha256", sha) != sha:
            raise InputError(f"resume: {state_path} was adapted with other {role} data than this (give the same "
                             f"--{role} files and options: --calibration, --level, --image-size ...)",
                             parameter="resume")  # fmt: skip
    saved = json.loads(state["settings"])
    current = dataclasses.asdict(settings)
    free = [k for k in RESUMABLE_CHANGES if not (k == "steps" and current["lr_schedule"] == "cosine")]
    changed = [k for k in current if k not in free and saved.get(k) != current[k]]
    if changed:
        raise SettingsChanged(changed[0], saved.get(changed[0]), current[changed[0]])
    return state
