"""TensorRT engines from the exported ONNX denoiser, with the sidecar that records what they were built for.

Build (``posynda export --trt``): ONNX parser -> network, one optimisation profile over the batch
(``--batch MIN:OPT:MAX``; T and J are static), a timing cache reused across builds, and
``build_serialized_network``. fp16: TensorRT 11 removed ``BuilderFlag.FP16`` (strong typing only),
so precision comes from the graph -- the engine is built from ``denoiser_fp16.onnx`` (fp16 inside,
fp32 inputs/outputs); on TensorRT 10 the FP16 flag is set as well.

Every engine gets a sidecar ``<engine>.json`` in the format the runtime checks before it
deserialises a plan (:mod:`posynda.runtime.backends.tensorrt_sidecar`). ``tensorrt`` is imported lazily, only
here and in the runtime's engine runner (:mod:`posynda.runtime.backends.tensorrt_backend`).
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

from posynda import __version__
from posynda.fileio import atomic_write_bytes, atomic_write_text, sha256_file
from posynda.runtime.backends.tensorrt_sidecar import SIDECAR_FORMAT, major_version, require_tensorrt, sidecar_path
from posynda.runtime.metadata import DENOISER_INPUTS, DENOISER_OUTPUT

INPUT_CHANNELS = {"keypoints_2d": 2, "noisy_3d": 3}  # per joint; the third input is t [batch]
DEFAULT_BATCH = (1, 8, 64)


def profile_shapes(batch: tuple[int, int, int], frames: int, joints: int) -> dict:
    """Per input ``{"min", "opt", "max"}`` shapes of the one optimisation profile."""
    shapes = {}
    for name in DENOISER_INPUTS:
        trailing = [frames, joints, INPUT_CHANNELS[name]] if name in INPUT_CHANNELS else []
        shapes[name] = {k: [b, *trailing] for k, b in zip(("min", "opt", "max"), batch)}
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
    major = major_version(trt.__version__) or 10
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
        "outputs": {DENOISER_OUTPUT: ["batch", frames, joints, 3]},
        "timing_cache": Path(timing_cache).name if timing_cache else None,
        "metadata": metadata,
    }
    atomic_write_text(sidecar_path(engine_path), json.dumps(sidecar, indent=2))
    return sidecar
