"""The backends ``posynda bench latency`` times, and how each is set up (one table drives them all).

Each entry of :data:`SETUPS` takes the prepared model (:class:`Prepared`: random weights of one
preset, its checkpoint and, on first use, its ONNX export) and returns a ``make(batch, inputs) -> timed
callable``, or raises :class:`Skip` with the reason this machine cannot run it -- a missing optional
stack (onnx, onnxruntime) names the extra that installs it (:mod:`posynda.extras`).
"""

from __future__ import annotations

import importlib.util
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable

import torch

from posynda.checkpoint import load_checkpoint, save_checkpoint
from posynda.devices import autocast, resolve_device
from posynda.diffusion import SchedulerConfig
from posynda.export import onnx_graphs
from posynda.export.onnx_graphs import artefact_metadata
from posynda.export.quantize import calibrated_bytes_per_clip, calibration_sub_batch, quantize_denoiser
from posynda.export.tensorrt_build import build_engine
from posynda.extras import installed, missing_extra_message
from posynda.models import PRESETS, build_denoiser, count_parameters, example_inputs
from posynda.runtime.backends import ort_session
from posynda.runtime.backends.tensorrt_backend import EngineRunner
from posynda.runtime.backends.tensorrt_sidecar import unavailable_reason
from posynda.runtime.metadata import DENOISER_INPUTS, DENOISER_OUTPUT
from posynda.threads import chosen_threads

Make = Callable[[int, tuple], Callable[[], object]]
# The int8 backend calibrates on random plausible inputs (latency does not depend on the scales): at most this
# many clips, in at most this many calibrator runs of the memory-bounded sub-batch (paper: 4 clips, one per run).
INT8_CALIBRATION_CLIPS = 64
INT8_CALIBRATION_RUNS = 4


class Skip(Exception):
    """This backend cannot run here; the message says why."""


def require(backend: str, *modules: str) -> None:
    """Raise :class:`Skip` naming the extra to install (``pip install 'posynda[...]'``) for the first of
    ``modules`` that is not installed."""
    for module in modules:
        if not installed(module):
            raise Skip(missing_extra_message(module, backend))


class Prepared:
    """One preset with random weights (latency does not depend on them): the module on the device,
    its checkpoint and (written when a backend first asks for it) its fp32 ONNX export in a temporary
    folder, and what each backend reported."""

    def __init__(self, config: str, batches, threads: int | None, device: str = "auto"):
        self.config, self.cfg, self.threads = config, PRESETS[config], threads
        self.batches = tuple(batches)
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = Path(self._tmp.name)
        torch.manual_seed(0)
        self.device = resolve_device(device)  # fp32 as the runtime runs it (no TF32); bf16 rows use tensor cores
        self.model = build_denoiser(self.cfg).eval()
        self.params = count_parameters(self.model)
        self.checkpoint = save_checkpoint(self.tmp / "model.safetensors", self.model, self.cfg, SchedulerConfig())
        self.saved = load_checkpoint(self.checkpoint)
        self.meta = artefact_metadata(self.saved, "denoiser", onnx_graphs.DEFAULT_OPSET, "fp32")
        self._onnx: Path | None = None
        self.export_s: float | None = None  # seconds of the fp32 ONNX export, once a backend asked for it
        self.model.to(self.device)
        self.info: dict[str, dict] = {}
        self.engines: dict[str, Path] = {}

    @property
    def onnx(self) -> Path:
        """The fp32 ONNX export (``denoiser.onnx`` in the temporary folder), written on first use;
        :class:`Skip` naming ``posynda[export]`` without the onnx package."""
        if self._onnx is None:
            require("the ONNX export", "onnx")
            t0 = time.perf_counter()
            self.write_onnx(self.tmp / "denoiser.onnx", fp16=False)
            self.export_s = round(time.perf_counter() - t0, 2)
            self._onnx = self.tmp / "denoiser.onnx"
        return self._onnx

    def write_onnx(self, path: Path, fp16: bool) -> None:
        """The module's ONNX graph (fp16 inside with ``fp16``) with its runtime metadata at ``path`` (exported on
        the CPU; the module goes back to the device)."""
        proto = onnx_graphs.denoiser_to_onnx(self.model.cpu(), self.cfg.frames, self.cfg.joints, fp16=fp16)
        precision = "fp16" if fp16 else "fp32"
        onnx_graphs.set_metadata(proto, artefact_metadata(self.saved, "denoiser", onnx_graphs.DEFAULT_OPSET, precision))
        path.write_bytes(proto.SerializeToString())
        self.model.to(self.device)

    def close(self) -> None:
        self._tmp.cleanup()

    def torch_call(self, module, inputs, precision: str = "fp32") -> Callable[[], object]:
        """One inference call of ``module`` on ``inputs`` moved to the device, under ``precision``'s autocast."""
        args = tuple(x.to(self.device) for x in inputs)

        def call():
            with torch.inference_mode(), autocast(self.device, precision):
                return module(*args)

        return call


