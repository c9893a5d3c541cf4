"""Converters from public dataset layouts to clip sets (H36M-17 order, camera-frame mm, pixels).

One module per dataset; each converter reads one public layout and returns a validated
:class:`~posynda.data.clips.ClipSet` (the posynda-clips-v1 format); ``save_clips`` writes it.
Bad input (missing file or key, wrong joint count, a truncated or non-npz file, 2D that does not
match the 3D) raises a one-line :class:`~posynda.errors.InputError` naming the file and the key;
nothing is written. File reading and sequence assembly are :mod:`~posynda.data.convert.arrays`,
the camera fits :mod:`~posynda.data.convert.geometry`.

* :func:`convert_h36m` -- VideoPose3D ``data_3d_h36m.npz`` (+ optional ``data_2d_h36m_*.npz``):
  world metres -> camera-frame mm with the published calibration (:mod:`posynda.data.h36m_cameras`);
  2D from the 2D file (truncated to the mocap length) or the exact projection of the 3D.
* :func:`convert_3dhp` -- MPI-INF-3DHP ``data_{train,test}_3dhp*.npz`` (P-STMO / D3DP "_ori" layouts):
  3DHP-17 -> H36M-17; test intrinsics from the published table, train intrinsics fitted to the
  2D-3D pairs by linear least squares.
* :func:`convert_3dpw` -- SPIN-style 3DPW npz (``imgname``, ``part``, ``S``): SPIN-24 -> H36M-17,
  one sequence per person track.

These public layouts store Python dicts inside object arrays. They are unpickled by a data-only
unpickler (:func:`posynda.reading.npz_with_pickled_data`): dicts, lists, tuples, strings, numbers and
numpy arrays are built, anything else a file names is refused before it runs; a bare pickle file is
never read.
"""

from dataclasses import dataclass
from typing import Callable

from posynda.data.clips import ClipSet
from posynda.data.convert.geometry import fit_pinhole, quaternion_to_matrix, reprojection_rms
from posynda.data.convert.h36m import H36M_KEPT_JOINTS, convert_h36m, h36m_intrinsics, h36m_world_to_camera
from posynda.data.convert.mpi_inf_3dhp import (
    MAX_FIT_RESIDUAL_PX,
    MPI_INF_3DHP_TEST_CAMERAS,
    convert_3dhp,
    detect_3dhp_split,
)
from posynda.data.convert.threedpw import THREEDPW_INTRINSICS, convert_3dpw
from posynda.errors import InputError


@dataclass(frozen=True)
class Converter:
    """One public layout: ``convert(path, **options) -> ClipSet``, the options it takes (the rest are refused),
    and what its input file is (for the command line's help)."""

    convert: Callable[..., ClipSet]
    options: tuple[str, ...]
    input: str


def _h36m(path, input_2d=None, subjects=None) -> ClipSet:
    return convert_h36m(path, input_2d, subjects=subjects or None)


# The public layouts: adding one is a module of this package and a row here (`--from` choices follow).
CONVERTERS: dict[str, Converter] = {
    "h36m": Converter(_h36m, ("input_2d", "subjects"), "VideoPose3D's data_3d_h36m.npz (+ a data_2d_h36m_*.npz)"),
    "3dhp": Converter(convert_3dhp, ("split",), "MPI-INF-3DHP data_{train,test}_3dhp*.npz"),
    "3dpw": Converter(convert_3dpw, ("intrinsics",), "a SPIN-style 3DPW npz"),
}
SOURCES: tuple[str, ...] = tuple(CONVERTERS)
Source = str  # a key of CONVERTERS


def convert_file(source: Source, path, **options) -> ClipSet:
    """Convert ``path`` of the public layout ``source`` (``posynda data convert``); ``options`` (None = not
    given) must be ones that layout takes (:data:`CONVERTERS`: ``input_2d`` and ``subjects`` for h36m,
    ``split`` for 3dhp, ``intrinsics`` (fx, fy, cx, cy) for 3dpw)."""
    if source not in CONVERTERS:
        raise InputError(f"source must be one of {', '.join(SOURCES)}, got {source!r}", parameter="source")
    row = CONVERTERS[source]
    given = {k: v for k, v in options.items() if v is not None}
    foreign = [k for k in given if k not in row.options]
    if foreign:
        takers = [name for name, other in CONVERTERS.items() if foreign[0] in other.options]
        raise InputError(f"{foreign[0]} applies to {' / '.join(takers) or 'no layout'} only, not {source}",
                         parameter=foreign[0])  # fmt: skip
    return row.convert(path, **given)


__all__ = [
    "CONVERTERS",
    "Converter",
    "SOURCES",
    "Source",
    "convert_file",
    "H36M_KEPT_JOINTS",
    "MAX_FIT_RESIDUAL_PX",
    "MPI_INF_3DHP_TEST_CAMERAS",
    "THREEDPW_INTRINSICS",
    "convert_3dhp",
    "convert_3dpw",
    "convert_h36m",
    "detect_3dhp_split",
    "fit_pinhole",
    "h36m_intrinsics",
    "h36m_world_to_camera",
    "quaternion_to_matrix",
    "reprojection_rms",
]
