"""Deployment runtime: loads and runs every posynda artefact behind one lifter API.

>>> from posynda.data.detections import read_detections
>>> from posynda.runtime import Lifter, SamplingSettings
>>> lifter = Lifter("runs/export/denoiser.onnx")          # backend from the file type
>>> clips, _ = read_detections("kp.json")                  # any 2D-detector format, H36M order, pixels
>>> result = lifter.lift(clips, SamplingSettings(hypotheses=5, steps=5))
>>> result.absolute_mm, result.backend                     # [N, 17, 3] mm, "onnxruntime (CPUExecutionProvider)"

Modules: :mod:`~posynda.runtime.settings` (sampling settings), :mod:`~posynda.runtime.metadata`
(what an artefact says about itself), :mod:`~posynda.runtime.backends` (model files -> denoiser
callables: torch, ONNX Runtime, TensorRT; the format table; :mod:`~posynda.runtime.backends.tensorrt_sidecar`:
engine sidecars and the machine they need), :mod:`~posynda.runtime.windowed_lift` (windowing, sampling,
hypothesis aggregation, placing in the camera; shared with ``posynda eval``), :mod:`~posynda.runtime.lifter`
(the ``Lifter``) and :mod:`~posynda.runtime.stream` (live lifting, frame by frame). onnxruntime and tensorrt
are imported only when used.

The runtime only loads and runs artefacts. Keypoint files are read by :mod:`posynda.data.detections`; what
is made of a lift lives in the rooms above it, which import the runtime and never the reverse:
:mod:`posynda.posefiles` (pose files: npz, JSON, CSV, BVH, the floor) and :mod:`posynda.viz` (pictures).
"""

from posynda.runtime.backends import (
    FORMATS,
    RUNTIME_BACKENDS,
    Backend,
    RuntimeBackend,
    detect_model_type,
    expect_backend,
    load_backend,
)
from posynda.runtime.lifter import Lifter, LiftResult
from posynda.runtime.settings import SamplingSettings
from posynda.runtime.stream import LiftStream, StreamPose

__all__ = [
    "FORMATS",
    "RUNTIME_BACKENDS",
    "Backend",
    "RuntimeBackend",
    "LiftResult",
    "LiftStream",
    "Lifter",
    "SamplingSettings",
    "StreamPose",
    "detect_model_type",
    "expect_backend",
    "load_backend",
]
