"""Parameters and FLOPs of one denoiser evaluation, counted two ways, next to the paper's Tables 3 and 7.

    posynda bench flops [--config paper|tiny|...] [--hypotheses H] [--steps K] [--flip/--no-flip] [--rank r]

One evaluation = one denoiser forward on one clip (B = 1, T = the preset's frames). FLOPs are
2 x multiply-accumulates (MACs); biases, normalisation, activations and softmax are not counted.

(a) **Paper convention** (:func:`linear_flops`, analytic): 2 x MACs of every ``nn.Linear`` (the
    input embedding, the time MLP, qkv / proj / MLP of every block, the head, and LoRA's A and B
    when present) and every ``nn.Conv1d``/``nn.Conv2d`` (VideoPose), from the shapes that forward
    hooks record; the attention score (QK^T) and attention-value (AV) products are excluded. This
    is what hook-based counters (thop) give, and it reproduces the paper exactly: 277.26 G for the
    ``paper`` preset, 278.88 G with LoRA r = 4 and 836.65 G for three hypotheses, truncated to two
    decimals as the paper does (rounding would print 196.66 K for the 196,659 trainable parameters
    the paper lists as 196.65 K). The input embedding and the head (0.034 G) are needed for the
    match: the blocks alone give 277.22 G.
(b) **Everything** (:func:`torch_flops`): ``torch.utils.flop_counter.FlopCounterMode`` with
    ``scaled_dot_product_attention`` forced to the math backend
    (``torch.nn.attention.sdpa_kernel(SDPBackend.MATH)``), which adds the attention matmuls
    (294.86 G for ``paper``). With the default backend on a CPU, SDPA dispatches to
    ``aten._scaled_dot_product_flash_attention_for_cpu``, for which FlopCounterMode has no formula,
    so the attention is silently missed and the count equals the paper convention; both counts are
    reported (``torch_default`` / ``torch_math``). On CUDA the fused kernels are counted.

Nothing is computed: the forwards run under ``FakeTensorMode`` on CPU fake tensors (shapes only,
the same SDPA dispatch as real CPU tensors), so the 34.8 M-parameter ``paper`` model is counted in
about a second.

Several hypotheses of one clip: the paper's 836.65 G is 3 x the per-token work plus the time MLP
**once** (H x 278.885 + 0.002 G): in D3DP's denoiser the timestep embedding is computed per clip
and broadcast over its hypotheses. Three independent evaluations (posynda's runtime folds the
hypotheses into the batch, so its time MLP runs per hypothesis) give 836.66 G; both are reported.
One inference costs K steps x H hypotheses x (2 with flip augmentation) evaluations of the deployed
model, whose merged LoRA and folded cross-dataset offset add no FLOPs.
"""

from __future__ import annotations

import contextlib
import logging
import time

import torch
from torch import nn
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

try:  # a private API: the attention-op recorder is skipped where it moved
    from torch.utils._python_dispatch import TorchDispatchMode
except ImportError:  # pragma: no cover
    TorchDispatchMode = None

from posynda.adapt.embedding import CrossDatasetEmbedding
from posynda.adapt.lora import add_lora
from posynda.bench.flops_report import PAPER_HYPOTHESES, paper_reference, rows
from posynda.errors import InputError
from posynda.models import PRESETS, build_denoiser, count_parameters, example_inputs
from posynda.models.layers import Attention


def _group(name: str) -> str:
    """Readable layer group of a module path (peft's ``base_layer`` / ``lora_A`` included)."""
    if "lora_" in name:
        return "LoRA A/B"
    if "time_mlp" in name:
        return "time MLP"
    for key, group in (
        ("spatial_embed", "input embedding"),
        ("expand", "input embedding"),
        ("head", "head"),
        ("shrink", "head"),
        (".qkv", "attention qkv"),
        (".proj", "attention proj"),
        (".mlp.", "MLP"),
    ):
        if key in name:
            return group
    return "temporal convolutions" if "blocks" in name else name


@contextlib.contextmanager
def _fake():
    with FakeTensorMode(allow_non_fake_inputs=True), torch.no_grad():
        yield


