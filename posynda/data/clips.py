"""The clip file format (``.npz``, version 1): the interchange for every dataset (docs/CONVENTIONS.md).

One file holds many sequences of one domain; frames of a sequence are contiguous and in time
order. ``ClipSet`` is the in-memory form; :func:`load_clips` and :func:`save_clips` validate on
the way in and out, name the offending key in a one-line :class:`~posynda.errors.InputError`,
and write atomically (nothing is written when validation fails).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from posynda.errors import InputError
from posynda.fileio import atomic_open
from posynda.limits import MAX_FOCAL_PX, MAX_FPS, MAX_IMAGE_SIDE, MIN_FOCAL_PX
from posynda.reading import npz_arrays
from posynda.skeleton import NUM_JOINTS

FORMAT = "posynda-clips-v1"


@dataclass
class ClipSet:
    """Frames of S sequences of one domain, N frames in all.

    Attributes:
        keypoints_2d: ``[N, 17, 2]`` float32 pixels, H36M order; NaN where a joint is missing.
        seq_index: ``[N]`` int32 sequence id of each frame, non-decreasing, covering 0..S-1.
        camera: ``[S, 9]`` float32 intrinsics ``[fx, fy, cx, cy, k1, k2, k3, p1, p2]`` (pixels).
        image_size: ``[S, 2]`` int32 width, height.
        confidence: ``[N, 17]`` float32 detector scores in [0, 1], or None.
        joints_3d: ``[N, 17, 3]`` float32 camera-frame absolute positions in mm, or None (unlabelled).
        fps: ``[S]`` float32 frame rates, or None.
        seq_name: ``[S]`` str names, or None.
        valid: ``[N]`` bool frames to score, or None (all).
        source_frame: ``[N]`` int32 the frame number in the source (the video frame, the detector file's frame
            or ``image_id`` number) of each frame, or None (the index within its sequence).
        person: ``[S]`` str the person each sequence follows (the video detector's or the file's track id; the
            same id on every part of a person cut at long gaps), or None.
        detector_3d: ``[N, 17, 3]`` float32 the detector's own 3D of the person (BlazePose's world landmarks
            as H36M joints, mm, root-relative, camera axes; NaN where it gave none), or None. Only
            :mod:`posynda.runtime.orientation` and :mod:`posynda.runtime.fusion` read it (``posynda lift
            --orient``, ``--detector-weight``).
        noise_sequence: ``[S]`` int32 >= 0 the sequence number each sequence's sampling noise is drawn for
            (docs/noise.md), or None: its position in the set. :meth:`select_sequences` keeps it, so a set that
            names it gives each sequence the noise it gets in the whole set, whichever others are lifted with it
            (``posynda lift --person`` names it before choosing one person).
    """

    keypoints_2d: np.ndarray
    seq_index: np.ndarray
    camera: np.ndarray
    image_size: np.ndarray
    confidence: np.ndarray | None = None
    joints_3d: np.ndarray | None = None
    fps: np.ndarray | None = None
    seq_name: np.ndarray | None = None
    valid: np.ndarray | None = None
    source_frame: np.ndarray | None = None
    person: np.ndarray | None = None
    detector_3d: np.ndarray | None = None
    noise_sequence: np.ndarray | None = None

    @classmethod
    def single_sequence(
        cls, keypoints_2d, intrinsics, image_size, confidence=None, fps: float | None = None, name: str | None = None
    ) -> "ClipSet":
        """One unlabelled sequence: ``keypoints_2d [N, 17, 2]`` px, ``intrinsics`` 9 floats,
        ``image_size`` (width, height), optional ``confidence [N, 17]``, frame rate and name."""
        keypoints_2d = np.asarray(keypoints_2d, np.float32)
        return cls(
            keypoints_2d=keypoints_2d,
            seq_index=np.zeros(len(keypoints_2d), np.int32),
            camera=np.asarray(intrinsics, np.float32).reshape(1, 9),
            image_size=np.array([[int(image_size[0]), int(image_size[1])]], np.int32),
            confidence=confidence,
            fps=None if fps is None else np.array([fps], np.float32),
            seq_name=None if name is None else np.array([str(name)]),
        )

    @property
    def num_frames(self) -> int:
        return int(self.keypoints_2d.shape[0])

    @property
    def num_sequences(self) -> int:
        return int(self.camera.shape[0])

    @property
    def has_3d(self) -> bool:
        return self.joints_3d is not None

    def sequence_bounds(self) -> np.ndarray:
        """``[S, 2]`` int64 ``(start, stop)`` frame ranges of the sequences."""
        starts = np.searchsorted(self.seq_index, np.arange(self.num_sequences), side="left")
        stops = np.searchsorted(self.seq_index, np.arange(self.num_sequences), side="right")
        return np.stack([starts, stops], axis=1).astype(np.int64)

    def sequence_names(self) -> list[str]:
        if self.seq_name is not None:
            return [str(s) for s in self.seq_name]
        return [f"seq{i:03d}" for i in range(self.num_sequences)]

    def confidence_or_ones(self) -> np.ndarray:
        """``[N, 17]`` confidences; 1 where absent, 0 where a keypoint is NaN."""
        conf = np.ones(self.keypoints_2d.shape[:2], np.float32) if self.confidence is None else self.confidence
        return np.where(np.isfinite(self.keypoints_2d).all(-1), conf, 0.0).astype(np.float32)

    def source_frames(self, s: int) -> np.ndarray:
        """``[n]`` int64 the source's frame numbers of sequence ``s`` (its indices 0..n-1 without them)."""
        start, stop = self.sequence_bounds()[s]
        if self.source_frame is None:
            return np.arange(stop - start, dtype=np.int64)
        return self.source_frame[start:stop].astype(np.int64)

    def noise_sequences(self) -> np.ndarray:
        """``[S]`` int64 the sequence number each sequence's noise is drawn for: ``noise_sequence``, or 0..S-1."""
        if self.noise_sequence is None:
            return np.arange(self.num_sequences, dtype=np.int64)
        return self.noise_sequence.astype(np.int64)

    def with_noise_sequences(self) -> "ClipSet":
        """This set naming each sequence's noise sequence (its position unless already named): a later
        :meth:`select_sequences` then keeps the noise each sequence gets in this whole set."""
        return dataclasses.replace(self, noise_sequence=self.noise_sequences().astype(np.int32))

    def person_of(self, s: int) -> str | None:
        return None if self.person is None else str(self.person[s])

    def valid_or_all(self) -> np.ndarray:
        return np.ones(self.num_frames, bool) if self.valid is None else self.valid.astype(bool)

    def select_sequences(self, ids) -> "ClipSet":
        """A new ClipSet with only sequences ``ids`` (renumbered 0..len(ids)-1, in the given order)."""
        ids = np.asarray(ids, dtype=np.int64)
        bounds = self.sequence_bounds()
        frames = np.concatenate([np.arange(*bounds[i]) for i in ids]) if len(ids) else np.zeros(0, np.int64)
        seq_index = (
            np.concatenate([np.full(bounds[i, 1] - bounds[i, 0], k, np.int32) for k, i in enumerate(ids)])
            if len(ids)
            else np.zeros(0, np.int32)
        )
        per_frame = lambda a: None if a is None else a[frames]  # noqa: E731
        per_seq = lambda a: None if a is None else a[ids]  # noqa: E731
        return ClipSet(
            keypoints_2d=self.keypoints_2d[frames],
            seq_index=seq_index,
            camera=self.camera[ids],
            image_size=self.image_size[ids],
            confidence=per_frame(self.confidence),
            joints_3d=per_frame(self.joints_3d),
            fps=per_seq(self.fps),
            seq_name=per_seq(self.seq_name),
            valid=per_frame(self.valid),
            source_frame=per_frame(self.source_frame),
            person=per_seq(self.person),
            detector_3d=per_frame(self.detector_3d),
            noise_sequence=per_seq(self.noise_sequence),
        )

    def without_3d(self) -> "ClipSet":
        """The unlabelled view of this set (what adaptation is allowed to see of a target)."""
        return dataclasses.replace(self, joints_3d=None)

    def with_fps(self, fps: float) -> "ClipSet":
        """This set with every sequence at ``fps`` frames per second (in (0, ``MAX_FPS``])."""
        if not 0 < fps <= MAX_FPS:  # NaN fails too
            raise InputError(f"fps must lie in (0, {MAX_FPS:g}] frames/s, got {fps}")
        return dataclasses.replace(self, fps=np.full(self.num_sequences, fps, np.float32))

    def iter_sequences(self) -> Iterator[tuple[int, slice]]:
        for i, (start, stop) in enumerate(self.sequence_bounds()):
            yield i, slice(int(start), int(stop))


