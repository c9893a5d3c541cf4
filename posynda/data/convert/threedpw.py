"""SPIN-style 3DPW npz files -> clips, one sequence per person track."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import numpy as np

from posynda import camera
from posynda.data.clips import ClipSet
from posynda.data.convert.arrays import assemble, intrinsics_vector, joint_array, load_npz, sequence_record
from posynda.errors import InputError
from posynda.skeleton import convert_joints

# Default 3DPW camera (fx, fy, cx, cy in pixels; portrait 1080x1920 phone video): the value commonly
# quoted for the `cam_intrinsics` K stored in 3DPW's sequenceFiles/*.pkl. It could not be checked
# against those files here; sequences may differ slightly -- pass `intrinsics` (read from the pkl).
THREEDPW_INTRINSICS = (1961.886, 1969.2, 540.0, 960.0)
THREEDPW_FPS = 30.0
ROOT_CENTRED_MM = 100.0  # a 3DPW pelvis closer than this to the camera centre means "root-centred 3D"


# --------------------------------------------------------------------------------------- 3DPW
def _frame_number(name: str) -> int:
    """Frame number of an image path: the last digit run of its stem ("image_00012.jpg" -> 12)."""
    digits = re.findall(r"\d+", Path(name).stem)
    return int(digits[-1]) if digits else 0


def _person_tracks(rows: list[int], frames: list[int]) -> list[list[int]]:
    """Split the rows of one 3DPW sequence (file order) into per-person tracks.

    Rule: with no repeated frame number there is one person. Otherwise, if the file order splits
    into runs of increasing frame numbers and there are as many runs as the most repeated frame
    number occurs (SPIN's person-major order: all frames of person 0, then of person 1), each run
    is a person -- this stays right when a person is missing in some frames. Otherwise (frames
    interleaved) the k-th occurrence of a frame number belongs to person k. Tracks keep their
    order of appearance and are sorted by frame number.
    """
    counts: dict[int, int] = defaultdict(int)
    for f in frames:
        counts[f] += 1
    most = max(counts.values())
    if most == 1:
        return [[rows[i] for i in sorted(range(len(rows)), key=frames.__getitem__)]]
    runs = [[0]]
    for i in range(1, len(rows)):
        if frames[i] > frames[i - 1]:
            runs[-1].append(i)
        else:
            runs.append([i])
    if len(runs) != most:
        seen: dict[int, int] = defaultdict(int)
        tracks: dict[int, list[int]] = defaultdict(list)
        for i, f in enumerate(frames):
            tracks[seen[f]].append(i)
            seen[f] += 1
        runs = [sorted(tracks[k], key=lambda i: frames[i]) for k in sorted(tracks)]
    return [[rows[i] for i in run] for run in runs]


def _split_at_gaps(rows: list[int], frame_of: dict[int, int]) -> list[list[int]]:
    """Cut a track (rows sorted by frame) where frame numbers jump by more than 1."""
    parts = [[rows[0]]]
    for prev, row in zip(rows, rows[1:]):
        if frame_of[row] - frame_of[prev] > 1:
            parts.append([])
        parts[-1].append(row)
    return parts


def _3dpw_intrinsics(intrinsics) -> np.ndarray:
    """``None`` (default camera), 4 values ``(fx, fy, cx, cy)`` or a full 9-vector -> 9-vector (px)."""
    values = THREEDPW_INTRINSICS if intrinsics is None else intrinsics
    try:
        values = np.asarray(values, np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InputError(f"intrinsics must be numbers, got {intrinsics!r}") from None
    if values.size == 4:
        values = intrinsics_vector(*values)
    if values.size != 9 or not np.isfinite(values).all() or (values[:2] <= 0).any():
        raise InputError(f"intrinsics must be fx,fy,cx,cy (or the 9-vector) with positive focals, got {intrinsics!r}")
    return values


def _3dpw_joints_3d(s3d: np.ndarray, kp: np.ndarray, conf: np.ndarray, intr: np.ndarray):
    """SPIN-24 ``S [F, 24, 4]`` (metres + visibility) -> H36M joints ``[F, 17, 3]`` mm and ``valid [F]``.

    A root-centred ``S`` (pelvis within 100 mm of the camera centre) is placed by solving the root
    translation from the 2D (:func:`posynda.camera.solve_root_translation`). Frames with an
    invisible or non-finite 3D joint are marked invalid (those joints are filled with the pelvis).
    """
    vis = (s3d[..., 3] > 0) & np.isfinite(s3d[..., :3]).all(-1)
    joints, vis3d = convert_joints(s3d[..., :3] * 1000.0, "spin24", vis.astype(np.float32))
    ok = vis3d > 0
    valid = ok.all(1)
    root_ok = ok[:, 0]
    if root_ok.any() and np.median(np.linalg.norm(joints[root_ok, 0], axis=-1)) < ROOT_CENTRED_MM:
        rel = np.where(ok[..., None], joints - joints[:, :1], np.nan)
        trans = camera.solve_root_translation(rel, kp, intr, conf * ok)
        joints = rel + trans[:, None]
    root = np.where(np.isfinite(joints[:, :1]), joints[:, :1], 0.0)
    joints = np.where(ok[..., None] & np.isfinite(joints), joints, root)
    return joints, valid


def convert_3dpw(path, intrinsics=None, image_size=(1080, 1920)) -> ClipSet:
    """SPIN-style 3DPW npz -> clips, one sequence per person track.

    Keys: ``imgname [N]`` ("imageFiles/<sequence>/image_00012.jpg"), ``part [N, 24, 3]`` (2D px +
    visibility, SPIN-24 order), optional ``S [N, 24, 4]`` (3D metres, camera frame, + visibility;
    absent in unlabelled variants, then the result has no ``joints_3d``). ``pose``, ``shape``,
    ``center``, ``scale`` are ignored.

    Frames are grouped by the sequence folder of ``imgname`` and ordered by frame number. A
    sequence with several people (repeated frame numbers) is split into person tracks by
    :func:`_person_tracks` (SPIN's person-major order, or k-th occurrence -> person k), named
    ``"<sequence>/person<k>"`` in order of appearance; a track with missing frames is cut at each
    gap and the later parts are named ``"<sequence>/person<k>@<first frame>"``.
    Invisible 2D joints (visibility 0) become NaN with confidence 0. If ``S`` is root-centred
    (SPIN often centres it) the absolute position cannot be recovered from the file, so the root
    translation is solved from the 2D and the intrinsics (``camera.solve_root_translation``, mm).

    Args:
        path: the npz file.
        intrinsics: ``(fx, fy, cx, cy)`` or a 9-vector in pixels; default
            :data:`THREEDPW_INTRINSICS` (the usual 3DPW phone camera).
        image_size: ``(width, height)``; default portrait 1080x1920.

    Returns:
        ClipSet at 30 fps, with ``confidence`` and (when ``S`` is present) ``joints_3d`` mm and
        ``valid`` (frames whose 3D joints are all visible).
    """
    intr = _3dpw_intrinsics(intrinsics)
    arrays = load_npz(path, ("imgname", "part"), ("S",))
    names = np.asarray(arrays["imgname"])
    if names.ndim != 1 or names.dtype.kind not in "USO" or len(names) == 0:
        raise InputError(f"{path}: key 'imgname' must be a non-empty [N] array of image paths")
    names = names.astype(str)
    part = joint_array(arrays["part"], path, "part", 24, 3, frames=len(names))
    s3d = None if "S" not in arrays else joint_array(arrays["S"], path, "S", 24, 4, frames=len(names))
    by_seq: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(names):
        by_seq[Path(name).parent.name].append(i)
    frame_of = {i: _frame_number(n) for i, n in enumerate(names)}
    seqs = []
    for seq in sorted(by_seq):
        rows = by_seq[seq]
        for person, track in enumerate(_person_tracks(rows, [frame_of[r] for r in rows])):
            for k, part_rows in enumerate(_split_at_gaps(track, frame_of)):
                suffix = "" if k == 0 else f"@{frame_of[part_rows[0]]}"
                seqs.append(_3dpw_sequence(f"{seq}/person{person}{suffix}", part_rows, part, s3d, intr, image_size))
    return assemble(seqs, path)


def _3dpw_sequence(name: str, rows: list[int], part: np.ndarray, s3d, intr: np.ndarray, image_size) -> dict:
    """One 3DPW person track: 2D with NaN where invisible, confidence, and 3D when available."""
    kp = part[rows, :, :2].copy()
    vis = (part[rows, :, 2] > 0) & np.isfinite(kp).all(-1)
    kp[~vis] = np.nan
    kp, conf = convert_joints(kp, "spin24", vis.astype(np.float32))
    item = sequence_record(name, kp, intr, image_size, confidence=conf, fps=THREEDPW_FPS)
    if s3d is not None:
        item["joints_3d"], item["valid"] = _3dpw_joints_3d(s3d[rows], kp, conf, intr)
    return item
