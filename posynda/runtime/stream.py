"""Live lifting: push one frame of pixel keypoints, get the pose of frame ``t - L`` back.

A causal model (``DenoiserConfig.causal``, ``posynda pretrain --causal``) has ``L = 0``: each push samples the
window of the T newest frames (frame 0 repeated before the start: :func:`posynda.data.windows.causal_windows`)
and returns the pushed frame itself, the window's last. The rest of this page is about centred models.

A :class:`LiftStream` (``Lifter.stream(...)``) keeps the last T frames and the running window
sums, so its memory does not grow with the stream. Every ``stride`` frames a window of the T
newest frames is sampled -- the windows, their Philox noise (the sequence, window w) and the
aggregation are those of the whole-sequence lift (:func:`posynda.runtime.windowed_lift.lift_windows`)
-- and frame ``t - L`` is final once every window that covers it is done: ``L = T - 1`` frames.
:meth:`LiftStream.finish` lifts what is left (the end-aligned tail window, or one padded window
for a stream shorter than T).

**The bound.** With complete detections, and whenever every gap in a joint's track closes within
the window that needs it, the stream gives the whole-sequence lift of the same frames (same seed,
same settings; equal to float rounding: ``tests/runtime/test_stream.py`` checks <= 1e-3 mm). A gap
still open at the newest frame of a window is held from the last observation where the whole
sequence would interpolate to a later one, and a joint first seen after a window takes its
parent's track there; only those windows' frames differ, by how far the held 2D is from the
interpolated 2D (lifted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from posynda import camera
from posynda.data.prepare import MM_PER_M, fill_track
from posynda.data.windows import causal_frames
from posynda.diffusion import DDIMScheduler, sample_poses, window_noise
from posynda.errors import InputError
from posynda.runtime.settings import SamplingSettings
from posynda.runtime.windowed_lift import aggregate_hypotheses, check_causal_stride, place_in_camera
from posynda.skeleton import NUM_JOINTS, convert_joints
from posynda.threads import torch_threads

# A stream samples one window at a time: too little work to share among threads. One thread is as fast on an idle
# machine and 3x faster on a busy one (the causal model's push: 2.7 vs 2.6 ms idle, 5.2 vs 16.4 ms busy, 2 cores).
STREAM_TORCH_THREADS = 1


@dataclass(frozen=True)
class StreamPose:
    """The lifted pose of one frame of a stream.

    Attributes:
        frame: its index in the stream (0 = the first pushed frame).
        root_relative_mm: ``[17, 3]`` root-relative camera-frame mm (root exactly 0).
        absolute_mm: ``[17, 3]`` camera-frame mm (root translation solved from the 2D).
    """

    frame: int
    root_relative_mm: np.ndarray
    absolute_mm: np.ndarray


def check_frame(keypoints: np.ndarray, confidence: np.ndarray | None) -> None:
    """InputError unless every keypoint coordinate is finite or NaN (missing) and every confidence a finite number
    in [0, 1] (0: missing) -- the rule of clip files (:func:`posynda.data.clips.validate`) and of the C library."""
    if np.isinf(keypoints).any():
        raise InputError("keypoints must be finite pixels or NaN (missing), got an infinite value")
    if confidence is not None and not (np.isfinite(confidence) & (confidence >= 0) & (confidence <= 1)).all():
        raise InputError("confidence must be finite numbers in [0, 1] (0 = missing)")


class LiftStream:
    """Frame-by-frame lifting of one person with a :class:`~posynda.runtime.Lifter`'s backend.

    Args:
        backend: an opened runtime backend (``Lifter.backend``).
        intrinsics: 9 floats ``[fx, fy, cx, cy, k1, k2, k3, p1, p2]``, pixels.
        settings: H, K, flip, aggregation, seed and stride (``None`` = T) as for ``Lifter.lift``.
        joint_order: the order of the pushed keypoints ("h36m" or any detector order of
            :data:`posynda.skeleton.JOINT_ORDERS`, e.g. "coco").
        sequence: the sequence index the noise is drawn for (the stream of sequence s of a clip set
            draws what the whole lift of that set draws for it; libposynda's ``posynda_settings.sequence``).

    >>> stream = lifter.stream(intrinsics=default_intrinsics(1920, 1080))
    >>> for keypoints in detector:                  # [17, 2] pixels, NaN = missing
    ...     pose = stream.push(keypoints)            # None until L frames are in (L = 0: causal)
    >>> rest = stream.finish()
    """

    def __init__(
        self,
        backend,
        intrinsics,
        settings: SamplingSettings = SamplingSettings(),
        joint_order: str = "h36m",
        sequence: int = 0,
    ):
        self.backend = backend
        self.sequence = int(sequence)
        self.settings = settings
        self.joint_order = joint_order
        self.frames = backend.frames
        self.causal = backend.causal
        check_causal_stride(settings, self.causal)
        self.stride = 1 if self.causal else settings.stride or self.frames
        self.latency = 0 if self.causal else self.frames - 1
        self.intrinsics = camera.check_intrinsics(intrinsics)
        self.scheduler = DDIMScheduler(backend.diffusion)
        t = self.frames
        self._pixels = np.full((t, NUM_JOINTS, 2), np.nan, np.float32)  # ring buffers of the T newest frames
        self._weights = np.zeros((t, NUM_JOINTS), np.float32)
        self._sum = np.zeros((t, NUM_JOINTS, 3), np.float64)  # overlap sums of frames not yet emitted
        self._count = np.zeros(t, np.float64)
        self._before_frame = np.full(NUM_JOINTS, -1, np.int64)  # each joint's last observation older than the
        self._before_xy = np.zeros((NUM_JOINTS, 2), np.float64)  # buffer (frame -1: none yet), and where it was
        self._absolute = np.zeros((t, NUM_JOINTS, 3), np.float32)  # placed poses of final, fully observed frames
        self._placed = np.zeros(t, bool)
        self.pushed = 0
        self._windows = 0
        self._finished = False
        self._failure = ""  # why a push failed after the buffers moved on (the stream then refuses more)

    def push(self, keypoints, confidence=None) -> StreamPose | None:
        """Add frame ``t`` (``keypoints [J, 2]`` pixels in ``joint_order``, NaN or confidence 0 =
        missing; ``confidence [J]`` or None); returns the pose of frame ``t - L``, None for the first L."""
        if self._finished:
            raise InputError("stream already finished")
        if self._failure:
            raise InputError(f"the stream failed earlier ({self._failure}); open a new one")
        xy, weight = self._convert(keypoints, confidence)
        try:
            with torch_threads(STREAM_TORCH_THREADS):
                return self._advance(xy, weight)
        except InputError as exc:  # later frames would lack this window
            self._failure = str(exc)
            raise

    def _advance(self, xy, weight) -> StreamPose | None:
        t = self.pushed
        slot = t % self.frames
        if t >= self.frames:  # the frame leaving the buffer keeps its joints' last observations
            self._remember(slot, t - self.frames)
        self._pixels[slot], self._weights[slot] = xy, weight
        self._sum[slot], self._count[slot] = 0.0, 0.0
        self._placed[slot] = False
        self.pushed += 1
        if self.causal:
            return self._lift_causal(t)
        start = t - self.frames + 1
        if start >= 0 and start % self.stride == 0:
            self._lift_window(start)
        return self._emit(t - self.latency) if t >= self.latency else None

    def finish(self) -> list[StreamPose]:
        """The poses of the last ``min(L, pushed)`` frames: the tail (or padded) window, then emission."""
        if self._finished:
            raise InputError("stream already finished")
        if self._failure:
            raise InputError(f"the stream failed earlier ({self._failure}); open a new one")
        self._finished = True
        n, t = self.pushed, self.frames
        if n == 0 or self.causal:  # a causal stream has returned every frame already
            return []
        with torch_threads(STREAM_TORCH_THREADS):
            if n < t:
                left = (t - n) // 2  # one window, edge-padded and centred (as posynda.data.windows)
                self._lift_window(0, local=np.clip(np.arange(t) - left, 0, n - 1))
            elif (n - t) % self.stride != 0:
                self._lift_window(n - t, tail=True)
            return [self._emit(f) for f in range(max(0, n - self.latency), n)]

    # --- internals -------------------------------------------------------------------------------

    def _convert(self, keypoints, confidence):
        kp = np.asarray(keypoints, np.float32)
        conf = None if confidence is None else np.asarray(confidence, np.float32)
        check_frame(kp, conf)  # every joint given, before conversion and before anything moves
        if self.joint_order != "h36m":
            kp, conf = convert_joints(kp[None], self.joint_order, None if conf is None else conf[None])
            kp, conf = kp[0], conf[0]
        if kp.shape != (NUM_JOINTS, 2):
            raise InputError(
                f"a frame needs [{NUM_JOINTS}, 2] keypoints in {self.joint_order} order, got {list(kp.shape)}"
            )
        if conf is not None and conf.shape != (NUM_JOINTS,):
            raise InputError(f"confidence must be [{NUM_JOINTS}], got {list(conf.shape)}")
        kp = kp.copy()
        if conf is not None:
            kp[~(conf > 0)] = np.nan  # confidence 0 = missing
        finite = np.isfinite(kp).all(-1)
        kp[~finite] = np.nan
        weight = np.where(finite, 1.0 if conf is None else conf, 0.0).astype(np.float32)
        return kp, weight

    def _remember(self, slot: int, frame: int):
        seen = np.isfinite(self._pixels[slot]).all(-1)
        self._before_frame[seen] = frame
        self._before_xy[seen] = self._pixels[slot][seen]

    def _frames(self, first: int, count: int) -> np.ndarray:
        """Buffer slots of stream frames ``first .. first + count - 1`` (all still buffered)."""
        return (np.arange(first, first + count)) % self.frames

    def _filled(self, first: int, count: int) -> np.ndarray:
        """Gap-filled pixels ``[count, 17, 2]`` float32 of frames ``first ..``, from what is known now."""
        slots = self._frames(first, count)
        seg = self._pixels[slots].astype(np.float64)
        gap = ~np.isfinite(seg).all(-1)
        if gap.any():
            before = [None if f < 0 else (int(f) - first, xy) for f, xy in zip(self._before_frame, self._before_xy)]
            try:
                seg = fill_track(seg, gap, before)
            except ValueError:
                raise InputError(f"no keypoint observed in stream frames 0..{first + count - 1}") from None
        return seg.astype(np.float32)

    def _sample(self, pixels: np.ndarray, raw: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The next window's poses ``[T, 17, 3]`` mm (float32, as ``lift_windows``) from its gap-filled ``pixels
        [T, 17, 2]``, raw pixels (NaN = missing) and ``weights [T, 17]``; the window's noise is the next stream
        of this sequence."""
        t, s = self.frames, self.settings
        cam = self.intrinsics.astype(np.float64)
        cond = camera.canonical_screen(pixels.astype(np.float64), cam).astype(np.float32)
        cond = torch.from_numpy(cond[None]).to(self.backend.tensor_device)
        noise = window_noise(s.seed, [(self.sequence, self._windows)], s.steps, s.hypotheses, t, NUM_JOINTS)
        self._windows += 1
        b = self.backend
        if b.graph == "sampler":
            agg = b.sample(cond, noise)
        else:
            poses = sample_poses(b, cond, self.scheduler, s.hypotheses, s.steps, s.flip, noise)
            cams = torch.from_numpy(np.broadcast_to(self.intrinsics, (t, 9)).copy())
            agg = aggregate_hypotheses(
                poses, s.aggregate, torch.from_numpy(raw), cams, torch.from_numpy(weights), np.arange(t)[None]
            )
        return agg.cpu().numpy()[0] * np.float32(MM_PER_M)

    def _lift_causal(self, t: int) -> StreamPose:
        """A causal model's pose of the newest frame ``t``: the last frame of the window ``t - T + 1 .. t``."""
        first = max(0, t - self.frames + 1)
        pixels = self._filled(first, t - first + 1)  # [<= T, 17, 2], gaps held from the last observation
        slots = self._frames(first, t - first + 1)
        local = causal_frames(t, self.frames) - first  # frame 0 repeated before the start
        values = self._sample(pixels[local], self._pixels[slots][local], self._weights[slots][local])
        rel = values[-1]
        weights = self._weights[t % self.frames]
        absolute = place_in_camera(rel[None], pixels[-1:], self.intrinsics[None], weights[None])[0]
        return StreamPose(t, rel, absolute)

    def _lift_window(self, start: int, tail: bool = False, local=None):
        """Sample the window of T frames from ``start`` (``local``: the padded window's frame indices)
        and add its poses to the overlap sums (a ``tail`` window only where nothing else did)."""
        t = self.frames
        count = t if local is None else self.pushed
        pixels = self._filled(start, count)  # [count, 17, 2]
        raw = self._pixels[self._frames(start, count)]
        weights = self._weights[self._frames(start, count)]
        if local is not None:
            pixels, raw, weights = pixels[local], raw[local], weights[local]
        offsets, left = np.arange(t), (t - count) // 2
        real = (offsets >= left) & (offsets < left + count)  # all True for a full window
        values = self._sample(pixels, raw, weights)
        frames = start + (np.arange(t) if local is None else local)
        for i in np.flatnonzero(real):
            f = int(frames[i])
            slot = f % t
            if tail and self._count[slot] > 0:  # a tail window fills only what no other window covers
                continue
            self._sum[slot] += values[i]
            self._count[slot] += 1.0
        if local is None and not tail:
            self._place_final(start)

    def _place_final(self, start: int):
        """Place, in one batch, the frames this regular window made final (no later regular window covers
        ``start .. start + stride - 1``) whose joints were all observed: their pixels can no longer change, so
        :meth:`_emit` returns what it would compute itself (the same float64 solve, frame by frame)."""
        slots = self._frames(start, min(self.stride, self.frames))
        slots = slots[np.isfinite(self._pixels[slots]).all(axis=(1, 2))]
        if not len(slots):
            return
        rel = (self._sum[slots] / self._count[slots, None, None]).astype(np.float32)
        cams = np.broadcast_to(self.intrinsics, (len(slots), 9))
        self._absolute[slots] = place_in_camera(rel, self._pixels[slots], cams, self._weights[slots])
        self._placed[slots] = True

    def place(self, frame: int, root_relative_mm) -> np.ndarray:
        """``[17, 3]`` camera-frame mm: the root-relative pose ``[17, 3]`` mm of stream frame ``frame`` placed as
        the stream places its own (the root fitted to the frame's gap-filled 2D, :func:`place_in_camera`) -- for
        a pose changed after it was emitted (turned, fused: :class:`posynda.runtime.person_lift.CausalDetector3D`).
        The frame must still be buffered: one returned by the last ``push`` or by ``finish``."""
        first = max(0, self.pushed - self.frames)
        if not first <= frame < self.pushed:
            raise InputError(f"stream frame {frame} is no longer buffered (frames {first}..{self.pushed - 1} are)")
        rel = np.asarray(root_relative_mm, np.float32).reshape(NUM_JOINTS, 3)
        pixels = self._filled(first, self.pushed - first)[frame - first]
        weights = self._weights[frame % self.frames]
        return place_in_camera(rel[None], pixels[None], self.intrinsics[None], weights[None])[0]

    def _emit(self, frame: int) -> StreamPose:
        slot = frame % self.frames
        rel = (self._sum[slot] / self._count[slot]).astype(np.float32)
        if self._placed[slot]:
            return StreamPose(frame, rel, self._absolute[slot].copy())
        return StreamPose(frame, rel, self.place(frame, rel))
