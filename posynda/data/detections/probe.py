"""A first look at a keypoint input, for detecting its format from its content.

An npz is recognised by its zip signature and member names (listed without loading anything, so
nothing is unpickled), a video by its container's signature (:func:`posynda.data.video.looks_like_video`,
never read here), JSON by parsing it, a folder by its ``*.json`` files (parsed when asked).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from posynda import reading
from posynda.data.clips import looks_like_npz
from posynda.data.video import looks_like_video
from posynda.errors import InputError

Kind = Literal["folder", "npz", "video", "json", "other"]


def one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def read_json(path: Path):
    """A JSON file's content; InputError naming the file when it is not readable JSON (or too large, nested
    too deeply: :func:`posynda.reading.read_json`)."""
    return reading.read_json(path, "JSON keypoint file")


@dataclass
class Probe:
    """``path`` and what it is: ``kind``, the parsed ``payload`` of a JSON file, the ``members`` of an
    npz (names without ``.npy``; None when the archive cannot be listed, e.g. truncated), or why a file
    is neither (``error``: the one-line message of reading it as JSON)."""

    path: Path
    kind: Kind
    payload: object = None
    members: tuple[str, ...] | None = ()
    error: str | None = None
    _folder: dict = field(default_factory=dict, repr=False)

    def json_files(self, pattern: str = "*.json") -> list[Path]:
        """The folder's files matching ``pattern``, sorted by name."""
        return sorted(p for p in self.path.glob(pattern) if p.is_file())

    def folder_json(self, path: Path):
        """A folder file's JSON content, parsed once."""
        if path not in self._folder:
            self._folder[path] = read_json(path)
        return self._folder[path]


def probe(path) -> Probe:
    """Look at ``path`` (a file or a folder) without reading more than it must.

    Raises:
        InputError: nothing is there.
    """
    path = Path(path)
    if path.is_dir():
        return Probe(path, "folder")
    if not path.is_file():
        raise InputError(f"{path}: no such keypoint file or folder")
    if looks_like_npz(path):
        try:
            with zipfile.ZipFile(path) as archive:
                members = tuple(n[:-4] if n.endswith(".npy") else n for n in archive.namelist())
        except (zipfile.BadZipFile, OSError):
            members = None
        return Probe(path, "npz", members=members)
    if looks_like_video(path):
        return Probe(path, "video")
    try:
        return Probe(path, "json", payload=read_json(path))
    except InputError as exc:  # not JSON (or too large, too deep): the format table decides what it is
        return Probe(path, "other", error=str(exc))


def first_record(payload) -> dict | None:
    """The first element of a JSON list when it is an object, else None."""
    if isinstance(payload, list) and payload and isinstance(payload[0], dict):
        return payload[0]
    return None


def require(probe: Probe, kind: Kind, what: str) -> None:
    """InputError unless ``probe`` is of ``kind``: the format given does not fit the input."""
    if probe.kind == kind:
        return
    if probe.kind == "other" and kind == "json":
        raise InputError(f"{probe.error}; expected {what}")
    found = {
        "folder": "a folder",
        "npz": "an npz file",
        "video": "a video",
        "json": "a JSON file",
        "other": "neither JSON nor npz",
    }
    raise InputError(f"{probe.path}: is {found[probe.kind]}; expected {what}")


def records(probe: Probe, what: str, required: tuple[str, ...]) -> list[dict]:
    """The JSON list of objects of a results file, each with the ``required`` keys."""
    require(probe, "json", what)
    payload = probe.payload
    if not isinstance(payload, list):
        raise InputError(f"{probe.path}: expected {what}, got a JSON {type(payload).__name__}")
    if not payload:
        raise InputError(f"{probe.path}: holds no detection (an empty JSON list)")
    for i, rec in enumerate(payload):
        if not isinstance(rec, dict):
            raise InputError(f"{probe.path}: entry {i} is not a JSON object; expected {what}")
        missing = [k for k in required if k not in rec]
        if missing:
            raise InputError(f"{probe.path}: entry {i} has no '{missing[0]}'; expected {what}")
    return payload
