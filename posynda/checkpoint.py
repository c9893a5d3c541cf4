"""Model checkpoints: one ``.safetensors`` file with the whole configuration in its metadata.

Metadata (all strings, as safetensors requires):

| key          | value                                                              |
|--------------|--------------------------------------------------------------------|
| ``format``   | ``posynda-checkpoint-v2`` (v2: 2D input in the canonical camera)   |
| ``version``  | posynda version that wrote it                                      |
| ``skeleton`` | ``h36m-17``                                                        |
| ``denoiser`` | DenoiserConfig JSON                                                |
| ``diffusion``| SchedulerConfig JSON                                               |
| ``provenance``| JSON: command, data file hashes, steps, seed, metrics, parent     |

Writes are atomic. Loading checks every piece and raises a one-line InputError on a file that is
not a posynda checkpoint, is corrupt, or whose weights do not match its own configuration.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save
from torch import nn

from posynda import SKELETON_NAME, __version__
from posynda.diffusion.scheduling_ddim import SchedulerConfig
from posynda.errors import InputError
from posynda.fileio import atomic_write_bytes
from posynda.models import DenoiserConfig, build_denoiser
from posynda.reading import parse_json

FORMAT = "posynda-checkpoint-v2"
# v1 models took the 2D normalised by the image width (u' = 2u/w - 1, v' = 2v/w - h/w); v2 models take
# it in the canonical camera (posynda.camera.canonical_screen). The weights of one do not serve the other.
OLD_FORMATS = {
    "posynda-checkpoint-v1": "its model takes 2D normalised by the image width (before posynda's "
    "canonical-camera input); train it again with this version"
}


@dataclass
class Checkpoint:
    """A loaded checkpoint: the denoiser (eval mode) and everything needed to run it."""

    model: nn.Module
    config: DenoiserConfig
    diffusion: SchedulerConfig
    provenance: dict = field(default_factory=dict)
    path: Path | None = None


def save_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    config: DenoiserConfig,
    diffusion: SchedulerConfig,
    provenance: dict | None = None,
) -> Path:
    """Write ``model``'s weights and configuration to ``path`` atomically."""
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    metadata = {
        "format": FORMAT,
        "version": __version__,
        "skeleton": SKELETON_NAME,
        "denoiser": config.to_json(),
        "diffusion": json.dumps(diffusion.to_dict(), sort_keys=True),
        "provenance": json.dumps(provenance or {}, sort_keys=True, default=str),
    }
    atomic_write_bytes(path, save(tensors, metadata=metadata))
    return Path(path)


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The safetensors header metadata of ``path`` (InputError if unreadable)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such checkpoint file")
    try:
        with safe_open(str(path), framework="pt") as handle:
            return dict(handle.metadata() or {})
    except Exception as exc:  # safetensors raises its own error types for corrupt headers
        raise InputError(f"{path}: not a readable .safetensors checkpoint ({exc})") from None


def load_checkpoint(path: str | os.PathLike, device: str | torch.device = "cpu") -> Checkpoint:
    """Rebuild the denoiser from ``path`` and load its weights (strict).

    Raises:
        InputError: missing/corrupt file, not a posynda checkpoint, unknown skeleton, or weights
            that do not fit the stored architecture.
    """
    path = Path(path)
    meta = read_metadata(path)
    if meta.get("format") in OLD_FORMATS:
        raise InputError(f"{path}: a {meta['format']} checkpoint: {OLD_FORMATS[meta['format']]}")
    if meta.get("format") != FORMAT:
        raise InputError(
            f"{path}: not a posynda checkpoint (metadata 'format' is {meta.get('format')!r}, expected '{FORMAT}')"
        )
    if meta.get("skeleton") != SKELETON_NAME:
        raise InputError(f"{path}: checkpoint skeleton {meta.get('skeleton')!r} is not {SKELETON_NAME!r}")
    try:
        config = DenoiserConfig.from_dict(parse_json(meta["denoiser"], f"{path}: metadata 'denoiser'", "JSON value"))
        diffusion = SchedulerConfig(**parse_json(meta["diffusion"], f"{path}: metadata 'diffusion'", "JSON value"))
        provenance = parse_json(meta.get("provenance", "{}"), f"{path}: metadata 'provenance'", "JSON value")
    except InputError as exc:
        raise InputError(f"{path}: checkpoint metadata is out of range or malformed ({exc})") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: checkpoint metadata is incomplete or malformed ({exc})") from None
    _check_tensors(path, config)  # from the header: nothing of a mismatched file is built or read
    try:
        state = load_file(str(path), device=str(device))
    except Exception as exc:
        raise InputError(f"{path}: checkpoint tensors are unreadable ({exc})") from None
    model = build_denoiser(config)
    model.load_state_dict(state, strict=True)
    model.to(device).eval()
    return Checkpoint(model=model, config=config, diffusion=diffusion, provenance=provenance, path=path)


# torch dtypes as the safetensors header spells them
SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def _check_tensors(path: Path, config: DenoiserConfig) -> None:
    """InputError unless the file's tensors (names, shapes and dtypes, read from the safetensors header) are
    exactly those of ``config``'s model, built on the meta device (no memory)."""
    with torch.device("meta"):
        expected = build_denoiser(config).state_dict()
    try:
        with safe_open(str(path), framework="pt") as handle:
            slices = {k: handle.get_slice(k) for k in handle.keys()}
            found = {k: (tuple(piece.get_shape()), piece.get_dtype()) for k, piece in slices.items()}
    except Exception as exc:  # safetensors raises its own error types for corrupt headers
        raise InputError(f"{path}: checkpoint tensors are unreadable ({exc})") from None
    wanted = {k: (tuple(t.shape), SAFETENSORS_DTYPES.get(t.dtype)) for k, t in expected.items()}
    missing = sorted(set(wanted) - set(found))
    unexpected = sorted(set(found) - set(wanted))
    shapes = sorted(k for k in set(found) & set(wanted) if found[k][0] != wanted[k][0])
    dtypes = sorted(k for k in set(found) & set(wanted) if found[k][1] != wanted[k][1])
    if missing or unexpected or shapes or dtypes:
        if missing:
            detail = f"missing {missing[:2]}"
        elif unexpected:
            detail = f"unexpected {unexpected[:2]}"
        elif shapes:
            detail = f"shape of {shapes[:2]}"
        else:
            detail = f"dtype of {dtypes[0]!r} is {found[dtypes[0]][1]}, expected {wanted[dtypes[0]][1]}"
        raise InputError(f"{path}: weights do not match the {config.arch} architecture in its metadata ({detail})")
