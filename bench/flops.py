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
from decimal import ROUND_DOWN, Decimal

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
from posynda.errors import InputError
from posynda.models import PRESETS, build_denoiser, count_parameters, example_inputs
from posynda.models.layers import Attention
from posynda.report import markdown_table

GIGA = 10**9

# The paper's reference figures (Tables 3 and 7), for the side-by-side "paper" column only.
PAPER_TABLE3 = {
    "baseline_gflops": "277.26",
    "lora_gflops": "278.88",  # + LoRA r = 4 (and + cross-dataset embedding)
    "posynda_gflops": "836.65",  # + multi-hypothesis (H = 3): the full method
    "lora_params_k": "196.60",
    "lora_cd_params_k": "196.65",
}
# Table 7, rank -> (params K incl. the embedding, GFLOPs with H = 3). Not reproducible except r = 4:
# 49,152 r + 51 parameters gives 49.20 / 98.35 / ... K, and each rank adds 0.406 G (one evaluation's
# increment, 2 x 49,152 x 4131) to the three-hypothesis total instead of 3 x 0.406 G.
PAPER_TABLE7 = {
    1: ("49.19", "835.43"),
    2: ("98.34", "835.83"),
    3: ("147.49", "836.24"),
    4: ("196.65", "836.65"),
    5: ("245.80", "837.05"),
    6: ("249.95", "837.46"),
}
PAPER_HYPOTHESES = 3


def truncate(value: float | int, decimals: int = 2) -> str:
    """``value`` cut (not rounded) to ``decimals`` places, as the paper prints: 277.2627 -> '277.26'."""
    quantum = Decimal(1).scaleb(-decimals)
    return str(Decimal(str(value)).quantize(quantum, rounding=ROUND_DOWN))


def gflops(flops: int) -> str:
    """GFLOPs truncated to two decimals (four below 1 G, where two would print 0.00 for the small presets)."""
    return truncate(Decimal(flops) / GIGA, 2 if flops >= GIGA else 4)


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
        "paper_reference": _paper_reference(config, rank, hypotheses),
        "torch": torch.__version__,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    result["rows"] = _rows(result)
    return result


def _paper_reference(config: str, rank: int, hypotheses: int) -> dict | None:
    if config != "paper":
        return None
    ref: dict = {"table3": dict(PAPER_TABLE3)}
    if rank in PAPER_TABLE7:
        ref["table7"] = {"rank": rank, "params_k": PAPER_TABLE7[rank][0], "gflops_h3": PAPER_TABLE7[rank][1]}
    ref["comparable"] = {"rank": rank == 4, "hypotheses": hypotheses == PAPER_HYPOTHESES}
    return ref


def _rows(result: dict) -> list[dict]:
    """``[{"quantity", "value", "exact", "paper"}]``: the table :func:`markdown` and the CLI print."""
    p, c, h, s = result["params"], result["per_evaluation"], result["hypotheses"], result["settings"]
    r, big_h = s["rank"], s["hypotheses"]
    ref = result["paper_reference"]
    t3 = ref["table3"] if ref else {}
    t7 = ref.get("table7") if ref else None
    at_r4, at_h3 = bool(ref) and r == 4, bool(ref) and big_h == PAPER_HYPOTHESES
    failed = result["lora_error"] is not None

    def k(n: int) -> str:
        return f"{truncate(Decimal(n) / 1000)} K"

    def g(variant: str | None, flops: int | None = None, math: bool = False) -> tuple[str, str]:
        if flops is None:
            counted = c[variant]
            if counted is None:
                return "n/a (LoRA forward failed)", ""
            flops = counted["torch_math"]["flops"] if math else counted["paper_flops"]
        return gflops(flops), f"{flops:,}"

    per_rank = f" = {p['lora_per_rank']:,} x r" if isinstance(p["lora_per_rank"], int) else ""
    lora_paper = t3["lora_params_k"] + " K" if at_r4 else (f"{t7['params_k']} K (Table 7, incl. CD)" if t7 else "")
    lora_cd_paper = t3["lora_cd_params_k"] + " K" if at_r4 else (f"{t7['params_k']} K (Table 7)" if t7 else "")
    h_paper = t3["posynda_gflops"] if at_r4 and at_h3 else (f"{t7['gflops_h3']} (Table 7)" if t7 and at_h3 else "")
    rows = [
        ("denoiser parameters", f"{p['denoiser']:,}", "", ""),
        (f"LoRA parameters (r = {r})", k(p["lora"]), f"{p['lora']:,}{per_rank}", lora_paper),
        ("cross-dataset embedding parameters", f"{p['cd_embedding']}", "", "51" if ref else ""),
        ("trainable: LoRA + CD embedding", k(p["trainable_lora_cd"]), f"{p['trainable_lora_cd']:,}", lora_cd_paper),
        ("GFLOPs, baseline (paper convention)", *g("baseline"), t3.get("baseline_gflops", "")),
        (f"GFLOPs, + LoRA r = {r}", *g("lora"), t3["lora_gflops"] if at_r4 else ""),
        ("GFLOPs, + CD embedding", *g("lora_cd"), t3["lora_gflops"] if at_r4 else ""),
        (
            f"GFLOPs, + multi-hypothesis H = {big_h} (time MLP once per clip){' (base model)' if failed else ''}",
            *g(None, h["paper_flops_shared_time_mlp"]),
            h_paper,
        ),
        (
            f"GFLOPs, H = {big_h} independent evaluations",
            *g(None, h["paper_flops_independent"]),
            "",
        ),
        ("GFLOPs incl. attention, baseline (FlopCounterMode, MATH SDPA)", *g("baseline", math=True), ""),
        (f"GFLOPs incl. attention, + LoRA r = {r} + CD", *g("lora_cd", math=True), ""),
        (
            "GFLOPs, FlopCounterMode with the default CPU SDPA (attention missed)",
            *g(None, c["baseline"]["torch_default"]["flops"]),
            "",
        ),
    ]
    return [dict(zip(("quantity", "value", "exact", "paper"), row)) for row in rows]


