"""Deployment runtime: one lifter API over the ``torch``, ``onnxruntime`` and ``tensorrt`` backends.

>>> from posynda.runtime import Lifter
>>> lifter = Lifter("runs/export/denoiser.onnx")          # backend from the file type
>>> result = lifter.lift(clips)                            # a posynda ClipSet
>>> result.absolute_mm, result.backend                     # [N, 17, 3] mm, "onnxruntime (CPUExecutionProvider)"

Modules: :mod:`~posynda.runtime.backends` (model files -> denoiser callables, the backend actually
used), :mod:`~posynda.runtime.sampling` (windowing, sampling, aggregation; shared with
``posynda eval``), :mod:`~posynda.runtime.lifter` (the ``Lifter``), :mod:`~posynda.runtime.inputs`
(keypoint files: clip ``.npz`` or JSON, COCO conversion) and :mod:`~posynda.runtime.viz`
(``--viz`` figure). Attributes load lazily so importing the package costs nothing.
"""

from importlib import import_module

_EXPORTS = {
    "Lifter": "lifter",
    "LiftResult": "lifter",
    "Backend": "backends",
    "load_backend": "backends",
    "detect_model_type": "backends",
    "read_keypoints": "inputs",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"posynda.runtime.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'posynda.runtime' has no attribute {name!r}")
