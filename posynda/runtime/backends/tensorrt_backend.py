"""TensorRT ``.engine`` files (with their ``.engine.json`` sidecar) run on the NVIDIA GPU they were built for.

The sidecar is checked against this machine before the plan is deserialised
(:func:`posynda.runtime.backends.tensorrt_sidecar.check_sidecar`); the engine is built by
:mod:`posynda.export.tensorrt_build`. ``tensorrt`` is imported lazily; device buffers are PyTorch CUDA tensors.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from posynda.errors import InputError
from posynda.runtime.backends import tensorrt_sidecar as trt_env
from posynda.runtime.backends.base import Backend
from posynda.runtime.metadata import DENOISER_INPUTS, DENOISER_OUTPUT, model_geometry


def _torch_dtype(trt, dtype):
    table = {
        trt.DataType.FLOAT: torch.float32,
        trt.DataType.HALF: torch.float16,
        trt.DataType.INT32: torch.int32,
        trt.DataType.BOOL: torch.bool,
    }
    if hasattr(trt.DataType, "INT64"):
        table[trt.DataType.INT64] = torch.int64
    return table[dtype]


class EngineRunner:
    """A deserialised engine and its execution context; ``runner(kp, noisy, t) -> x0`` (CUDA tensor).

    ``env``: the machine to check the sidecar against (default: :func:`trt_env.current_environment`).
    """

    def __init__(self, engine_path: str | os.PathLike, env: dict | None = None):
        self.path = Path(engine_path)
        self.sidecar = trt_env.check_sidecar(self.path, trt_env.current_environment() if env is None else env)
        batch = self.sidecar["profile"]["batch"]
        self.min_batch, self.max_batch = int(batch["min"]), int(batch["max"])
        try:
            import tensorrt as trt
        except ImportError:
            raise InputError(f"{self.path}: cannot run a TensorRT engine here: TensorRT is not installed") from None
        if not torch.cuda.is_available():
            raise InputError(f"{self.path}: the TensorRT backend needs a CUDA build of PyTorch for device buffers")
        self.logger = trt.Logger(trt.Logger.WARNING)
        self.runtime = trt.Runtime(self.logger)
        self.engine = self.runtime.deserialize_cuda_engine(self.path.read_bytes())
        if self.engine is None:
            raise InputError(f"{self.path}: TensorRT could not deserialise the engine; {trt_env.REBUILD_HINT}")
        self.context = self.engine.create_execution_context()
        names = [self.engine.get_tensor_name(i) for i in range(self.engine.num_io_tensors)]
        self.inputs = [n for n in names if self.engine.get_tensor_mode(n) == trt.TensorIOMode.INPUT]
        self.outputs = [n for n in names if n not in self.inputs]
        self.dtypes = {n: _torch_dtype(trt, self.engine.get_tensor_dtype(n)) for n in names}
        self.stream = torch.cuda.Stream()

    def __call__(self, keypoints_2d, noisy_3d, t):
        n = int(keypoints_2d.shape[0])
        if n > self.max_batch:
            raise InputError(
                f"batch {n} exceeds the engine's optimisation profile (max {self.max_batch}); "
                f"{trt_env.REBUILD_HINT} --batch MIN:OPT:MAX"
            )
        feeds = dict(zip(DENOISER_INPUTS, (keypoints_2d, noisy_3d, t)))
        pad = max(0, self.min_batch - n)  # below the profile's min: repeat the last clip
        buffers = {}
        for name in self.inputs:
            x = feeds[name].to("cuda", self.dtypes[name])
            if pad:
                x = torch.cat([x, x[-1:].expand(pad, *x.shape[1:])])
            x = x.contiguous()
            buffers[name] = x
            self.context.set_input_shape(name, tuple(x.shape))
            self.context.set_tensor_address(name, x.data_ptr())
        out_name = DENOISER_OUTPUT if DENOISER_OUTPUT in self.outputs else self.outputs[0]
        out = torch.empty(tuple(self.context.get_tensor_shape(out_name)), dtype=self.dtypes[out_name], device="cuda")
        self.context.set_tensor_address(out_name, out.data_ptr())
        self.stream.wait_stream(torch.cuda.current_stream())
        if not self.context.execute_async_v3(self.stream.cuda_stream):
            raise RuntimeError("TensorRT execution failed")
        self.stream.synchronize()
        return out[:n].float()


class TensorRTBackend(Backend):
    """A ``.engine`` (with its ``.engine.json`` sidecar) run by TensorRT on the GPU."""

    name = "tensorrt"

    def __init__(self, path: str | os.PathLike):
        self.runner = EngineRunner(path)  # checks the sidecar before deserialising
        metadata = self.runner.sidecar.get("metadata", {})
        super().__init__(*model_geometry(path, metadata), metadata=metadata)
        self.max_batch = self.runner.max_batch
        self.tensor_device = "cuda"
        self.device = f"cuda:0, {self.runner.sidecar.get('gpu_name', 'GPU')}, {self.runner.sidecar['precision']}"

    def _run(self, keypoints_2d, noisy_3d, t):
        return self.runner(keypoints_2d, noisy_3d, t)
