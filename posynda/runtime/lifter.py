"""The ``Lifter``: 2D keypoint sequences -> 3D poses in mm on any backend.

It windows each sequence, samples K DDIM steps with H hypotheses (noise drawn on the host from
the seed, so every backend gives the same poses for the same seed), aggregates the hypotheses
(mean, or reprojection-selected per joint / per frame), averages overlapping windows, and returns
root-relative mm plus absolute camera-frame mm (root translation solved from the 2D keypoints and
the intrinsics by :func:`posynda.camera.solve_root_translation`).
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass

import numpy as np

from posynda.data.clips import ClipSet, validate
from posynda.data.detections import default_intrinsics
from posynda.data.prepare import fill_missing_keypoints, frame_intrinsics
from posynda.devices import Device
from posynda.errors import InputError
from posynda.runtime.backends import Backend, load_backend
from posynda.runtime.floor_scale import FloorScales
from posynda.runtime.fusion import check_weight, fused
from posynda.runtime.level_camera import levelled_clips, sequence_rotations, turned_back
from posynda.runtime.orientation import (
    check_orient,
    detector_rotations,
    require_detector_3d,
    turned_about_root,
    upright_camera_up,
)
from posynda.runtime.person_lift import LiveCalibration, PersonLift
from posynda.runtime.root_depth import check_window, median_root_depth
from posynda.runtime.settings import SamplingSettings
from posynda.runtime.stream import LiftStream
from posynda.runtime.windowed_lift import lift_windows, place_in_camera


@dataclass
class LiftResult:
    """Lifted poses of every frame.

    Attributes:
        root_relative_mm: ``[N, 17, 3]`` root-relative camera-frame poses, mm (root exactly 0).
        absolute_mm: ``[N, 17, 3]`` absolute camera-frame poses, mm (None without intrinsics).
        backend: the backend and device actually used, e.g. "onnxruntime (CPUExecutionProvider)".
        settings: the sampling settings used.
        seconds: wall time of the lift.
        push_seconds: ``[N]`` wall time of each frame's ``push`` when lifted as a stream, else None.
        sizes: how a calibration's floor sized each sequence (``posynda lift --size floor``; a stream's: its last
            pose's scale), else None.
    """

    root_relative_mm: np.ndarray
    absolute_mm: np.ndarray | None
    backend: str
    settings: SamplingSettings
    seconds: float
    push_seconds: np.ndarray | None = None
    sizes: FloorScales | None = None

    def to_clips(self, clips: ClipSet) -> ClipSet:
        """``clips`` with ``joints_3d`` set to the lifted poses (absolute when available)."""
        poses = self.absolute_mm if self.absolute_mm is not None else self.root_relative_mm
        return dataclasses.replace(clips, joints_3d=poses.astype(np.float32))


def absolute_positions(root_relative_mm: np.ndarray, clips: ClipSet) -> np.ndarray:
    """Place root-relative poses in the camera frame: ``[N, 17, 3]`` mm.

    The translation of each frame is the closed-form least-squares fit of the pose to the 2D
    keypoints under the clip's intrinsics, weighted by the detector confidences.
    """
    pixels, weights = fill_missing_keypoints(clips), clips.confidence_or_ones()
    return place_in_camera(root_relative_mm, pixels, frame_intrinsics(clips), weights)


def missing_where_unconfident(clips: ClipSet) -> ClipSet:
    """``clips`` with the keypoints of confidence <= 0 set to NaN: missing (gap-filled), as the stream and
    the C library read them."""
    if clips.confidence is None or not np.any((clips.confidence <= 0) & np.isfinite(clips.keypoints_2d).all(-1)):
        return clips
    keypoints = clips.keypoints_2d.copy()
    keypoints[~(clips.confidence > 0)] = np.nan
    return dataclasses.replace(clips, keypoints_2d=keypoints)


class Lifter:
    """Lift 2D keypoints with a model file on the backend of its type.

    Args:
        model: ``.safetensors`` checkpoint, exported ``.onnx`` (denoiser or ``--sampler`` graph)
            or TensorRT ``.engine`` (the backend follows the file type); or an opened :class:`Backend`.
        device: "auto", "cpu" or "cuda" (torch and ONNX Runtime).
        threads: ONNX Runtime intra-op threads (default: the physical cores).

    >>> lifter = Lifter("denoiser.onnx")
    >>> result = lifter.lift(clips, SamplingSettings(hypotheses=5, steps=5, aggregate="joint"))
    >>> lifter.describe()
    'onnxruntime (CPUExecutionProvider)'
    """

    def __init__(self, model: str | os.PathLike | Backend, *, device: Device = "auto", threads: int | None = None):
        self.backend = model if isinstance(model, Backend) else load_backend(model, device=device, threads=threads)

    @property
    def frames(self) -> int:
        return self.backend.frames

    @property
    def causal(self) -> bool:
        """The model is causal: every frame is lifted by the window that ends at it (zero look-ahead)."""
        return self.backend.causal

    @property
    def latency(self) -> int:
        """Frames a :meth:`stream` holds back: ``T - 1``, or 0 for a causal model."""
        return 0 if self.causal else self.frames - 1

    def describe(self) -> str:
        """The backend and device actually used."""
        return self.backend.describe()

    def effective_settings(self, settings: SamplingSettings) -> SamplingSettings:
        """``settings`` as this model can run them: a whole-sampler graph fixes K, H, flip and
        aggregates by the mean."""
        b = self.backend
        if b.graph != "sampler":
            return settings
        return dataclasses.replace(settings, steps=b.steps, hypotheses=b.hypotheses, flip=b.flip, aggregate="mean")

    def lift(self, clips: ClipSet, settings: SamplingSettings = SamplingSettings(), progress=None,
             camera_up=None, orient: str = "none", detector_weight: float = 0.0,
             root_window_s: float = 0.0) -> LiftResult:  # fmt: skip
        """Lift every sequence of ``clips`` (a validated posynda ClipSet; intrinsics included; a keypoint of
        confidence <= 0 is missing). ``camera_up``: the direction against gravity in the camera frame (``[3]``,
        or ``[S, 3]`` per sequence, e.g. from a calibration): lift through a level virtual camera
        (:mod:`posynda.runtime.level_camera`); the poses come back in the real camera's frame. ``orient``:
        ``"detector"`` turns each sequence to the detector's own 3D, ``"upright"`` takes its spine as the
        camera's up (:mod:`posynda.runtime.orientation`); ``detector_weight``: the weight of the detector's own
        3D in the root-relative poses (:mod:`posynda.runtime.fusion`; 0: posynda's alone). All but the defaults
        need ``clips.detector_3d``. ``root_window_s``: each root's distance from the camera as the running median
        over that many seconds of its sequence (:mod:`posynda.runtime.root_depth`; 0: each frame's own, the
        default here; ``posynda lift`` uses ``ROOT_WINDOW_S``)."""
        clips = missing_where_unconfident(validate(clips, source="input keypoints"))
        weight = check_weight(detector_weight)
        root_window_s = check_window(root_window_s)
        for what, wanted in (
            (f"detector_weight {weight:g}", weight > 0.0),
            (f"orient {orient!r}", check_orient(orient) != "none"),
        ):
            if wanted:
                require_detector_3d(clips, what)  # before any work
        if orient == "upright":
            if camera_up is not None:
                raise InputError("orient 'upright' guesses the camera's up: give it or camera_up, not both",
                                 parameter="orient")  # fmt: skip
            camera_up = upright_camera_up(clips)
        levels = None if camera_up is None else sequence_rotations(clips, camera_up)
        changes = orient == "detector" or weight > 0.0  # the pose changes after the lift: its root is fitted then
        lifted = clips if levels is None else levelled_clips(clips, levels)
        result = self._lift_windows(lifted, settings, progress, place=not changes)
        rel, absolute = result.root_relative_mm, result.absolute_mm
        if levels is not None:  # lifted in the level cameras: back into the real ones
            rel, absolute = turned_back(rel, clips, levels), turned_back(absolute, clips, levels)
        if orient == "detector":
            rel = turned_about_root(rel, clips, detector_rotations(rel, clips))
        if weight > 0.0:
            rel = fused(rel, clips, weight)
        if changes:  # the root fitted to the 2D with the pose as it is written
            absolute = absolute_positions(rel, clips)
        absolute = median_root_depth(absolute, clips, root_window_s)
        return dataclasses.replace(result, root_relative_mm=rel, absolute_mm=absolute)

    def _lift_windows(self, clips: ClipSet, settings: SamplingSettings, progress, place: bool = True) -> LiftResult:
        """The windowed lift of validated ``clips`` as they are (no levelling, no detector 3D); the absolute poses
        only with ``place``."""
        settings = self.effective_settings(settings)
        t0 = time.perf_counter()
        b = self.backend
        sampler = b.sample if b.graph == "sampler" else None
        rel = lift_windows(
            None if sampler else b,
            b.diffusion,
            b.frames,
            clips,
            settings,
            progress=progress,
            device=b.tensor_device,
            sampler=sampler,
            causal=b.causal,
        )
        absolute = absolute_positions(rel, clips) if place else None
        return LiftResult(rel, absolute, self.describe(), settings, time.perf_counter() - t0)

    def lift_as_stream(
        self,
        clips: ClipSet,
        settings: SamplingSettings = SamplingSettings(),
        progress=None,
        orient: str = "none",
        detector_weight: float = 0.0,
        calibration: LiveCalibration | None = None,
    ) -> LiftResult:
        """Lift every sequence of ``clips`` frame by frame as a live app lifts one person
        (:class:`~posynda.runtime.person_lift.PersonLift`; ``progress(done_frames, total_frames)``). Without the
        detector's 3D and a calibration it equals :meth:`lift` within the bound of :mod:`posynda.runtime.stream`.
        ``orient`` ("none" or "detector"; "upright" needs whole sequences) and ``detector_weight`` use
        ``clips.detector_3d`` as :meth:`lift` does, with the rotation of each person's frames so far;
        ``calibration``: each frame lifted through the level camera of its gravity and sized by the floor of the
        frames so far (the result's ``sizes``: each sequence's last scale, and why one kept the lifter's size).
        The result also holds each push's wall time."""
        clips = validate(clips, source="input keypoints")
        if check_orient(orient) == "upright":
            raise InputError("orient 'upright' takes the spine of whole sequences: lift them with lift()",
                             parameter="orient")  # fmt: skip
        for what, wanted in (
            (f"orient {orient!r}", orient == "detector"),
            ("detector_weight", check_weight(detector_weight)),
        ):
            if wanted:
                require_detector_3d(clips, what)  # before any work
        settings = self.effective_settings(settings)
        t0 = time.perf_counter()
        n = clips.num_frames
        rel, absolute = np.zeros((n, 17, 3), np.float32), np.zeros((n, 17, 3), np.float32)
        push = np.zeros(n)
        confidence = clips.confidence
        oriented = orient == "detector"
        detector = clips.detector_3d if (oriented or detector_weight) else None
        scales, kept = np.ones(clips.num_sequences), {}
        noise = clips.noise_sequences()
        for s, frames in clips.iter_sequences():
            person = PersonLift(self, clips.camera[s], settings, oriented, detector_weight, calibration,
                                sequence=int(noise[s]))  # fmt: skip
            out = []
            for f in range(frames.start, frames.stop):
                p0 = time.perf_counter()
                out += person.push(clips.keypoints_2d[f], None if confidence is None else confidence[f],
                                   None if detector is None else detector[f])  # fmt: skip
                push[f] = time.perf_counter() - p0
                if progress is not None:
                    progress(f + 1, n)
            for pose in out + person.finish():
                rel[frames.start + pose.frame], absolute[frames.start + pose.frame] = (
                    pose.root_relative_mm,
                    pose.absolute_mm,
                )
            if person.size is not None:
                scales[s] = person.size.scale
                if person.size.reason is not None:
                    kept[s] = person.size.reason
        sizes = None if calibration is None or calibration.height_mm is None else FloorScales(scales, kept)
        return LiftResult(rel, absolute, self.describe(), settings, time.perf_counter() - t0, push, sizes)

    def lift_keypoints(
        self,
        keypoints_2d: np.ndarray,
        image_size: tuple[int, int],
        intrinsics=None,
        confidence: np.ndarray | None = None,
        settings: SamplingSettings = SamplingSettings(),
        camera_up=None,
        detector_3d: np.ndarray | None = None,
        orient: str = "none",
        detector_weight: float = 0.0,
        root_window_s: float = 0.0,
        fps: float | None = None,
    ) -> LiftResult:
        """Lift one sequence ``[N, 17, 2]`` of H36M-order pixel keypoints (NaN or confidence <= 0 = missing).

        ``intrinsics``: 9 floats ``[fx, fy, cx, cy, k1, k2, k3, p1, p2]`` in pixels; None = the
        default pinhole camera of :func:`posynda.data.detections.default_intrinsics`. ``camera_up``,
        ``orient``, ``detector_weight`` and ``root_window_s``: as for :meth:`lift`; ``detector_3d``: ``[N, 17,
        3]`` the detector's own 3D (H36M, mm, root-relative, camera axes; NaN where none), what those two read;
        ``fps``: the sequence's frame rate (what ``root_window_s`` counts in; None: 50).
        """
        w, h = int(image_size[0]), int(image_size[1])
        cam = default_intrinsics(w, h) if intrinsics is None else intrinsics
        clips = ClipSet.single_sequence(keypoints_2d, cam, (w, h), confidence)
        if fps is not None:
            clips = clips.with_fps(fps)
        if detector_3d is not None:
            clips = dataclasses.replace(clips, detector_3d=np.asarray(detector_3d, np.float32))
        return self.lift(clips, settings, camera_up=camera_up, orient=orient, detector_weight=detector_weight,
                         root_window_s=root_window_s)  # fmt: skip

    def stream(
        self,
        intrinsics=None,
        image_size: tuple[int, int] | None = None,
        settings: SamplingSettings = SamplingSettings(),
        joint_order: str = "h36m",
        sequence: int = 0,
    ) -> LiftStream:
        """A live :class:`~posynda.runtime.stream.LiftStream` of one person: ``push`` a frame, get frame
        ``t - L`` (:attr:`latency`: ``L = T - 1``, 0 for a causal model); equal to :meth:`lift_keypoints` of the
        same frames when the detections are complete (see the bound in :mod:`posynda.runtime.stream`).
        ``intrinsics`` as for :meth:`lift_keypoints`; without them ``image_size`` gives the default camera;
        ``sequence``: which sequence of a clip set its noise is drawn for (as :class:`LiftStream` says)."""
        if intrinsics is None:
            if image_size is None:
                raise InputError("a stream needs the camera: intrinsics or image_size")
            intrinsics = default_intrinsics(int(image_size[0]), int(image_size[1]))
        return LiftStream(self.backend, intrinsics, self.effective_settings(settings), joint_order, sequence)
