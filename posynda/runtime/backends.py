"""Model files -> denoiser callables ``(keypoints_2d, noisy_3d, t) -> x0`` on one of three backends.

| file            | backend       | runs on                                                          |
|-----------------|---------------|------------------------------------------------------------------|
| ``.safetensors``| ``torch``     | CPU or CUDA (``device``)                                         |
| ``.onnx``       | ``onnxruntime``| CPU EP, or CUDA EP when available (``device="cuda"``/``"auto"``) |
| ``.engine``     | ``tensorrt``  | the NVIDIA GPU the engine was built for (sidecar checked)        |

Every backend reports what it really runs on (``Backend.describe()``): ONNX Runtime silently falls
back to the CPU EP when the CUDA EP cannot load, so the provider is read back from the session.
Backends take and return CPU or device torch tensors; ONNX graphs of the whole sampler
(``posynda export --sampler``) are exposed through ``Backend.sample``.
"""

from __future__ import annotations

import abc
import json
import os
import warnings
from pathlib import Path

import torch

from posynda.diffusion import SchedulerConfig
from posynda.errors import InputError

MODEL_TYPES = {".safetensors": "torch", ".onnx": "onnxruntime", ".engine": "tensorrt", ".plan": "tensorrt"}
BACKENDS = ("torch", "onnxruntime", "tensorrt")
DEVICES = ("auto", "cpu", "cuda")


