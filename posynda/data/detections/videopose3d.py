"""VideoPose3D's custom 2D detections: ``data_2d_custom_<name>.npz`` from its
``data/prepare_data_2d_custom.py`` (Detectron2 keypoints of your own videos).

Layout (``np.savez_compressed(positions_2d=..., metadata=...)``, both pickled dicts)::

    positions_2d = {"<video>": {"custom": [array [N, 17, 2]]}}    # pixels, one array per camera;
                                                                  # [N, 17, 3]: the third column a score
    metadata = {"layout_name": "coco", "num_joints": 17, "keypoints_symmetry": [[1, 3, ...], [2, 4, ...]],
                "video_metadata": {"<video>": {"w": 1920, "h": 1080}}}

VideoPose3D keeps the best-scored person of every frame and interpolates the frames without one, so
each video is one person (one sequence, ``<video>/person0``; a camera other than the first:
``<video>/cam<i>``). ``layout_name`` "coco" is converted by the COCO rule, "h36m" is taken as it is.
The image size of each video comes from ``video_metadata`` (``image_size`` overrides it).

The dicts are stored as pickled object arrays. They are read by posynda's data-only unpickler
(:func:`posynda.reading.npz_with_pickled_data`): dicts, lists, strings, numbers and numpy arrays are
built; a pickle that names anything else (a function to run) is refused before anything runs. It is
the one keypoint format with pickled content; the format is detected from the npz member names
without loading them.
"""

from __future__ import annotations

import numpy as np

from posynda.data.convert.arrays import as_dict, load_npz
from posynda.data.detections.assemble import assemble
from posynda.data.detections.people import Person, Video
from posynda.data.detections.probe import Probe, require
from posynda.data.detections.read_options import ReadOptions
from posynda.errors import InputError

WHAT = "VideoPose3D custom 2D detections (an npz with 'positions_2d' and 'metadata', data_2d_custom_<name>.npz)"
LAYOUTS = {"coco": "coco", "h36m": "h36m"}


def looks_like(probe: Probe) -> bool:
    return probe.kind == "npz" and probe.members is not None and {"positions_2d", "metadata"} <= set(probe.members)


def _size(meta, video: str):
    entry = meta.get(video) if isinstance(meta, dict) else None
    if isinstance(entry, dict) and "w" in entry and "h" in entry:
        return int(entry["w"]), int(entry["h"])
    return None


def read(probe: Probe, options: ReadOptions):
    """A VideoPose3D custom npz -> ``(ClipSet, DetectionReport)``: one sequence per video (and camera)."""
    require(probe, "npz", WHAT)
    arrays = load_npz(probe.path, ("positions_2d", "metadata"))  # pickled dicts, read as data only
    positions = as_dict(arrays["positions_2d"], probe.path, "positions_2d")
    metadata = as_dict(arrays["metadata"], probe.path, "metadata")
    layout = metadata.get("layout_name", "coco")
    if layout not in LAYOUTS:
        raise InputError(f"{probe.path}: key 'metadata' has layout_name {layout!r}; expected one of {sorted(LAYOUTS)}")
    videos = []
    for video, cameras in positions.items():
        if not isinstance(cameras, dict):
            raise InputError(f"{probe.path}: positions_2d[{video!r}] must be a dict like {{'custom': [array]}}")
        for action, arrays_list in cameras.items():
            if isinstance(arrays_list, np.ndarray) and arrays_list.dtype != object:
                arrays_list = [arrays_list]
            for cam, arr in enumerate(arrays_list):
                try:
                    arr = np.asarray(arr, np.float64)
                except (TypeError, ValueError):
                    raise InputError(f"{probe.path}: positions_2d[{video!r}][{action!r}] is not numeric") from None
                if arr.ndim != 3 or arr.shape[2] not in (2, 3):
                    raise InputError(
                        f"{probe.path}: positions_2d[{video!r}][{action!r}][{cam}] has shape {list(arr.shape)}, "
                        "expected [N, 17, 2] (or [N, 17, 3] with scores)"
                    )
                scores = arr[..., 2] if arr.shape[2] == 3 else None
                frames = {t: [Person(arr[t, :, :2], None if scores is None else scores[t])] for t in range(len(arr))}
                name = str(video) if action == "custom" else f"{video}/{action}"
                name += f"/cam{cam}" if cam else ""
                videos.append(Video(name, frames, LAYOUTS[layout], _size(metadata.get("video_metadata"), video)))
    if not videos:
        raise InputError(f"{probe.path}: key 'positions_2d' holds no video")
    return assemble(videos, options, probe.path, "videopose3d", "a VideoPose3D npz without video_metadata")