_FRAME_KEYS = {  # key: (dtype kind, trailing shape)
    "keypoints_2d": ("f", (NUM_JOINTS, 2)),
    "confidence": ("f", (NUM_JOINTS,)),
    "joints_3d": ("f", (NUM_JOINTS, 3)),
    "seq_index": ("i", ()),
    "valid": ("b", ()),
    "source_frame": ("i", ()),
    "detector_3d": ("f", (NUM_JOINTS, 3)),
}
_SEQ_KEYS = {
    "camera": ("f", (9,)),
    "image_size": ("i", (2,)),
    "fps": ("f", ()),
    "seq_name": ("U", ()),
    "person": ("U", ()),
    "noise_sequence": ("i", ()),
}
_REQUIRED = ("keypoints_2d", "seq_index", "camera", "image_size")


def _check_array(name: str, value, kind: str, trailing: tuple, source: str) -> np.ndarray:
    arr = np.asarray(value)
    if kind == "U":
        if arr.dtype.kind not in "US":
            raise InputError(f"{source}: key '{name}' must hold strings, got dtype {arr.dtype}")
        arr = arr.astype(str)
    elif kind == "b":
        if arr.dtype.kind not in "biu":
            raise InputError(f"{source}: key '{name}' must be bool, got dtype {arr.dtype}")
        arr = arr.astype(bool)
    elif kind == "i":
        if arr.dtype.kind not in "iu":
            raise InputError(f"{source}: key '{name}' must be an integer array, got dtype {arr.dtype}")
        arr = arr.astype(np.int32)
    else:
        if arr.dtype.kind not in "fiu":
            raise InputError(f"{source}: key '{name}' must be a float array, got dtype {arr.dtype}")
        arr = arr.astype(np.float32)
    if arr.ndim != 1 + len(trailing) or tuple(arr.shape[1:]) != trailing:
        want = "[N" if name in _FRAME_KEYS else "[S"
        want += "".join(f", {d}" for d in trailing) + "]"
        hint = ""
        per_joint = name in ("keypoints_2d", "joints_3d", "confidence", "detector_3d")
        if per_joint and arr.ndim >= 2 and arr.shape[1] != NUM_JOINTS:
            hint = f" ({arr.shape[1]} joints; posynda needs H36M-17 -- convert with `posynda data convert`)"
        raise InputError(f"{source}: key '{name}' has shape {list(arr.shape)}, expected {want}{hint}")
    return arr


