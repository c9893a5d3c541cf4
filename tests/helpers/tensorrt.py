"""TensorRT without TensorRT: the machine an engine's sidecar records."""

# A machine that can run TensorRT engines, as the sidecar check sees it.
TRT_ENV = {"tensorrt_version": "10.13.0.35", "gpu_name": "NVIDIA A10", "gpu_sm": "8.6", "cuda_version": "12.9"}
