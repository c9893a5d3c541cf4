"""A saved adaptation (``adapter/``): writing it, rebuilding the adapted model, and merging it into plain weights.

Layout of ``adapter/``: peft's ``adapter_config.json`` + ``adapter_model.safetensors`` (LoRA,
when used) or ``denoiser.safetensors`` (every weight, after full fine-tuning),
``cross_dataset_embedding.safetensors`` (the ``[J, 3]`` offset, when used) and
``adaptation.json`` (the base checkpoint's path and sha256, the settings). An adapter is refused on
any other base checkpoint. Merging folds ``W0 + B A`` into the weights and the offset into the
denoiser's ``output_offset`` (config ``output_offset=True``), so the merged model has no adapter.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from safetensors.torch import load_file, save
from torch import nn

from posynda.adapt.embedding import CrossDatasetEmbedding
from posynda.adapt.lora import load_lora, merge_lora
from posynda.adapt.settings import AdaptSettings
from posynda.adapt.student import adapted_denoiser
from posynda.checkpoint import Checkpoint, load_checkpoint
from posynda.errors import InputError
from posynda.fileio import atomic_write_bytes, atomic_write_text, sha256_file
from posynda.models import build_denoiser
from posynda.reading import read_json

ADAPTER_DIR = "adapter"
EMBEDDING_FILE = "cross_dataset_embedding.safetensors"
DENOISER_FILE = "denoiser.safetensors"  # full fine-tuning: the whole fine-tuned denoiser
INFO_FILE = "adaptation.json"


def save_adapter(out_dir: Path, student: nn.Module, settings: AdaptSettings, base_path: Path) -> Path:
    """Write ``out_dir/adapter/`` for ``student`` adapted from ``base_path``; returns the folder."""
    adapter = out_dir / ADAPTER_DIR
    adapter.mkdir(parents=True, exist_ok=True)
    if settings.lora:
        adapted_denoiser(student).save_pretrained(str(adapter))
    else:
        weights = {k: v.detach().cpu().contiguous() for k, v in adapted_denoiser(student).state_dict().items()}
        atomic_write_bytes(adapter / DENOISER_FILE, save(weights))
    if settings.cd_embedding:
        atomic_write_bytes(adapter / EMBEDDING_FILE, save({"offset": student.offset.detach().cpu().contiguous()}))
    info = {
        "base_checkpoint": str(base_path),
        "base_sha256": sha256_file(base_path),
        "settings": dataclasses.asdict(settings),
    }
    atomic_write_text(adapter / INFO_FILE, json.dumps(info, indent=2))
    return adapter


def read_adapter_info(adapter_dir: str | Path) -> tuple[dict, AdaptSettings]:
    """``(adaptation.json, its AdaptSettings)``; InputError when the folder is not a posynda adapter."""
    adapter_dir = Path(adapter_dir)
    if not adapter_dir.is_dir():
        raise InputError(f"{adapter_dir}: no such adapter directory")
    info_path = adapter_dir / INFO_FILE
    if not info_path.is_file():
        raise InputError(f"{adapter_dir}: no {INFO_FILE} (not a posynda adapter directory)")
    try:
        info = read_json(info_path, "adaptation record")
        return info, AdaptSettings(**info["settings"])
    except (KeyError, TypeError, ValueError) as exc:  # another version's adaptation.json
        raise InputError(f"{info_path}: not a readable adaptation record ({type(exc).__name__}: {exc})") from None


def load_adapted(base_path: str | Path, adapter_dir: str | Path) -> nn.Module:
    """Rebuild an adapted (unmerged) denoiser from its base checkpoint and ``adapter/`` directory."""
    return _rebuild(load_checkpoint(base_path), base_path, sha256_file(base_path), Path(adapter_dir))[0]


def _rebuild(base: Checkpoint, base_path, base_sha: str, adapter_dir: Path) -> tuple[nn.Module, dict, AdaptSettings]:
    """The adapted model of ``adapter_dir`` on the loaded ``base`` (whose file hashes to ``base_sha``),
    with the adapter's record and settings."""
    info, settings = read_adapter_info(adapter_dir)
    if info.get("base_sha256") != base_sha:
        raise InputError(f"{adapter_dir}: adapter was trained on another base checkpoint than {base_path}")
    model = build_denoiser(base.config)
    model.load_state_dict(base.model.state_dict())
    if settings.lora:
        model = load_lora(model, adapter_dir)
    else:
        weights = adapter_dir / DENOISER_FILE
        if not weights.is_file():
            raise InputError(f"{adapter_dir}: full fine-tuning adapter without {DENOISER_FILE}")
        model.load_state_dict(load_file(str(weights)))
    if settings.cd_embedding:
        model = CrossDatasetEmbedding(model, base.config.joints)
        model.offset.data.copy_(load_file(str(adapter_dir / EMBEDDING_FILE))["offset"])
    return model.eval(), info, settings


def merged_checkpoint(student: nn.Module, base: Checkpoint, settings: AdaptSettings, provenance: dict) -> Checkpoint:
    """Fold adapters and the embedding into a plain denoiser (config ``output_offset`` when CD)."""
    inner = adapted_denoiser(student)
    plain = merge_lora(inner) if settings.lora else inner
    # A base that already carries an offset (an adapted model adapted again) keeps it: the offsets add.
    config = dataclasses.replace(base.config, output_offset=base.config.output_offset or settings.cd_embedding)
    merged = build_denoiser(config)
    state = {k: v.detach().cpu().clone() for k, v in plain.state_dict().items()}
    if settings.cd_embedding:
        offset = student.offset.detach().cpu().clone()
        state["output_offset"] = state["output_offset"] + offset if "output_offset" in state else offset
    merged.load_state_dict(state)
    return Checkpoint(model=merged.eval(), config=config, diffusion=base.diffusion, provenance=provenance)


def adapter_sha256(adapter_dir: str | Path) -> str:
    """One hash over every file of an adapter directory (names and bytes, sorted by name)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(adapter_dir).rglob("*") if p.is_file()):
        digest.update(path.relative_to(adapter_dir).as_posix().encode())
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()


def merge_adapter(base_path: str | Path, adapter_dir: str | Path) -> Checkpoint:
    """The plain denoiser equal to ``base`` + the adaptation saved in ``adapter_dir``, with its provenance.

    Raises:
        InputError: ``adapter_dir`` is not a posynda adapter directory, was trained on another
            base checkpoint, or does not fit the base architecture (one line).
    """
    base_path, adapter_dir = Path(base_path), Path(adapter_dir)
    base, base_sha = load_checkpoint(base_path), sha256_file(base_path)
    try:
        student, info, settings = _rebuild(base, base_path, base_sha, adapter_dir)
    except InputError as exc:  # peft's size-mismatch errors list every tensor: keep the first line
        lines = str(exc).strip().splitlines()
        more = f" ... ({len(lines) - 1} more lines)" if len(lines) > 1 else ""
        raise InputError(lines[0][:400] + more) from None
    except (KeyError, TypeError, ValueError, RuntimeError, OSError) as exc:  # e.g. an embedding of another J
        raise InputError(
            f"{adapter_dir}: adapter does not fit {base_path.name} ({type(exc).__name__}: {str(exc).splitlines()[0]})"
        ) from None
    provenance = {
        "command": "posynda export --adapter",
        "base_checkpoint": str(base_path),
        "base_sha256": base_sha,
        "adapter": str(adapter_dir),
        "adapter_sha256": adapter_sha256(adapter_dir),
        "adaptation": info["settings"],
    }
    return merged_checkpoint(student, base, settings, provenance)