def physical_cores() -> int:
    """Physical CPU cores available to this process (hyper-threads counted once)."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
    cores = set()
    for cpu in cpus:
        base = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            cores.add((base / "physical_package_id").read_text().strip() + ":" + (base / "core_id").read_text().strip())
        except OSError:
            return len(cpus)
    return max(1, len(cores))


def detect_model_type(path: str | os.PathLike) -> str:
    """The backend a model file belongs to, from its suffix (InputError for anything else)."""
    path = Path(path)
    kind = MODEL_TYPES.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{path}: unknown model file type {path.suffix or '(no suffix)'!r}; expected .safetensors (torch), "
            ".onnx (onnxruntime) or .engine (tensorrt)"
        )
    if not path.is_file():
        raise InputError(f"{path}: no such model file")
    return kind


class Backend(abc.ABC):
    """A denoiser behind a runtime. Subclasses set the attributes and implement ``_run``.

    Attributes:
        name: "torch", "onnxruntime" or "tensorrt".
        device: what it actually runs on ("cpu", "cuda:0", "CPUExecutionProvider", ...).
        frames, joints: window T and J.
        diffusion: the scheduler configuration of the model.
        metadata: the runtime metadata (export/metadata.py) when the file carries it.
        graph: "denoiser", or "sampler" for a whole-sampler ONNX graph (then ``sample`` works).
        max_batch: largest batch one call may take (a TensorRT profile), None = unlimited.
        tensor_device: where inputs are placed before the call.
    """

    name = "?"
    device = "cpu"
    graph = "denoiser"
    max_batch: int | None = None
    tensor_device: str | torch.device = "cpu"

    def __init__(self, frames: int, joints: int, diffusion: SchedulerConfig, metadata: dict | None = None):
        self.frames, self.joints, self.diffusion = frames, joints, diffusion
        self.metadata = dict(metadata or {})

    def describe(self) -> str:
        return f"{self.name} ({self.device})"

    def __call__(self, keypoints_2d: torch.Tensor, noisy_3d: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if self.graph != "denoiser":
            raise InputError(f"this {self.graph} graph has no denoiser entry point; lift with it directly")
        n = keypoints_2d.shape[0]
        step = self.max_batch or n
        if n <= step:
            return self._run(keypoints_2d, noisy_3d, t)
        parts = [
            self._run(keypoints_2d[i : i + step], noisy_3d[i : i + step], t[i : i + step]) for i in range(0, n, step)
        ]
        return torch.cat(parts)

    @abc.abstractmethod
    def _run(self, keypoints_2d, noisy_3d, t) -> torch.Tensor:
        """One denoiser call on at most ``max_batch`` clips (``[B,T,J,2]``, ``[B,T,J,3]``, ``[B]`` -> ``[B,T,J,3]``)."""

    def sample(self, keypoints_2d: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        raise InputError(f"{self.describe()} is a denoiser, not a whole-sampler graph")


class TorchBackend(Backend):
    """A ``.safetensors`` checkpoint run by PyTorch."""

    name = "torch"

    def __init__(self, path: str | os.PathLike, device: str = "auto"):
        from posynda.checkpoint import load_checkpoint
        from posynda.devices import resolve_device
        from posynda.export.metadata import runtime_metadata

        dev = resolve_device(device)
        self.checkpoint = load_checkpoint(path, dev)
        cfg = self.checkpoint.config
        super().__init__(cfg.frames, cfg.joints, self.checkpoint.diffusion, runtime_metadata(self.checkpoint))
        self.model = self.checkpoint.model
        self.tensor_device = dev
        self.device = "cuda:0" if dev == "cuda" else "cpu"

    @torch.no_grad()
    def _run(self, keypoints_2d, noisy_3d, t):
        dev = self.tensor_device
        return self.model(keypoints_2d.to(dev), noisy_3d.to(dev), t.to(dev))


def _metadata_config(path, metadata: dict) -> tuple[int, int, SchedulerConfig]:
    try:
        frames = int(metadata["window_frames"])
        joints = int(json.loads(metadata["denoiser"])["joints"])
        diffusion = SchedulerConfig(**json.loads(metadata["scheduler"]))
    except (KeyError, ValueError, TypeError) as exc:
        raise InputError(f"{path}: not a posynda export (runtime metadata incomplete: {exc})") from None
    return frames, joints, diffusion


class OnnxRuntimeBackend(Backend):
    """An exported ``.onnx`` (denoiser or whole sampler) run by ONNX Runtime."""

    name = "onnxruntime"

    def __init__(self, path: str | os.PathLike, device: str = "auto", threads: int | None = None):
        import onnxruntime as ort

        from posynda.export.onnx_export import ort_session

        available = ort.get_available_providers()
        if device == "cuda" or (device == "auto" and "CUDAExecutionProvider" in available):
            requested = ["CUDAExecutionProvider", "CPUExecutionProvider"]
        else:
            requested = ["CPUExecutionProvider"]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the CUDA-EP fallback warning: reported below instead
                self.session = ort_session(str(path), threads=threads, providers=requested)
        except Exception as exc:  # onnxruntime raises its own types for unreadable / invalid graphs
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"{path}: not a loadable ONNX model ({first})") from None
        metadata = dict(self.session.get_modelmeta().custom_metadata_map)
        super().__init__(*_metadata_config(path, metadata), metadata=metadata)
        self.graph = metadata.get("graph", "denoiser")
        self.provider = self.session.get_providers()[0]
        self.device = self.provider
        self.requested_provider = requested[0]
        if self.provider != self.requested_provider:
            warnings.warn(
                f"ONNX Runtime could not use {self.requested_provider} and runs on {self.provider}",
                RuntimeWarning,
                stacklevel=2,
            )
        if self.graph == "sampler":
            self.steps = int(metadata["sampler_steps"])
            self.hypotheses = int(metadata["sampler_hypotheses"])
            self.flip = metadata["sampler_flip"] == "true"

    def _run(self, keypoints_2d, noisy_3d, t):
        feeds = {
            "keypoints_2d": keypoints_2d.detach().cpu().float().numpy(),
            "noisy_3d": noisy_3d.detach().cpu().float().numpy(),
            "t": t.detach().cpu().to(torch.int64).numpy(),
        }
        return torch.from_numpy(self.session.run(["x0"], feeds)[0])

    def sample(self, keypoints_2d: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        if self.graph != "sampler":
            return super().sample(keypoints_2d, noise)
        feeds = {"keypoints_2d": keypoints_2d.detach().cpu().float().numpy(), "noise": noise.float().numpy()}
        return torch.from_numpy(self.session.run(["poses"], feeds)[0])


class TensorRTBackend(Backend):
    """A ``.engine`` (with its ``.engine.json`` sidecar) run by TensorRT on the GPU."""

    name = "tensorrt"

    def __init__(self, path: str | os.PathLike):
        from posynda.export.tensorrt import EngineRunner

        self.runner = EngineRunner(path)  # checks the sidecar before deserialising
        metadata = self.runner.sidecar.get("metadata", {})
        super().__init__(*_metadata_config(path, metadata), metadata=metadata)
        self.max_batch = self.runner.max_batch
        self.tensor_device = "cuda"
        self.device = f"cuda:0, {self.runner.sidecar.get('gpu_name', 'GPU')}, {self.runner.sidecar['precision']}"

    def _run(self, keypoints_2d, noisy_3d, t):
        return self.runner(keypoints_2d, noisy_3d, t)


def load_backend(
    model: str | os.PathLike, backend: str | None = None, device: str = "auto", threads: int | None = None
) -> Backend:
    """Open ``model`` on ``backend`` (default: the one its file type belongs to).

    Raises:
        InputError: unknown file type, missing file, a backend that cannot run this file type,
            an unreadable model, or a TensorRT engine that does not match this machine.
    """
    if device not in DEVICES:
        raise InputError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
    kind = detect_model_type(model)
    backend = backend or kind
    if backend not in BACKENDS:
        raise InputError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if backend != kind:
        hint = {
            "torch": "a .safetensors checkpoint",
            "onnxruntime": "a .onnx file (posynda export --onnx)",
            "tensorrt": "a .engine file (posynda export --trt)",
        }[backend]
        raise InputError(f"{model}: backend {backend} needs {hint}, got a {Path(model).suffix} file")
    if backend == "torch":
        return TorchBackend(model, device)
    if backend == "onnxruntime":
        return OnnxRuntimeBackend(model, device, threads)
    if device == "cpu":
        raise InputError("backend tensorrt runs on an NVIDIA GPU only (--device cpu given)")
    return TensorRTBackend(model)