def _table(headers, rows) -> str:
    """A Markdown table as one item of a list of lines (no trailing newline)."""
    return markdown_table(headers, rows).rstrip("\n")


def markdown(result: dict) -> str:
    """The result as Markdown: the main table, the inference cost and the per-group breakdown."""
    s, inf, d = result["settings"], result["inference"], result["denoiser"]
    ref = result["paper_reference"]
    tokens = f", {result['tokens']:,} tokens" if result["tokens"] else ""
    if "depth" in d:
        shape = f"dim {d['dim']}, {d['depth']} + {d['depth']} blocks, {d['heads']} heads"
    else:
        shape = f"{d['dim']} channels, filter widths {d.get('filter_widths')}"
    lines = [
        f"# FLOPs and parameters: `{result['config']}`",
        "",
        f"{d['arch']}, {shape}, T = {d['frames']}, J = {d['joints']}{tokens}; "
        "one evaluation = one denoiser forward on one clip (B = 1). FLOPs = 2 x MACs; GFLOPs and K are truncated "
        "to two decimals like the paper (four below 1 G). Paper convention: all Linear/Conv layers (embedding, "
        "time MLP, blocks, head, LoRA A/B), attention QK^T / AV excluded. Counted on fake tensors (no compute), torch "
        f"{result['torch']}.",
        "",
        _table(
            ["quantity", "posynda (counted)", "exact", "paper"],
            [[r["quantity"], r["value"], r["exact"], r["paper"] or "–"] for r in result["rows"]],
        ),
    ]
    if ref and not (ref["comparable"]["rank"] and ref["comparable"]["hypotheses"]):
        lines += ["", "Paper column: Table 3 is for r = 4 and H = 3; other settings show Table 7 where it applies."]
    if result["lora_error"]:
        lines += ["", f"LoRA forward failed on this architecture: `{result['lora_error']}`."]
    lines += [
        "",
        f"One inference: {inf['formula']} = {inf['evaluations']} evaluations.",
        "",
    ]
    models = [["deployed (LoRA merged, offset folded)", "deployed"]]
    if not result["lora_error"]:
        models.append([f"adapters unmerged (r = {s['rank']})", "unmerged"])
    lines.append(
        _table(
            ["model", "GFLOPs, paper convention", "GFLOPs incl. attention"],
            [[name, gflops(inf[f"{key}_paper_flops"]), gflops(inf[f"{key}_full_flops"])] for name, key in models],
        )
    )
    variant, label = ("baseline", "base model") if result["lora_error"] else ("lora_cd", f"LoRA r = {s['rank']}")
    lines += [
        "",
        f"Per-group breakdown of one evaluation ({label}), GFLOPs:",
        "",
        _table(
            ["layer group", "GFLOPs"],
            [[g, truncate(Decimal(f) / GIGA, 4)] for g, f in result["per_evaluation"][variant]["groups"].items()],
        ),
    ]
    default_ops = result["per_evaluation"]["baseline"]["torch_default"]["attention_ops"]
    if default_ops:
        lines += [
            "",
            f"With the default SDPA backend on CPU tensors attention dispatches to `{', '.join(default_ops)}`, "
            "which FlopCounterMode does not count; the full count forces `SDPBackend.MATH`.",
        ]
    return "\n".join(lines) + "\n"
