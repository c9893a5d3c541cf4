"""What an export starts from: a plain checkpoint, or a base checkpoint with a saved adaptation merged in.

The merge itself is the adaptation's (:func:`posynda.adapt.merge_adapter`: LoRA folded into the
weights, the cross-dataset embedding into the output offset); this module names the sources, so
an exported file can say where it came from. ``peft`` is imported only when an adapter is given.
"""

from __future__ import annotations

import json
from pathlib import Path

from posynda.adapt import merge_adapter
from posynda.checkpoint import Checkpoint, load_checkpoint
from posynda.fileio import sha256_file


def load_for_export(checkpoint: str | Path, adapter_dir: str | Path | None = None) -> tuple[Checkpoint, dict]:
    """The checkpoint to export (merged when ``adapter_dir`` is given) and its source description.

    The description (flat ``str -> str``) goes into the exported files' metadata:
    ``source_checkpoint``, ``source_checkpoint_sha256`` and, with an adapter, ``adapter_sha256``
    and ``merged_adaptation``.
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
