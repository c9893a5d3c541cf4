"""The runtime metadata of a denoiser: everything an app needs besides the weights.

The same flat string dict goes into ONNX ``metadata_props``, TensorRT sidecars and checkpoint
summaries, so every artefact describes itself the same way.
"""

from __future__ import annotations

import json

from posynda import SKELETON_NAME, __version__
from posynda.checkpoint import Checkpoint
from posynda.fileio import sha256_file
from posynda.skeleton import H36M_JOINT_NAMES, H36M_PARENTS


def runtime_metadata(checkpoint: Checkpoint) -> dict[str, str]:
    """Flat ``str -> str`` description of ``checkpoint`` for a runtime.

    Keys: ``posynda_version``, ``skeleton``, ``joint_names``, ``parents`` (JSON lists),
    ``window_frames`` (T), ``input_normalization`` (the screen normalisation formula),
    ``output_units`` (root-relative metres), ``denoiser`` and ``scheduler`` (JSON configs),
    ``source_checkpoint_sha256`` (when the checkpoint came from a file).
    """
    meta = {
        "posynda_version": __version__,
        "skeleton": SKELETON_NAME,
        "joint_names": json.dumps(list(H36M_JOINT_NAMES)),
        "parents": json.dumps(list(H36M_PARENTS)),
        "window_frames": str(checkpoint.config.frames),
        "input_normalization": "u' = 2u/w - 1, v' = 2v/w - h/w (pixels, image width w, height h)",
        "output_units": "root-relative metres, camera frame (x right, y down, z forward)",
        "denoiser": checkpoint.config.to_json(),
        "scheduler": json.dumps(checkpoint.diffusion.to_dict(), sort_keys=True),
    }
    if checkpoint.path is not None:
        meta["source_checkpoint_sha256"] = sha256_file(checkpoint.path)
    return meta
