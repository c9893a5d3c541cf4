"""Atomic file writes: a reader never sees a half-written output, and a failed write leaves the
previous file (if any) untouched.

The data goes to a temporary file in the destination directory, is flushed and fsync'ed, and is
then moved over the destination with ``os.replace`` (atomic on POSIX and Windows).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary file name beside ``path``, with the same extension (for writers that take a file name
    and pick the format by it); on success it gets the usual permissions, is fsync'ed and moved over
    ``path`` (``os.replace``); on an exception it is removed and ``path`` is not touched. Parent
    directories are created."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; outputs get the usual permissions
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open ``path`` for writing through :func:`atomic_path`: a temporary sibling file that replaces it
    on success; on an exception inside the ``with`` block it is removed and ``path`` is not touched."""
    if "w" not in mode:
        raise ValueError("atomic_open only writes ('w' modes)")
    with atomic_path(path) as tmp, open(tmp, mode) as handle:
        yield handle


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_open(path, "w") as handle:
        handle.write(text)


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_dir() -> Path:
    """Where posynda keeps what it makes once and reuses (the embedded domains, converted detector models):
    ``$POSYNDA_CACHE``, else ``~/.cache/posynda``."""
    return Path(os.environ.get("POSYNDA_CACHE", Path.home() / ".cache" / "posynda"))
