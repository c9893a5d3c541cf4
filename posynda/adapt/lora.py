"""LoRA adapters on the denoiser's attention projections, through ``peft`` (paper Eq. 10).

``W0 x + B A x`` with ``A`` Gaussian-initialised and ``B`` zero, so the adapted model starts equal
to the base; only ``A`` and ``B`` train. The targets are each architecture's row of
:data:`posynda.models.DENOISERS`: the fused ``qkv`` and the output ``proj`` of every attention block of
MixSTE (rank r adds ``49,152 r`` parameters to the paper configuration); the undilated (input and 1x1)
convolutions of VideoPose. ``peft`` is imported here only, never at start-up.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from posynda.errors import InputError
from posynda.extras import require
from posynda.models import architecture


def add_lora(model: nn.Module, arch: str, rank: int = 4, alpha: float | None = None):
    """Wrap ``model`` in a peft model with LoRA adapters; the base weights are frozen.

    ``alpha`` defaults to ``rank`` (scale 1, as PoSynDA's LoRA). Returns the ``PeftModel``.
    """
    require("peft", purpose="LoRA adapters")
    if rank < 1:
        raise InputError(f"rank must be >= 1, got {rank}")
    from peft import LoraConfig, get_peft_model

    targets = list(architecture(arch).lora_targets)
    config = LoraConfig(r=rank, lora_alpha=alpha or rank, target_modules=targets, lora_dropout=0.0, bias="none")
    return get_peft_model(model, config)


def load_lora(model: nn.Module, adapter_dir: str | Path):
    """Attach saved adapters (``save_pretrained`` layout) to a fresh base ``model``."""
    require("peft", purpose="a LoRA adapter")
    from peft import PeftModel

    adapter_dir = Path(adapter_dir)
    if not (adapter_dir / "adapter_config.json").is_file():
        raise InputError(f"{adapter_dir}: not a peft adapter directory (no adapter_config.json)")
    try:
        return PeftModel.from_pretrained(model, str(adapter_dir))
    except Exception as exc:  # peft raises assorted errors for adapters of another model
        raise InputError(f"{adapter_dir}: adapter does not fit this checkpoint ({type(exc).__name__}: {exc})") from None


def merge_lora(peft_model) -> nn.Module:
    """Fold the adapters into the base weights (``W0 + B A``) and return the plain model."""
    return peft_model.merge_and_unload()