def _ort_make(session) -> Make:
    def make(batch, inputs):
        feeds = {name: x.numpy() for name, x in zip(DENOISER_INPUTS, inputs)}
        return lambda: session.run([DENOISER_OUTPUT], feeds)

    return make


def torch_eager(prep: Prepared) -> Make:
    prep.info["torch-eager"] = {"device": prep.device, "torch_threads": torch.get_num_threads()}
    return lambda batch, inputs: prep.torch_call(prep.model, inputs)


def torch_eager_bf16(prep: Prepared) -> Make:
    prep.info["torch-eager-bf16"] = {"device": prep.device, "autocast": "bf16", "weights": "fp32"}
    return lambda batch, inputs: prep.torch_call(prep.model, inputs, "bf16")


def _cuda_graph(prep: Prepared, precision: str) -> Make:
    """The eager model captured once per batch size into a CUDA graph (static inputs), replayed per call:
    one launch instead of one per kernel."""
    if prep.device != "cuda":
        raise Skip("CUDA graphs need a CUDA device")
    name = "torch-cuda-graph" + ("-bf16" if precision == "bf16" else "")
    prep.info[name] = {"device": prep.device, "autocast": precision, "capture": "torch.cuda.graph per batch"}

    def make(batch, inputs):
        static = tuple(x.to("cuda") for x in inputs)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side), torch.inference_mode(), autocast("cuda", precision):
            for _ in range(3):  # warm-up on a side stream, as capture requires
                prep.model(*static)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.inference_mode(), autocast("cuda", precision), torch.cuda.graph(graph):
            prep.model(*static)
        return graph.replay

    return make


def torch_cuda_graph(prep: Prepared) -> Make:
    return _cuda_graph(prep, "fp32")


def torch_cuda_graph_bf16(prep: Prepared) -> Make:
    return _cuda_graph(prep, "bf16")


def torch_compile(prep: Prepared) -> Make:
    if importlib.util.find_spec("torch._inductor") is None:
        raise Skip("torch._inductor is not available in this PyTorch build")
    compiled = torch.compile(prep.model)
    info = prep.info["torch-compile"] = {"device": prep.device, "mode": "default", "compile_s": {}}

    def make(batch, inputs):
        call = prep.torch_call(compiled, inputs)
        t0 = time.perf_counter()
        call()  # compiles for this batch size
        if prep.device == "cuda":
            torch.cuda.synchronize()
        info["compile_s"][str(batch)] = round(time.perf_counter() - t0, 2)
        return call

    return make


def onnxruntime_cpu(prep: Prepared) -> Make:
    require("onnxruntime-cpu", "onnxruntime", "onnx")
    session = ort_session(str(prep.onnx), threads=prep.threads)
    prep.info["onnxruntime-cpu"] = {
        "provider": session.get_providers()[0],
        "intra_op_threads": prep.threads or chosen_threads(),
        "inter_op_threads": 1,
        "graph_optimization_level": "ORT_ENABLE_ALL",
        "opset": onnx_graphs.DEFAULT_OPSET,
    }
    return _ort_make(session)


def onnxruntime_cpu_int8(prep: Prepared) -> Make:
    """The int8 QDQ graph of ``posynda export --int8`` (:func:`posynda.export.quantize.quantize_denoiser`),
    calibrated here on random plausible inputs (latency does not depend on the scales), on the CPU EP.

    The calibration is bounded in memory as the export's is (sub-batches of
    :func:`~posynda.export.quantize.calibration_sub_batch` clips) and in time: at most
    :data:`INT8_CALIBRATION_CLIPS` clips in at most :data:`INT8_CALIBRATION_RUNS` calibrator runs."""
    require("onnxruntime-cpu-int8", "onnxruntime", "onnx")
    per_clip = calibrated_bytes_per_clip(prep.onnx, _random_feed(prep, 1, seed=0))
    clips = min(INT8_CALIBRATION_CLIPS, INT8_CALIBRATION_RUNS * calibration_sub_batch(per_clip))
    int8 = prep.tmp / "denoiser_int8.onnx"
    info = quantize_denoiser(prep.onnx, int8, [_random_feed(prep, clips, seed=1)], prep.tmp, held_back=0,
                             bytes_per_clip=per_clip)  # fmt: skip
    session = ort_session(str(int8), threads=prep.threads)
    prep.info["onnxruntime-cpu-int8"] = {"provider": session.get_providers()[0], **info}
    return _ort_make(session)


