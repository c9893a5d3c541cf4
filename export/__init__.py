"""Deployment artefacts (DESIGN.md section 7): what a runtime needs to know about a denoiser
(:mod:`~posynda.export.metadata`), the LoRA/embedding merge (:mod:`~posynda.export.merge`), ONNX
graphs of the denoiser and of the whole sampler (:mod:`~posynda.export.onnx_export`), TensorRT
engines with their checked sidecar (:mod:`~posynda.export.tensorrt`), the ``posynda export``
pipeline (:mod:`~posynda.export.exporter`) and a C++ embedding example (``export/cpp/``).

Only the metadata helper is imported eagerly; onnx, onnxruntime, tensorrt and peft load on use.
"""

from posynda.export.metadata import runtime_metadata

__all__ = ["runtime_metadata"]
