"""Writing deployment artefacts: ``posynda export`` (:mod:`~posynda.export.exporter`).

The export starts from a checkpoint, merged with a saved adaptation when one is given
(:mod:`~posynda.export.merge`), traces ONNX graphs of the denoiser and of the whole sampler
(:mod:`~posynda.export.onnx_graphs`), checks them against PyTorch (:mod:`~posynda.export.parity`,
running them with the runtime's ONNX Runtime session), builds TensorRT engines with their sidecar
(:mod:`~posynda.export.tensorrt`) and quantises to int8 (:mod:`~posynda.export.quantize`).
Loading and running artefacts is the runtime's job (:mod:`posynda.runtime`; in C/C++:
``libposynda/``). onnx, onnxruntime, tensorrt and peft load on use.
"""