def _random_feed(prep: Prepared, clips: int, seed: int) -> dict:
    """Denoiser inputs ``{keypoints_2d [clips, T, J, 2], noisy_3d [clips, T, J, 3], t [clips]}`` (numpy) of
    plausible random values (:func:`posynda.models.example_inputs`)."""
    inputs = example_inputs(clips, prep.cfg.frames, prep.cfg.joints, seed=seed)
    return dict(zip(DENOISER_INPUTS, (x.numpy() for x in inputs)))


def onnxruntime_cpu_default_options(prep: Prepared) -> Make:
    require("onnxruntime-cpu-default-options", "onnxruntime", "onnx")
    import onnxruntime as ort

    session = ort.InferenceSession(str(prep.onnx), ort.SessionOptions(), providers=["CPUExecutionProvider"])
    prep.info["onnxruntime-cpu-default-options"] = {"provider": session.get_providers()[0]}
    return _ort_make(session)


def onnxruntime_cuda(prep: Prepared) -> Make:
    if not installed("onnxruntime"):
        raise Skip("onnxruntime-cuda needs ONNX Runtime with CUDA: pip install 'posynda[gpu]'")
    require("onnxruntime-cuda", "onnx")
    import onnxruntime as ort

    available = ort.get_available_providers()
    if "CUDAExecutionProvider" not in available:
        raise Skip(f"this onnxruntime build has no CUDAExecutionProvider (providers: {', '.join(available)})")
    if not torch.cuda.is_available():
        raise Skip("no CUDA device visible to PyTorch (needed for the CUDA EP's libraries)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session = ort_session(str(prep.onnx), providers=("CUDAExecutionProvider", "CPUExecutionProvider"))
    used = session.get_providers()
    if used[0] != "CUDAExecutionProvider":
        raise Skip(f"ONNX Runtime fell back to {used[0]} (CUDA EP did not load: check CUDA / cuDNN versions)")
    prep.info["onnxruntime-cuda"] = {"provider": used[0], "providers": used, "io": "host numpy (copies timed)"}
    return _ort_make(session)


def _tensorrt(prep: Prepared, precision: str) -> Make:
    reason = unavailable_reason()
    if reason:
        raise Skip(reason)
    if not torch.cuda.is_available():
        raise Skip("no CUDA device visible to PyTorch (the engine runner uses torch device buffers)")
    source = prep.onnx
    if precision == "fp16":
        source = prep.tmp / "denoiser_fp16.onnx"
        prep.write_onnx(source, fp16=True)
    name = f"tensorrt-{precision}"
    engine = prep.tmp / f"denoiser_{precision}.engine"
    top = max(prep.batches)
    t0 = time.perf_counter()
    sidecar = build_engine(
        source,
        engine,
        batch=(1, top, top),
        frames=prep.cfg.frames,
        joints=prep.cfg.joints,
        fp16=precision == "fp16",
        metadata=artefact_metadata(prep.saved, "denoiser", onnx_graphs.DEFAULT_OPSET, precision),
        timing_cache=prep.tmp / "timing.cache",
    )
    runner = EngineRunner(engine)
    prep.engines[name] = engine
    prep.info[name] = {
        "gpu": sidecar.get("gpu_name"),
        "tensorrt": sidecar.get("tensorrt_version"),
        "precision": sidecar["precision"],
        "fp16_via": sidecar.get("fp16_via"),
        "profile_batch": [1, top, top],
        "build_s": round(time.perf_counter() - t0, 1),
    }

    def make(batch, inputs):
        args = tuple(x.cuda() for x in inputs)
        return lambda: runner(*args)

    return make


def tensorrt_fp32(prep: Prepared) -> Make:
    return _tensorrt(prep, "fp32")


def tensorrt_fp16(prep: Prepared) -> Make:
    return _tensorrt(prep, "fp16")


SETUPS: dict[str, Callable[[Prepared], Make]] = {
    "torch-eager": torch_eager,
    "torch-eager-bf16": torch_eager_bf16,
    "torch-compile": torch_compile,
    "torch-cuda-graph": torch_cuda_graph,
    "torch-cuda-graph-bf16": torch_cuda_graph_bf16,
    "onnxruntime-cpu": onnxruntime_cpu,
    "onnxruntime-cpu-int8": onnxruntime_cpu_int8,
    "onnxruntime-cpu-default-options": onnxruntime_cpu_default_options,
    "onnxruntime-cuda": onnxruntime_cuda,
    "tensorrt-fp32": tensorrt_fp32,
    "tensorrt-fp16": tensorrt_fp16,
}
LATENCY_BACKENDS: tuple[str, ...] = tuple(SETUPS)