def validate(clips: ClipSet, source: str = "clips") -> ClipSet:
    """Check dtypes, shapes, N/S consistency and value sanity; return a normalised copy.

    Raises:
        InputError: naming the key at fault.
    """
    fields = {}
    for name, (kind, trailing) in {**_FRAME_KEYS, **_SEQ_KEYS}.items():
        value = getattr(clips, name)
        if value is None:
            if name in _REQUIRED:
                raise InputError(f"{source}: missing required key '{name}'")
            fields[name] = None
            continue
        fields[name] = _check_array(name, value, kind, trailing, source)
    n = fields["keypoints_2d"].shape[0]
    s = fields["camera"].shape[0]
    if n == 0 or s == 0:
        raise InputError(f"{source}: holds no frames (keypoints_2d has {n}, camera has {s} sequences)")
    for name in _FRAME_KEYS:
        if fields[name] is not None and fields[name].shape[0] != n:
            raise InputError(f"{source}: key '{name}' has {fields[name].shape[0]} frames, keypoints_2d has {n}")
    for name in _SEQ_KEYS:
        if fields[name] is not None and fields[name].shape[0] != s:
            raise InputError(f"{source}: key '{name}' has {fields[name].shape[0]} sequences, camera has {s}")
    seq = fields["seq_index"]
    if seq.min() < 0 or seq.max() >= s:
        raise InputError(f"{source}: key 'seq_index' values must lie in 0..{s - 1} (S = {s} sequences)")
    if np.any(np.diff(seq) < 0):
        raise InputError(f"{source}: key 'seq_index' must be non-decreasing (frames of a sequence contiguous)")
    if len(np.unique(seq)) != s:
        raise InputError(f"{source}: key 'seq_index' leaves sequences without frames (S = {s})")
    if fields["joints_3d"] is not None and not np.isfinite(fields["joints_3d"]).all():
        bad = int(np.argwhere(~np.isfinite(fields["joints_3d"]))[0, 0])
        raise InputError(f"{source}: key 'joints_3d' has non-finite values (first at frame {bad})")
    if np.isinf(fields["keypoints_2d"]).any():
        raise InputError(f"{source}: key 'keypoints_2d' has infinite values (use NaN for missing joints)")
    focal = fields["camera"][:, :2]
    if not np.isfinite(fields["camera"]).all() or (focal < MIN_FOCAL_PX).any() or (focal > MAX_FOCAL_PX).any():
        bounds = f"[{MIN_FOCAL_PX:g}, {MAX_FOCAL_PX:g}]"
        raise InputError(f"{source}: key 'camera' needs finite intrinsics with focal lengths in {bounds} px")
    if (fields["image_size"] <= 0).any() or (fields["image_size"] > MAX_IMAGE_SIDE).any():
        raise InputError(f"{source}: key 'image_size' must be positive (width, height) and at most {MAX_IMAGE_SIDE} px")
    source_frame = fields["source_frame"]
    if source_frame is not None and (source_frame.min() < 0 or np.any(np.diff(source_frame)[np.diff(seq) == 0] <= 0)):
        raise InputError(f"{source}: key 'source_frame' must be >= 0 and increase within each sequence")
    conf = fields["confidence"]
    if conf is not None and (not np.isfinite(conf).all() or conf.min() < 0 or conf.max() > 1):
        raise InputError(f"{source}: key 'confidence' must lie in [0, 1]")
    fps = fields["fps"]
    if fps is not None and not np.all(np.isnan(fps) | ((fps > 0) & (fps <= MAX_FPS))):  # NaN: not known
        raise InputError(f"{source}: key 'fps' must lie in (0, {MAX_FPS:g}] frames/s (NaN where not known)")
    noise = fields["noise_sequence"]
    if noise is not None and noise.min() < 0:
        raise InputError(f"{source}: key 'noise_sequence' must be >= 0")
    return ClipSet(**fields)


