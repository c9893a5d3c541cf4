"""Deployment artefacts: what a runtime needs to know about a denoiser, and (in later releases)
LoRA merge, ONNX export and TensorRT engines (DESIGN.md section 7)."""

from posynda.export.metadata import runtime_metadata

__all__ = ["runtime_metadata"]
