"""What reading a keypoint file reports: the source, its format, the camera, one line per sequence (frames,
track, joints missing, mean confidence), notes and warnings (:class:`KeypointWarning`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posynda.data.detections.read_options import ReadOptions


class KeypointWarning(UserWarning):
    """Keypoints that can be read but look wrong (e.g. normalised to [0, 1] instead of pixels)."""


@dataclass(frozen=True)
class SequenceReport:
    """One sequence read: its name, frames, the track it follows, joints missing (%), mean confidence.

    ``track`` is the file's track id, the tracker's number or the video detector's person id (``tracked_by``
    "file" / "tracker" / "detector"; None for posynda's own files); ``missing_pct`` counts the H36M joints
    without finite 2D over all its frames (absent frames included); ``mean_confidence`` averages the joints
    that are present;
    ``first_frame`` is the source's frame number of the sequence's first frame (0 for posynda's files).
    """

    name: str
    frames: int
    track: str | None
    tracked_by: str | None
    missing_pct: float
    mean_confidence: float
    first_frame: int = 0

    def line(self) -> str:
        by = f" ({self.tracked_by})" if self.tracked_by in ("tracker", "detector") else ""
        track = "" if self.track is None else f", track {self.track}{by}"
        return (
            f"{self.name}: {self.frames} frames{track}, {self.missing_pct:.1f}% joints missing, "
            f"mean confidence {self.mean_confidence:.2f}"
        )


@dataclass(frozen=True)
class DetectionReport:
    """What :func:`~posynda.data.detections.read_detections` read: the source, its format, the camera,
    one :class:`SequenceReport` per sequence, notes, and warnings (also issued as :class:`KeypointWarning`)."""

    source: str
    format: str
    camera: str
    sequences: tuple[SequenceReport, ...]
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def lines(self, max_sequences: int = 20) -> list[str]:
        """The report as printed: a header, one line per sequence (the first ``max_sequences``), notes, warnings."""
        count = len(self.sequences)
        head = f"input {self.source}: {self.format}, {count} sequence{'s' if count != 1 else ''}, {self.camera}"
        body = [f"  {s.line()}" for s in self.sequences[:max_sequences]]
        if count > max_sequences:
            body.append(f"  ... and {count - max_sequences} more sequences")
        return [head, *body, *(f"note: {n}" for n in self.notes), *(f"warning: {w}" for w in self.warnings)]


def camera_summary(cameras: np.ndarray, sizes: np.ndarray, options: ReadOptions, from_file: bool) -> str:
    """``"1920x1080, f = 1920 px (default camera)"`` for the report (the first sequence's, "..." when they differ)."""
    w, h = (int(v) for v in sizes[0])
    f = float(cameras[0, 0])
    how = (
        f"from {options.intrinsics_from}"
        if options.intrinsics is not None
        else f"from a {options.fov:g} degree field of view"
        if options.fov is not None
        else "from the file"
        if from_file
        else "default camera"
    )
    more = ", ..." if len({tuple(c) for c in np.round(cameras, 3)}) > 1 or len({tuple(s) for s in sizes}) > 1 else ""
    return f"{w}x{h}, f = {f:.0f} px ({how}){more}"
