"""TensorRT engines from the exported ONNX denoiser, and the checked loader that runs them.

Build (``posynda export --trt``): ONNX parser -> network, one optimisation profile over the batch
(``--batch MIN:OPT:MAX``; T and J are static), a timing cache reused across builds, and
``build_serialized_network``. fp16: TensorRT 11 removed ``BuilderFlag.FP16`` (strong typing only),
so precision comes from the graph -- the engine is built from ``denoiser_fp16.onnx`` (fp16 inside,
fp32 inputs/outputs); on TensorRT 10 the FP16 flag is set as well.

Every engine gets a sidecar ``<engine>.json`` (TensorRT version, GPU name and SM, CUDA version,
profile shapes, precision, the ONNX and engine sha256, and the runtime metadata). A plan only runs
on the TensorRT version and GPU architecture it was built for; :func:`check_sidecar` compares the
sidecar with this machine *before* anything is deserialised and refuses a mismatch with a message
that ends in "rebuild with posynda export --trt".

``tensorrt`` (and CUDA through PyTorch, for device buffers) is imported lazily, only here.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
from pathlib import Path

from posynda import __version__
from posynda.errors import InputError
from posynda.fileio import atomic_write_bytes, atomic_write_text, sha256_file

SIDECAR_FORMAT = "posynda-trt-sidecar-v1"
REBUILD_HINT = "rebuild with posynda export --trt"
INPUT_CHANNELS = {"keypoints_2d": 2, "noisy_3d": 3}
DEFAULT_BATCH = (1, 8, 64)


def sidecar_path(engine_path: str | os.PathLike) -> Path:
    """``denoiser.engine`` -> ``denoiser.engine.json``."""
    engine_path = Path(engine_path)
    return engine_path.with_name(engine_path.name + ".json")


def parse_batch(text: str) -> tuple[int, int, int]:
    """``"MIN:OPT:MAX"`` (or one number N = N:N:N) -> ints with 1 <= min <= opt <= max."""
    parts = str(text).split(":")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise InputError(f"--batch must be MIN:OPT:MAX integers, got {text!r}") from None
    if len(values) == 1:
        values = values * 3
    if len(values) != 3:
        raise InputError(f"--batch must be MIN:OPT:MAX, got {text!r}")
    low, opt, high = values
    if low < 1:
        raise InputError(f"--batch {text}: min must be >= 1")
    if low > high:
        raise InputError(f"--batch {text}: min {low} > max {high}")
    if not low <= opt <= high:
        raise InputError(f"--batch {text}: opt {opt} must lie in [min {low}, max {high}]")
    return low, opt, high


def _tensorrt_version() -> str | None:
    try:
        import tensorrt
    except ImportError:
        return None
    return str(tensorrt.__version__)


def gpu_info() -> dict[str, str | None]:
    """``{"gpu_name", "gpu_sm", "cuda_version"}`` of GPU 0 (Nones without an NVIDIA GPU)."""
    info: dict[str, str | None] = {"gpu_name": None, "gpu_sm": None, "cuda_version": None}
    try:
        import torch

        if torch.cuda.is_available():
            major, minor = torch.cuda.get_device_capability(0)
            return {
                "gpu_name": torch.cuda.get_device_name(0),
                "gpu_sm": f"{major}.{minor}",
                "cuda_version": torch.version.cuda,
            }
    except Exception:  # noqa: BLE001 - a broken CUDA install reads as "no GPU" below
        pass
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return info
    try:
        query = subprocess.run(
            [smi, "--query-gpu=name,compute_cap", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.strip()
        header = subprocess.run([smi], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return info
    if query:
        name, _, sm = query.splitlines()[0].rpartition(",")
        info["gpu_name"], info["gpu_sm"] = name.strip(), sm.strip()
    if "CUDA Version:" in header:
        info["cuda_version"] = header.split("CUDA Version:")[1].split()[0]
    return info


def current_environment() -> dict[str, str | None]:
    """TensorRT version and GPU of this machine (None where absent)."""
    return {"tensorrt_version": _tensorrt_version(), **gpu_info()}


def unavailable_reason(env: dict | None = None) -> str | None:
    """Why no engine can be built or run here, or None."""
    env = current_environment() if env is None else env
    reasons = []
    if env.get("tensorrt_version") is None:
        reasons.append("TensorRT is not installed (pip install 'posynda[gpu]' on an NVIDIA machine)")
    if env.get("gpu_sm") is None:
        reasons.append("no NVIDIA GPU found (no CUDA device, no nvidia-smi)")
    return "; ".join(reasons) or None


def require_tensorrt(env: dict | None = None) -> dict:
    """The environment, or InputError naming what is missing for ``--trt``."""
    env = current_environment() if env is None else env
    reason = unavailable_reason(env)
    if reason:
        raise InputError(f"--trt: cannot build a TensorRT engine here: {reason}")
    return env


def _major(version: str | None) -> int | None:
    try:
        return int(str(version).split(".")[0])
    except ValueError:
        return None


def profile_shapes(batch: tuple[int, int, int], frames: int, joints: int) -> dict:
    """Per input ``{"min", "opt", "max"}`` shapes of the one optimisation profile."""
    shapes = {}
    for name, channels in INPUT_CHANNELS.items():
        shapes[name] = {k: [b, frames, joints, channels] for k, b in zip(("min", "opt", "max"), batch)}
    shapes["t"] = {k: [b] for k, b in zip(("min", "opt", "max"), batch)}
    return shapes


def build_engine(
    onnx_path: str | os.PathLike,
    engine_path: str | os.PathLike,
    *,
    batch: tuple[int, int, int],
    frames: int,
    joints: int,
    fp16: bool,
    metadata: dict[str, str],
    timing_cache: str | os.PathLike | None = None,
    workspace_gib: float = 4.0,
    env: dict | None = None,
    log=None,
) -> dict:
    """Build ``engine_path`` (+ its sidecar, + ``timing_cache``) from ``onnx_path``; return the sidecar.

    ``onnx_path`` is the fp32 graph, or with ``fp16`` the fp16 graph with fp32 I/O.
    """
    env = require_tensorrt(env)
    import tensorrt as trt

    log = log or (lambda _msg: None)
    major = _major(trt.__version__) or 10
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    # Explicit batch is the only mode since TensorRT 10 (the flag is gone in 11).
    network = builder.create_network(0 if major >= 10 else 1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH))
    parser = trt.OnnxParser(network, logger)
    onnx_path, engine_path = Path(onnx_path), Path(engine_path)
    if not parser.parse(onnx_path.read_bytes(), str(onnx_path)):
        errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise RuntimeError(f"TensorRT could not parse {onnx_path.name}: {errors}")
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, int(workspace_gib * (1 << 30)))
    previous = Path(timing_cache).read_bytes() if timing_cache and Path(timing_cache).is_file() else b""
    cache = config.create_timing_cache(previous)
    config.set_timing_cache(cache, ignore_mismatch=True)  # a cache from another GPU/version is just not reused
    profile = builder.create_optimization_profile()
    for name, s in profile_shapes(batch, frames, joints).items():
        profile.set_shape(name, tuple(s["min"]), tuple(s["opt"]), tuple(s["max"]))
    config.add_optimization_profile(profile)
    fp16_via = None
    if fp16:
        fp16_via = "fp16 ONNX graph with fp32 I/O"
        if major < 11 and hasattr(trt.BuilderFlag, "FP16"):
            config.set_flag(trt.BuilderFlag.FP16)  # TensorRT 10: weak typing still honours the flag
            fp16_via += " + BuilderFlag.FP16"
    log(f"TensorRT: building {engine_path.name} with TensorRT {trt.__version__}, profile batch min/opt/max {batch}")
    plan = builder.build_serialized_network(network, config)
    if plan is None:
        raise RuntimeError("TensorRT failed to build the engine (see the TensorRT log above)")
    atomic_write_bytes(engine_path, bytes(plan))
    if timing_cache:
        atomic_write_bytes(timing_cache, bytes(config.get_timing_cache().serialize()))
    sidecar = write_sidecar(
        engine_path,
        onnx_path,
        {**env, "tensorrt_version": str(trt.__version__)},
        precision="fp16" if fp16 else "fp32",
        batch=batch,
        frames=frames,
        joints=joints,
        metadata=metadata,
        fp16_via=fp16_via,
        timing_cache=timing_cache,
    )
    return sidecar


def write_sidecar(
    engine_path: str | os.PathLike,
    onnx_path: str | os.PathLike,
    env: dict,
    *,
    precision: str,
    batch: tuple[int, int, int],
    frames: int,
    joints: int,
    metadata: dict[str, str],
    fp16_via: str | None = None,
    timing_cache: str | os.PathLike | None = None,
) -> dict:
    """Write ``<engine>.json`` describing ``engine_path`` built from ``onnx_path`` in ``env``."""
    engine_path, onnx_path = Path(engine_path), Path(onnx_path)
    sidecar = {
        "format": SIDECAR_FORMAT,
        "posynda_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "engine": engine_path.name,
        "engine_sha256": sha256_file(engine_path),
        "onnx": onnx_path.name,
        "onnx_sha256": sha256_file(onnx_path),
        "tensorrt_version": env.get("tensorrt_version"),
        "gpu_name": env.get("gpu_name"),
        "gpu_sm": env.get("gpu_sm"),
        "cuda_version": env.get("cuda_version"),
        "precision": precision,
        "fp16_via": fp16_via,
        "profile": {"batch": dict(zip(("min", "opt", "max"), batch)), "shapes": profile_shapes(batch, frames, joints)},
        "outputs": {"x0": ["batch", frames, joints, 3]},
        "timing_cache": Path(timing_cache).name if timing_cache else None,
        "metadata": metadata,
    }
    atomic_write_text(sidecar_path(engine_path), json.dumps(sidecar, indent=2))
    return sidecar


def check_sidecar(engine_path: str | os.PathLike, env: dict) -> dict:
    """Read ``<engine>.json`` and compare it with the engine file and this machine ``env``.

    Raises:
        InputError: missing/unreadable sidecar, an engine or ONNX file that changed since the
            build, another TensorRT version, GPU architecture (SM) or CUDA major version, or no
            TensorRT / GPU at all. Mismatch messages end in "rebuild with posynda export --trt".
    """
    engine_path = Path(engine_path)
    side = sidecar_path(engine_path)
    if not engine_path.is_file():
        raise InputError(f"{engine_path}: no such engine file")
    if not side.is_file():
        raise InputError(f"{engine_path}: no sidecar {side.name} (TensorRT version, GPU, shapes); {REBUILD_HINT}")
    try:
        sidecar = json.loads(side.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{side}: unreadable sidecar ({exc}); {REBUILD_HINT}") from None
    if not isinstance(sidecar, dict) or sidecar.get("format") != SIDECAR_FORMAT:
        raise InputError(f"{side}: not a posynda engine sidecar (format {SIDECAR_FORMAT!r}); {REBUILD_HINT}")
    missing = [k for k in ("engine_sha256", "tensorrt_version", "gpu_sm", "precision", "profile") if k not in sidecar]
    if missing:
        raise InputError(f"{side}: sidecar lacks {missing}; {REBUILD_HINT}")
    if sha256_file(engine_path) != sidecar["engine_sha256"]:
        raise InputError(f"{engine_path}: the engine file changed since its sidecar was written; {REBUILD_HINT}")
    onnx_name = sidecar.get("onnx")
    if onnx_name and (engine_path.parent / onnx_name).is_file():
        if sha256_file(engine_path.parent / onnx_name) != sidecar.get("onnx_sha256"):
            raise InputError(
                f"{engine_path}: stale engine, {onnx_name} was re-exported after the build; {REBUILD_HINT}"
            )
    if env.get("tensorrt_version") is None:
        raise InputError(f"{engine_path}: cannot run a TensorRT engine here: TensorRT is not installed")
    if env.get("gpu_sm") is None:
        raise InputError(f"{engine_path}: cannot run a TensorRT engine here: no NVIDIA GPU found")
    built = (
        f"TensorRT {sidecar['tensorrt_version']} on SM {sidecar['gpu_sm']} ({sidecar.get('gpu_name')}, "
        f"CUDA {sidecar.get('cuda_version')})"
    )
    here = (
        f"TensorRT {env['tensorrt_version']} on SM {env['gpu_sm']} ({env.get('gpu_name')}, "
        f"CUDA {env.get('cuda_version')})"
    )
    cuda_built, cuda_here = _major(sidecar.get("cuda_version")), _major(env.get("cuda_version"))
    if (
        str(sidecar["tensorrt_version"]) != str(env["tensorrt_version"])
        or str(sidecar["gpu_sm"]) != str(env["gpu_sm"])
        or (cuda_built is not None and cuda_here is not None and cuda_built != cuda_here)
    ):
        raise InputError(f"{engine_path}: built for {built}, this machine has {here}; {REBUILD_HINT}")
    return sidecar


def _torch_dtype(trt, dtype):
    import torch

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

    The sidecar is checked against this machine before the plan is deserialised.
    """

    def __init__(self, engine_path: str | os.PathLike, env: dict | None = None):
        self.path = Path(engine_path)
        self.sidecar = check_sidecar(self.path, current_environment() if env is None else env)
        batch = self.sidecar["profile"]["batch"]
        self.min_batch, self.max_batch = int(batch["min"]), int(batch["max"])
        try:
            import tensorrt as trt
        except ImportError:
            raise InputError(f"{self.path}: cannot run a TensorRT engine here: TensorRT is not installed") from None
        import torch

        if not torch.cuda.is_available():
            raise InputError(f"{self.path}: the TensorRT backend needs a CUDA build of PyTorch for device buffers")
        self._torch = torch
        self.logger = trt.Logger(trt.Logger.WARNING)
        self.runtime = trt.Runtime(self.logger)
        self.engine = self.runtime.deserialize_cuda_engine(self.path.read_bytes())
        if self.engine is None:
            raise InputError(f"{self.path}: TensorRT could not deserialise the engine; {REBUILD_HINT}")
        self.context = self.engine.create_execution_context()
        names = [self.engine.get_tensor_name(i) for i in range(self.engine.num_io_tensors)]
        self.inputs = [n for n in names if self.engine.get_tensor_mode(n) == trt.TensorIOMode.INPUT]
        self.outputs = [n for n in names if n not in self.inputs]
        self.dtypes = {n: _torch_dtype(trt, self.engine.get_tensor_dtype(n)) for n in names}
        self.stream = torch.cuda.Stream()

    def __call__(self, keypoints_2d, noisy_3d, t):
        torch = self._torch
        n = int(keypoints_2d.shape[0])
        if n > self.max_batch:
            raise InputError(
                f"batch {n} exceeds the engine's optimisation profile (max {self.max_batch}); "
                f"{REBUILD_HINT} --batch MIN:OPT:MAX"
            )
        feeds = {"keypoints_2d": keypoints_2d, "noisy_3d": noisy_3d, "t": t}
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
        out_name = "x0" if "x0" in self.outputs else self.outputs[0]
        out = torch.empty(tuple(self.context.get_tensor_shape(out_name)), dtype=self.dtypes[out_name], device="cuda")
        self.context.set_tensor_address(out_name, out.data_ptr())
        self.stream.wait_stream(torch.cuda.current_stream())
        if not self.context.execute_async_v3(self.stream.cuda_stream):
            raise RuntimeError("TensorRT execution failed")
        self.stream.synchronize()
        return out[:n].float()