def clips_sha256(clips: ClipSet) -> str:
    """Hex SHA-256 of what a training run reads from ``clips``: every array the set holds, in field order (its
    names, shapes, dtypes and bytes). Equal for equal sets; a resumed run compares it with the saved one's."""
    digest = hashlib.sha256()
    for f in dataclasses.fields(ClipSet):
        value = getattr(clips, f.name)
        if value is None:
            continue
        array = np.ascontiguousarray(value)
        digest.update(f"{f.name}:{array.dtype.str}:{array.shape};".encode())
        digest.update(array.tobytes())  # names too: fixed-width UCS-4
    return digest.hexdigest()


ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive's first bytes (an empty archive: the second)


def looks_like_npz(path: str | os.PathLike) -> bool:
    """Whether the file starts like a zip archive, as every ``.npz`` does (truncated ones included)."""
    with open(path, "rb") as handle:
        return handle.read(4) in ZIP_MAGIC


def load_clips(path: str | os.PathLike) -> ClipSet:
    """Read and validate a clip file.

    Raises:
        InputError: the file is missing, not an npz at all (e.g. text), not a readable npz
            (truncated/corrupt), has the wrong ``format`` tag, or fails :func:`validate`.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such clip file")
    if not looks_like_npz(path):  # text, a pickle, a bare .npy: np.load would call it a pickle problem
        raise InputError(f"{path}: not an npz file (a .npz is a zip archive of arrays; expected a '{FORMAT}' file)")
    arrays = npz_arrays(path, "clip file")  # sizes checked from the headers first, nothing unpickled
    tag = arrays.pop("format", None)
    if tag is None:
        raise InputError(f"{path}: missing key 'format' (expected '{FORMAT}')")
    if str(tag) != FORMAT:
        raise InputError(f"{path}: key 'format' is {str(tag)!r}, expected '{FORMAT}'")
    unknown = sorted(set(arrays) - set(_FRAME_KEYS) - set(_SEQ_KEYS))
    if unknown:
        raise InputError(f"{path}: unknown key(s) {unknown} in a {FORMAT} file")
    for name in _REQUIRED:
        if name not in arrays:
            raise InputError(f"{path}: missing required key '{name}'")
    return validate(ClipSet(**arrays), source=str(path))


def save_clips(path: str | os.PathLike, clips: ClipSet) -> Path:
    """Validate ``clips`` and write them atomically to ``path`` (``.npz``, uncompressed)."""
    path = Path(path)
    clips = validate(clips, source=str(path))
    arrays = {"format": np.array(FORMAT)}
    for f in dataclasses.fields(ClipSet):
        value = getattr(clips, f.name)
        if value is not None:
            arrays[f.name] = value
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with atomic_open(path, "wb") as handle:
        handle.write(buffer.getbuffer())
    return path


def describe_clips(clips: ClipSet) -> dict:
    """What ``posynda data info`` reports: ``sequences``, ``frames``, ``has_3d``, ``missing_keypoints_pct``
    (joints without finite 2D, %), ``image_sizes`` (sorted ``"WxH"`` strings), ``focal_px`` (min, max fx)."""
    return {
        "sequences": clips.num_sequences,
        "frames": clips.num_frames,
        "has_3d": clips.has_3d,
        "missing_keypoints_pct": float((~np.isfinite(clips.keypoints_2d).all(-1)).mean() * 100),
        "image_sizes": sorted({f"{w}x{h}" for w, h in clips.image_size}),
        "focal_px": (float(clips.camera[:, 0].min()), float(clips.camera[:, 0].max())),
    }


def concatenate(sets: list[ClipSet]) -> ClipSet:
    """Join clip sets of the same domain (sequence ids renumbered, and their noise drawn by position again: no
    ``noise_sequence``). Optional keys survive only if every set has them (confidence and valid default to
    ones/True)."""
    if not sets:
        raise InputError("nothing to concatenate")
    offsets = np.cumsum([0] + [c.num_sequences for c in sets[:-1]])
    out = {
        "keypoints_2d": np.concatenate([c.keypoints_2d for c in sets]),
        "seq_index": np.concatenate([c.seq_index + o for c, o in zip(sets, offsets)]).astype(np.int32),
        "camera": np.concatenate([c.camera for c in sets]),
        "image_size": np.concatenate([c.image_size for c in sets]),
    }
    if any(c.confidence is not None for c in sets):
        out["confidence"] = np.concatenate([c.confidence_or_ones() for c in sets])
    if any(c.valid is not None for c in sets):
        out["valid"] = np.concatenate([c.valid_or_all() for c in sets])
    for key in ("joints_3d", "fps", "seq_name", "source_frame", "person", "detector_3d"):
        if all(getattr(c, key) is not None for c in sets):
            out[key] = np.concatenate([getattr(c, key) for c in sets])
    return validate(ClipSet(**out))
