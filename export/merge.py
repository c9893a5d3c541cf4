"""Fold a saved adaptation (peft LoRA adapters + cross-dataset embedding) into a plain denoiser.

The merge itself is :func:`posynda.adapt.trainer.merged_checkpoint`; this module only rebuilds the
adapted model from ``base.safetensors`` + ``adapter/`` (:func:`posynda.adapt.trainer.load_adapted`)
and records where the result came from, so an exported file can name its sources. ``peft`` is
imported only when an adapter is given.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from posynda.checkpoint import Checkpoint, load_checkpoint
from posynda.errors import InputError
from posynda.fileio import sha256_file


def adapter_sha256(adapter_dir: str | Path) -> str:
    """One hash over every file of an adapter directory (names and bytes, sorted by name)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(adapter_dir).rglob("*") if p.is_file()):
        digest.update(path.relative_to(adapter_dir).as_posix().encode())
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()


def merge_adapter(base_path: str | Path, adapter_dir: str | Path) -> Checkpoint:
    """The plain denoiser equal to ``base`` + the adaptation saved in ``adapter_dir``.

    Raises:
        InputError: ``adapter_dir`` is not a posynda adapter directory, was trained on another
            base checkpoint, or does not fit the base architecture.
    """
    from posynda.adapt.trainer import AdaptSettings, load_adapted, merged_checkpoint

    base_path, adapter_dir = Path(base_path), Path(adapter_dir)
    if not adapter_dir.is_dir():
        raise InputError(f"{adapter_dir}: no such adapter directory")
    base = load_checkpoint(base_path)
    try:
        student = load_adapted(base_path, adapter_dir)
        info = json.loads((adapter_dir / "adaptation.json").read_text())
        settings = AdaptSettings(**info["settings"])
    except InputError as exc:  # peft's size-mismatch errors list every tensor: keep the first line
        lines = str(exc).strip().splitlines()
        more = f" ... ({len(lines) - 1} more lines)" if len(lines) > 1 else ""
        raise InputError(lines[0][:400] + more) from None
    except (KeyError, TypeError, ValueError, RuntimeError, OSError) as exc:
        # e.g. an embedding of another joint count, or an adaptation.json of another version
        raise InputError(
            f"{adapter_dir}: adapter does not fit {base_path.name} ({type(exc).__name__}: {str(exc).splitlines()[0]})"
        ) from None
    provenance = {
        "command": "posynda export --adapter",
        "base_checkpoint": str(base_path),
        "base_sha256": sha256_file(base_path),
        "adapter": str(adapter_dir),
        "adapter_sha256": adapter_sha256(adapter_dir),
        "adaptation": info["settings"],
    }
    return merged_checkpoint(student, base, settings, provenance)


def load_for_export(checkpoint: str | Path, adapter_dir: str | Path | None = None) -> tuple[Checkpoint, dict]:
    """The checkpoint to export (merged when ``adapter_dir`` is given) and its source description.

    The description (flat ``str -> str``) goes into the exported files' metadata:
    ``source_checkpoint``, ``source_checkpoint_sha256`` and, with an adapter, ``adapter_sha256``.
    """
    checkpoint = Path(checkpoint)
    if adapter_dir is None:
        ckpt = load_checkpoint(checkpoint)
        return ckpt, {"source_checkpoint": checkpoint.name, "source_checkpoint_sha256": sha256_file(checkpoint)}
    ckpt = merge_adapter(checkpoint, adapter_dir)
    return ckpt, {
        "source_checkpoint": checkpoint.name,
        "source_checkpoint_sha256": ckpt.provenance["base_sha256"],
        "adapter_sha256": ckpt.provenance["adapter_sha256"],
        "merged_adaptation": json.dumps(ckpt.provenance["adaptation"], sort_keys=True),
    }
