"""Reading files a user gives: sizes bounded before anything is allocated, every problem one line.

A file posynda opens must not make it allocate without a bound or crash it: a JSON text nested
thousands of levels deep (Python's parser recurses), a JSON number with millions of digits (Python
refuses to convert more than 4,300), an ``.npy`` header that declares a 200 GB array in a file of a
few hundred bytes. :func:`read_json` and :func:`npz_arrays` check such things first and raise an
:class:`~posynda.errors.InputError` naming the file; the limits below are far above any real input
(a COCO results file of a 24-hour, 60 fps video is about 2.5 GB of JSON; such files belong in a clip
file).

``npz_arrays`` never unpickles: object arrays are refused (``allow_pickle=False``). The public layouts
that store Python dicts inside object arrays (VideoPose3D's ``data_2d_*.npz`` / ``data_3d_h36m.npz``,
MPI-INF-3DHP's npz) are read by :func:`npz_with_pickled_data`, whose unpickler builds only data --
dicts, lists, tuples, strings, numbers and numpy arrays -- and refuses every other global a pickle
names (a function, a class, ``os.system``) before anything runs (:class:`DataOnlyUnpickler`).
"""

from __future__ import annotations

import importlib
import json
import math
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np

from posynda.errors import InputError

MAX_JSON_BYTES = 1 << 30  # 1 GiB of JSON text (Python holds about 10x that while parsing)
MAX_NPZ_BYTES = 8 << 30  # 8 GiB of arrays in one .npz, uncompressed (a clip file of 400k frames: ~60 MB)
MAX_TEXT_BYTES = 2 << 30  # 2 GiB of other text (BVH motion)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _size_checked(path: Path, limit: int, what: str) -> int:
    """The size of the file ``path`` in bytes; InputError when it is missing or over ``limit``."""
    if not path.is_file():
        raise InputError(f"{path}: no such {what}")
    size = path.stat().st_size
    if size > limit:
        raise InputError(f"{path}: {size / 2**20:,.0f} MiB is more than a {what} may hold ({limit / 2**20:,.0f} MiB)")
    return size


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def parse_json(text: str, source: str, what: str = "JSON file", strict: bool = False):
    """The value of a JSON ``text``; InputError naming ``source`` when it is not JSON, nested too deeply
    for the parser, or holds a number too long to convert. ``strict``: ``NaN`` / ``Infinity`` (which Python
    writes but JSON does not have) are refused too, as the C library's parser refuses them."""
    try:
        return json.loads(text, parse_constant=_no_constant) if strict else json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not a readable {what} ({_one_line(exc)})") from None
    except RecursionError:
        raise InputError(f"{source}: not a readable {what} (nested too deeply)") from None
    except ValueError as exc:  # a number with more digits than int() converts (sys.get_int_max_str_digits)
        raise InputError(f"{source}: not a readable {what} ({_one_line(exc).split(':')[0]})") from None


def read_json(path: str | os.PathLike, what: str = "JSON file", limit: int = MAX_JSON_BYTES):
    """The value of the JSON file ``path`` (UTF-8), at most ``limit`` bytes (:func:`parse_json`)."""
    path = Path(path)
    _size_checked(path, limit, what)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable {what} ({_one_line(exc)})") from None
    return parse_json(text, str(path), what)


def read_text(path: str | os.PathLike, what: str, limit: int = MAX_TEXT_BYTES) -> str:
    """The text of ``path`` (UTF-8, undecodable bytes replaced), at most ``limit`` bytes."""
    path = Path(path)
    _size_checked(path, limit, what)
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def _npy_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], np.dtype, int]:
    """``(shape, dtype, header bytes)`` of the ``.npy`` member ``info``, read without its data."""
    with archive.open(info) as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(handle, max_header_size=1 << 16)
        elif version in ((2, 0), (3, 0)):
            shape, _, dtype = np.lib.format.read_array_header_2_0(handle, max_header_size=1 << 16)
        else:
            raise ValueError(f"unknown .npy version {version}")
        return tuple(shape), dtype, handle.tell()


