"""Input normalisation of the 2D keypoints inside a denoiser (its config's ``input_norm``).

Every denoiser takes the 2D in the canonical camera (``u' = F (u - cx) / fx``, ``v' = F (v - cy) / fy``,
:func:`posynda.camera.canonical_screen`, docs/CONVENTIONS.md) -- the contract of every runtime,
exported graph and the C++ example -- and turns it into what its first layer sees:

* ``"screen"`` -- unchanged: absolute canonical-screen coordinates (D3DP's and PoSynDA's input, but
  in the camera's focal units rather than divided by the image width).
* ``"root"`` -- root-centred and scale-normalised 2D (the pose's shape, which does not change with
  where the person stands in the image or how far away they are), with the root
  position and the log-scale as three more inputs (the perspective cues): per frame,
  ``c = (x - x_root) / s`` with ``s`` the RMS distance of the joints to the root, and
  ``g = (u'_root, v'_root, log s)``. Cross-database studies (Rapczynski et al. 2021) found this
  normalisation to matter most for lifting across cameras.

The transform is part of the model's graph, so it is exported with it.
"""

from __future__ import annotations

from typing import Literal, get_args

import torch

from posynda.skeleton import ROOT

InputNorm = Literal["screen", "root"]
INPUT_NORMS: tuple[str, ...] = get_args(InputNorm)
MIN_SCALE = 1e-3  # normalised screen units: a pose smaller than this is treated as this size


def input_channels(norm: InputNorm) -> tuple[int, int]:
    """``(per-joint 2D channels, per-frame global channels)`` a model sees for ``norm``."""
    return (2, 0) if norm == "screen" else (2, 3)


def root_normalize(keypoints_2d: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``keypoints_2d [..., J, 2]`` (screen units) -> ``(shape [..., J, 2], globals [..., 3])``.

    ``shape`` is root-centred and divided by the per-frame RMS root distance ``s``; ``globals`` is
    ``(u'_root, v'_root, log s)``.
    """
    root = keypoints_2d[..., ROOT : ROOT + 1, :]
    centred = keypoints_2d - root
    scale = centred.square().sum(-1).mean(-1, keepdim=True).sqrt().clamp_min(MIN_SCALE)  # [..., 1]
    shape = centred / scale[..., None]
    return shape, torch.cat([root[..., 0, :], scale.log()], dim=-1)


def normalize_input(keypoints_2d: torch.Tensor, norm: InputNorm) -> tuple[torch.Tensor, torch.Tensor | None]:
    """What a denoiser's first layer sees: ``(per-joint 2D [..., J, 2], per-frame globals [..., 3] or None)``."""
    if norm == "screen":
        return keypoints_2d, None
    return root_normalize(keypoints_2d)