def linear_flops(model: nn.Module, frames: int, joints: int = 17, batch: int = 1) -> dict:
    """Paper convention, from the shapes forward hooks see: ``{"flops", "attention_flops", "groups"}``.

    ``flops`` = 2 x MACs of all Linear / Conv layers; ``attention_flops`` = 2 x MACs of QK^T and AV
    (``4 b n^2 c`` per attention call on ``[b, n, c]``), reported separately; ``groups`` splits
    ``flops`` by layer group (see :func:`_group`), plus "attention QK^T + AV".
    """
    groups: dict[str, int] = {}
    attention = 0
    handles = []

    def on_linear(name):
        def hook(module, inputs, output):
            if isinstance(module, nn.Linear):
                macs = module.in_features * output.numel()
            else:  # Conv1d / Conv2d: (C_in / groups) x kernel MACs per output element
                macs = module.in_channels // module.groups * _prod(module.kernel_size) * output.numel()
            groups[_group(name)] = groups.get(_group(name), 0) + 2 * macs

        return hook

    def on_attention(module, inputs, output):
        nonlocal attention
        b, n, c = inputs[0].shape
        attention += 4 * b * n * n * c

    for name, module in model.named_modules():
        if isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            handles.append(module.register_forward_hook(on_linear(name)))
        elif isinstance(module, Attention):
            handles.append(module.register_forward_hook(on_attention))
    try:
        with _fake():
            model(*example_inputs(batch, frames, joints))
    finally:
        for handle in handles:
            handle.remove()
    flops = sum(groups.values())
    if attention:
        groups["attention QK^T + AV (not counted)"] = attention
    return {"flops": flops, "attention_flops": attention, "groups": groups}


def _prod(values) -> int:
    out = 1
    for v in values if isinstance(values, tuple) else (values,):
        out *= v
    return out


