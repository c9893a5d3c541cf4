"""Atomic writes: a failed write leaves the previous file untouched and no temporary file behind."""

import hashlib
import os

import pytest

from posynda.fileio import atomic_open, atomic_write_bytes, atomic_write_text, sha256_file


def test_writes_replace_the_file_with_the_usual_permissions(tmp_path):
    path = tmp_path / "sub" / "out.txt"
    atomic_write_text(path, "one")
    atomic_write_bytes(path, b"two")
    assert path.read_bytes() == b"two" and sorted(os.listdir(path.parent)) == ["out.txt"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "out.txt"
    atomic_write_text(path, "old")
    with pytest.raises(RuntimeError), atomic_open(path, "w") as handle:
        handle.write("half")
        raise RuntimeError("killed")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["out.txt"]
    with pytest.raises(ValueError, match="only writes"):
        with atomic_open(path, "r"):
            pass


def test_sha256_of_a_file(tmp_path):
    atomic_write_bytes(tmp_path / "b", b"x" * 3_000_000)
    assert sha256_file(tmp_path / "b", chunk=4096) == hashlib.sha256(b"x" * 3_000_000).hexdigest()
