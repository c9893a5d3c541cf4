"""The BlazePose models posynda runs: the person detector and the full landmark model that ship inside the
mediapipe 0.10.14 wheel (Apache-2.0), converted once to ONNX (:mod:`posynda.detectors.tflite_graph`) and kept
in ``$POSYNDA_CACHE/detectors/``, then run by ONNX Runtime -- no download, no MediaPipe graph at run time
(mediapipe is only where the weights come from; its Tasks API refuses these files without metadata).

Each file is checked against the sha256 of the 0.10.14 wheel's copy before it is converted, and the ONNX
file's name carries that hash and the converter's version, so a changed model or converter converts anew.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from posynda.detectors.tflite_graph import tflite_to_onnx
from posynda.errors import InputError
from posynda.extras import require
from posynda.fileio import atomic_write_bytes, cache_dir

MEDIAPIPE_PIN = "mediapipe==0.10.14"
CONVERTER_VERSION = 1


@dataclass(frozen=True)
class BundledModel:
    """A model file inside the mediapipe wheel and what posynda keeps of it.

    Attributes:
        name: posynda's name of the model (the ONNX file's stem).
        path: the file inside the ``mediapipe`` package.
        sha256: of the 0.10.14 wheel's file.
        outputs: the TFLite outputs kept (the rest of the graph is dropped).
    """

    name: str
    path: str
    sha256: str
    outputs: tuple[str, ...]


# The person detector: 224 x 224 RGB in [-1, 1] -> 2254 anchors x (box 4 + keypoints 4 x 2), and their logits.
PERSON_DETECTOR = BundledModel(
    "blazepose_person_detector",
    "modules/pose_detection/pose_detection.tflite",
    "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    ("Identity", "Identity_1"),
)
# The full landmark model: 256 x 256 RGB in [0, 1] -> 39 landmarks x (x, y, z, visibility, presence) in crop
# pixels, the pose flag, and 39 world landmarks (m). Its segmentation mask and heatmap heads are dropped.
LANDMARKS = BundledModel(
    "blazepose_landmarks_full",
    "modules/pose_landmark/pose_landmark_full.tflite",
    "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    ("Identity", "Identity_1", "Identity_4"),
)
MODELS: tuple[BundledModel, ...] = (PERSON_DETECTOR, LANDMARKS)


def mediapipe_folder() -> Path:
    """The installed ``mediapipe`` package's folder (found, not imported: importing it starts its C++ runtime)."""
    require("mediapipe", purpose="the BlazePose detector")
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"mediapipe is not installed as a package; pip install '{MEDIAPIPE_PIN}'")
    return Path(next(iter(spec.submodule_search_locations)))


def bundled_file(model: BundledModel) -> Path:
    """The model's ``.tflite`` inside the installed mediapipe, checked against the 0.10.14 wheel's hash."""
    path = mediapipe_folder() / model.path
    if not path.is_file():
        raise InputError(f"this mediapipe bundles no {path.name} (later releases download their models); "
                         f"pip install '{MEDIAPIPE_PIN}'")  # fmt: skip
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != model.sha256:
        raise InputError(f"{path}: not the file of {MEDIAPIPE_PIN} (sha256 {digest[:12]}...); pip install "
                         f"'{MEDIAPIPE_PIN}'")  # fmt: skip
    return path


def onnx_file(model: BundledModel, folder: Path | None = None) -> Path:
    """The model as ONNX, converted on first use into ``folder`` (default ``$POSYNDA_CACHE/detectors``)."""
    folder = Path(folder) if folder is not None else cache_dir() / "detectors"
    target = folder / f"{model.name}-{model.sha256[:12]}-c{CONVERTER_VERSION}.onnx"
    if not target.is_file():
        require("onnx", "tflite", purpose="converting the BlazePose models")
        proto = tflite_to_onnx(bundled_file(model), outputs=model.outputs)
        atomic_write_bytes(target, proto.SerializeToString())
    return target
