"""Deployment runtime: loads and runs every posynda artefact behind one lifter API.

>>> from posynda.runtime import Lifter, SamplingSettings
>>> lifter = Lifter("runs/export/denoiser.onnx")          # backend from the file type
>>> result = lifter.lift(clips, SamplingSettings(hypotheses=5, steps=5))
>>> result.absolute_mm, result.backend                     # [N, 17, 3] mm, "onnxruntime (CPUExecutionProvider)"

Modules: :mod:`~posynda.runtime.settings` (sampling settings), :mod:`~posynda.runtime.metadata`
(what an artefact says about itself), :mod:`~posynda.runtime.backends` (model files -> denoiser
callables: torch, ONNX Runtime, TensorRT; the format table), :mod:`~posynda.runtime.tensorrt`
(engine sidecars and the machine they need), :mod:`~posynda.runtime.sampling` (windowing,
sampling, aggregation; shared with ``posynda eval``), :mod:`~posynda.runtime.lifter` (the
``Lifter``), :mod:`~posynda.runtime.inputs` (keypoint files), :mod:`~posynda.runtime.outputs` (pose files
for people and tools: npz, JSON, CSV, BVH by extension, in floor-based world coordinates when a floor is
found), :mod:`~posynda.runtime.viz` (``--viz`` figure) and :mod:`~posynda.runtime.stream` (live
lifting, frame by frame). onnxruntime, tensorrt and matplotlib are imported only when used.
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
from posynda.runtime.inputs import default_intrinsics, read_keypoints
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
    "default_intrinsics",
    "detect_model_type",
    "expect_backend",
    "load_backend",
    "read_keypoints",
]