def check_npz(
    path: str | os.PathLike, what: str = "npz file", limit: int = MAX_NPZ_BYTES, objects: bool = False
) -> dict[str, tuple]:
    """``{name: (shape, dtype)}`` of the arrays of the ``.npz`` ``path``, from their headers alone.

    ``objects``: object arrays (pickled data, whose size the header does not state) pass; their
    reader must unpickle them safely.

    Raises:
        InputError: not a readable archive, a member that is not an ``.npy`` array, an object (pickled)
            array unless ``objects``, a header whose shape needs other than the bytes its member holds,
            or more than ``limit`` bytes of arrays in all.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(info.file_size for info in members)
            if total > limit:
                size, most = total / 2**20, limit / 2**20
                raise InputError(f"{path}: its arrays hold {size:,.0f} MiB, more than a {what} may ({most:,.0f} MiB)")
            arrays = {}
            for info in members:
                name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                try:
                    shape, dtype, header = _npy_header(archive, info)
                except (ValueError, EOFError, OSError, zipfile.BadZipFile) as exc:
                    raise InputError(f"{path}: member {name!r} is not a readable array ({_one_line(exc)})") from None
                if dtype.hasobject:
                    if not objects:
                        raise InputError(f"{path}: member {name!r} holds Python objects (pickled data is not read)")
                    arrays[name] = (shape, dtype)
                    continue
                needed = int(np.prod(shape, dtype=object)) * dtype.itemsize
                if needed != info.file_size - header:
                    raise InputError(
                        f"{path}: member {name!r} declares shape {shape} ({needed:,} bytes) but holds "
                        f"{max(info.file_size - header, 0):,} bytes (corrupt or crafted)"
                    )
                arrays[name] = (shape, dtype)
            return arrays
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"{path}: not a readable {what} (truncated or corrupt: {_one_line(exc)})") from None


def npz_arrays(path: str | os.PathLike, what: str = "npz file", limit: int = MAX_NPZ_BYTES) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` ``path``, after :func:`check_npz` passed (no pickles, sizes bounded)."""
    check_npz(path, what, limit)
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable {what} (truncated or corrupt: {_one_line(exc)})") from None


_MULTIARRAY = importlib.import_module("numpy._core.multiarray" if hasattr(np, "_core") else "numpy.core.multiarray")
MAX_PICKLED_ELEMENTS = 1 << 31  # elements of one array a pickle may ask for (its data must follow in the file)


def _reconstruct(subtype, shape, dtype):
    """numpy's ``_reconstruct`` (how a pickled array starts), for plain arrays of a bounded size only."""
    if subtype is not np.ndarray:
        raise pickle.UnpicklingError(f"an array of type {getattr(subtype, '__name__', subtype)!r}")
    if not isinstance(shape, tuple) or math.prod(int(d) for d in shape) > MAX_PICKLED_ELEMENTS:
        raise pickle.UnpicklingError(f"an array of shape {shape!r}")
    return _MULTIARRAY._reconstruct(subtype, shape, dtype)


# The only globals a pickle of arrays and containers names (numpy 1 and 2 spell the module differently).
PICKLE_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "scalar"): _MULTIARRAY.scalar,
    ("numpy.core.multiarray", "scalar"): _MULTIARRAY.scalar,
}


class DataOnlyUnpickler(pickle.Unpickler):
    """An unpickler that builds data and nothing else: dicts, lists, tuples, sets, strings, bytes, numbers
    and booleans come from pickle's own opcodes, numpy arrays, dtypes and scalars from
    :data:`PICKLE_GLOBALS`; any other global (a function to call, a class to build) is refused before
    it is looked up, so nothing a file names is imported or run."""

    def find_class(self, module: str, name: str):
        try:
            return PICKLE_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not data") from None

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("a persistent reference is not data")


def npz_with_pickled_data(
    path: str | os.PathLike,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    what: str = "npz file",
    limit: int = MAX_NPZ_BYTES,
) -> dict[str, np.ndarray]:
    """The ``required`` (and present ``optional``) arrays of the ``.npz`` ``path``; object arrays (pickled
    dicts and lists) are read by :class:`DataOnlyUnpickler`, the others without unpickling.

    Raises:
        InputError: not an npz archive (a bare pickle or ``.npy`` included: never unpickled), a missing
            key, sizes over ``limit`` (:func:`check_npz`), or a pickle that names anything but data.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such {what}")
    with open(path, "rb") as handle:
        if handle.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
            raise InputError(f"{path}: not an .npz archive (a bare pickle or .npy is never read); expected {what}")
    headers = check_npz(path, what, limit, objects=True)
    missing = [k for k in required if k not in headers]
    if missing:
        raise InputError(f"{path}: missing key '{missing[0]}' (has {sorted(headers)})")
    out = {}
    try:
        with zipfile.ZipFile(path) as archive:
            members = {(i.filename[:-4] if i.filename.endswith(".npy") else i.filename): i for i in archive.infolist()}
            for key in (*required, *(k for k in optional if k in headers)):
                out[key] = _member_array(archive, members[key], path, key)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(f"{path}: not a readable {what} (truncated or corrupt: {_one_line(exc)})") from None
    return out


def _member_array(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, key: str) -> np.ndarray:
    """One ``.npy`` member: plain arrays as numpy reads them (no pickle), object arrays through the data-only
    unpickler."""
    _, dtype, header = _npy_header(archive, info)
    with archive.open(info) as handle:
        if not dtype.hasobject:
            return np.lib.format.read_array(handle, allow_pickle=False, max_header_size=1 << 16)
        handle.read(header)
        try:
            value = DataOnlyUnpickler(handle).load()
        except (pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError, IndexError) as exc:
            raise InputError(
                f"{path}: key '{key}' holds pickled {_one_line(exc)}; posynda reads only dicts, lists, tuples, "
                "strings, numbers and numpy arrays from pickled files (refused, nothing was run)"
            ) from None
    if not isinstance(value, np.ndarray):
        raise InputError(f"{path}: key '{key}' is not an array")
    return value