def _attention_ops_recorder():
    """A dispatch mode recording which aten attention ops run (None if the private API moved)."""
    if TorchDispatchMode is None:  # pragma: no cover
        return None

    class Recorder(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.ops: set[str] = set()

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            if "attention" in str(func):
                self.ops.add(str(func))
            return func(*args, **(kwargs or {}))

    return Recorder()


def torch_flops(model: nn.Module, frames: int, joints: int = 17, batch: int = 1, math: bool = True) -> dict:
    """``FlopCounterMode`` count: ``{"flops", "ops": {aten op: flops}, "attention_ops": [...]}``.

    ``math=True`` forces the math SDPA backend (attention matmuls counted as ``bmm``); ``False``
    keeps the default dispatch of CPU tensors, whose fused SDPA kernel FlopCounterMode does not count.
    """
    counter = FlopCounterMode(display=False)
    recorder = _attention_ops_recorder()
    backend = sdpa_kernel(SDPBackend.MATH) if math else contextlib.nullcontext()
    with _fake():
        inputs = example_inputs(batch, frames, joints)
        with backend, counter, recorder or contextlib.nullcontext():
            model(*inputs)
    ops = {str(op): int(n) for op, n in counter.get_flop_counts().get("Global", {}).items()}
    return {
        "flops": int(counter.get_total_flops()),
        "ops": ops,
        "attention_ops": sorted(recorder.ops) if recorder is not None else None,
    }


def _count(model: nn.Module, frames: int, joints: int) -> dict:
    analytic = linear_flops(model, frames, joints)
    math = torch_flops(model, frames, joints, math=True)
    default = torch_flops(model, frames, joints, math=False)
    return {
        "paper_flops": analytic["flops"],
        "attention_flops": analytic["attention_flops"],
        "time_mlp_flops": analytic["groups"].get("time MLP", 0),
        "groups": analytic["groups"],
        "torch_math": math,
        "torch_default": default,
    }


def count_flops(
    config: str = "tiny", hypotheses: int = PAPER_HYPOTHESES, steps: int = 1, flip: bool = True, rank: int = 4
) -> dict:
    """Parameters and FLOPs of ``config`` (a preset name): base model, + LoRA rank ``rank``,
    + cross-dataset embedding, ``hypotheses`` hypotheses, one inference of ``steps`` x ``hypotheses``
    (x 2 with ``flip``) evaluations. Returns a JSON-able dict; ``rows`` is the printed table."""
    if config not in PRESETS:
        raise InputError(f"unknown config {config!r}; choose one of {', '.join(PRESETS)}")
    for name, value in (("--hypotheses", hypotheses), ("--steps", steps), ("--rank", rank)):
        if value < 1:
            raise InputError(f"{name} must be >= 1, got {value}")
    t0 = time.perf_counter()
    cfg = PRESETS[config]
    torch.manual_seed(0)
    base = build_denoiser(cfg).eval()
    params_base = count_parameters(base)
    counts = {"baseline": _count(base, cfg.frames, cfg.joints)}
    lora = add_lora(base, cfg.arch, rank).eval()
    params_lora = sum(p.numel() for n, p in lora.named_parameters() if "lora_" in n)
    full = CrossDatasetEmbedding(lora, cfg.joints).eval()
    params_cd = full.offset.numel()
    trainable = count_parameters(full, trainable_only=True)
    lora_error = None
    fake_log = logging.getLogger("torch._subclasses.fake_tensor")
    level = fake_log.level
    fake_log.setLevel(logging.CRITICAL)  # a failing op is re-raised below; no traceback spam from the fake mode
    try:
        counts["lora"] = _count(lora, cfg.frames, cfg.joints)
        counts["lora_cd"] = _count(full, cfg.frames, cfg.joints)
    except RuntimeError as exc:  # peft <= 0.21 drops the dilation of Conv LoRA (huggingface/peft#3697)
        lora_error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        counts["lora"] = counts["lora_cd"] = None
    finally:
        fake_log.setLevel(level)

    one = counts["lora_cd"] or counts["baseline"]
    shared = one["time_mlp_flops"]  # D3DP: the timestep embedding runs once per clip, for all hypotheses
    h_paper = hypotheses * (one["paper_flops"] - shared) + shared
    h_full = hypotheses * (one["torch_math"]["flops"] - shared) + shared
    evaluations = steps * hypotheses * (2 if flip else 1)
    deployed = counts["baseline"]  # merged LoRA + folded offset: the base model's FLOPs
    result = {
        "config": config,
        "denoiser": {
            "arch": cfg.arch,
            "frames": cfg.frames,
            "joints": cfg.joints,
            "dim": cfg.dim,
            **({"depth": cfg.depth, "heads": cfg.heads} if cfg.arch == "mixste" else {}),
            **({"filter_widths": list(cfg.filter_widths)} if cfg.arch == "videopose" else {}),
        },
        "tokens": cfg.frames * cfg.joints if cfg.arch == "mixste" else None,
        "settings": {"hypotheses": hypotheses, "steps": steps, "flip": flip, "rank": rank, "batch": 1},
        "convention": "FLOPs = 2 x MACs; paper: Linear/Conv layers only (attention QK^T and AV excluded); "
        "full: torch FlopCounterMode under the math SDPA backend",
        "params": {
            "denoiser": params_base,
            "lora": params_lora,
            "lora_per_rank": params_lora // rank if params_lora % rank == 0 else params_lora / rank,
            "cd_embedding": params_cd,
            "trainable_lora_cd": trainable,
        },
        "per_evaluation": counts,
        "lora_error": lora_error,
        "hypotheses": {
            "H": hypotheses,
            "paper_flops_shared_time_mlp": h_paper,
            "paper_flops_independent": hypotheses * one["paper_flops"],
            "full_flops_shared_time_mlp": h_full,
            "full_flops_independent": hypotheses * one["torch_math"]["flops"],
        },
        "inference": {
            "evaluations": evaluations,
            "formula": f"K={steps} x H={hypotheses}" + (" x 2 (flip)" if flip else "") + " evaluations",
            "deployed_paper_flops": evaluations * deployed["paper_flops"],
            "deployed_full_flops": evaluations * deployed["torch_math"]["flops"],
            "unmerged_paper_flops": evaluations * one["paper_flops"],
            "unmerged_full_flops": evaluations * one["torch_math"]["flops"],
        },
        "paper_reference": paper_reference(config, rank, hypotheses),
        "torch": torch.__version__,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    result["rows"] = rows(result)
    return result
