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

from typing import Literal, get_args

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

Source = Literal["h36m", "3dhp", "3dpw"]
SOURCES: tuple[str, ...] = get_args(Source)


def convert_file(source: Source, path, input_2d=None, subjects=None, split=None, intrinsics=None) -> ClipSet:
    """Convert ``path`` of the public layout ``source`` (``posynda data convert``); the other arguments
    apply to one layout each: ``input_2d`` and ``subjects`` to h36m, ``split`` to 3dhp, ``intrinsics``
    (fx, fy, cx, cy) to 3dpw."""
    if source == "h36m":
        return convert_h36m(path, input_2d, subjects=subjects or None)
    if source == "3dhp":
        return convert_3dhp(path, split=split)
    return convert_3dpw(path, intrinsics=intrinsics)


__all__ = [
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
