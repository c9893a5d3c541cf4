"""The runtime metadata of a denoiser: everything an app needs besides the weights.

The same flat ``str -> str`` dict goes into ONNX ``metadata_props``, TensorRT sidecars and the
torch backend's description, so every artefact describes itself the same way. The exporter writes
it (:mod:`posynda.export`); the runtime reads it back (:func:`model_geometry`). The graphs'
tensor names are fixed here too.
"""

from __future__ import annotations

import json
import math
import re

from posynda import SKELETON_NAME, __version__
from posynda.camera import CANONICAL_FOCAL
from posynda.checkpoint import Checkpoint
from posynda.diffusion import NOISE_SPEC, SchedulerConfig
from posynda.errors import InputError
from posynda.fileio import sha256_file
from posynda.limits import MAX_FOCAL_PX, MAX_HYPOTHESES, MAX_JOINTS, MAX_STEPS, MAX_WINDOW_FRAMES, MIN_FOCAL_PX
from posynda.reading import parse_json
from posynda.skeleton import FLIP_PERMUTATION, H36M_JOINT_NAMES, H36M_PARENTS, JOINT_ORDERS, ROOT

# Tensor names of the exported graphs (ONNX inputs/outputs, TensorRT bindings): the artefact contract.
DENOISER_INPUTS = ("keypoints_2d", "noisy_3d", "t")
DENOISER_OUTPUT = "x0"
SAMPLER_INPUTS = ("keypoints_2d", "noise")
SAMPLER_OUTPUT = "poses"
# How pixels become the graph's 2D input (posynda.camera.canonical_screen); a runtime in another
# language applies it with the camera's intrinsics fx, fy, cx, cy (the image size plays no part).
INPUT_NORMALIZATION = (
    "u' = F (u - cx) / fx, v' = F (v - cy) / fy with F = canonical_focal (pixels; the camera's intrinsics)"
)

# Detector joint orders a runtime in another language can convert to the model's skeleton by the
# rules carried in the metadata (``joint_orders``): H36M joint i = sum_k weights[k] * source[sources[k]].
PORTABLE_JOINT_ORDERS = ("coco", "blazepose33")

# How a runtime cuts a sequence into windows of T frames and reads poses back (posynda.data.windows).
WINDOWING = {
    "centred": "windows every stride frames (default T) plus one aligned to the end; a sequence shorter than T "
    "is one window, edge-padded and centred; overlapping frames are averaged (the end-aligned window only "
    "fills frames no other covers)",
    "causal": "one window per frame t holding frames t-T+1..t (frame 0 repeated before the start); frame t is "
    "the window's last frame (zero look-ahead); the window of frame t is window t of its sequence",
}

# Keys of a whole-sampler graph (``posynda export --sampler``).
SAMPLER_KEYS = ("sampler_steps", "sampler_hypotheses", "sampler_flip")


def runtime_metadata(checkpoint: Checkpoint) -> dict[str, str]:
    """Flat ``str -> str`` description of ``checkpoint`` for a runtime.

    Keys: ``posynda_version``, ``skeleton``, ``joint_names``, ``parents`` (JSON lists),
    ``window_frames`` (T), ``input_normalization`` (how pixels become the input), ``canonical_focal`` (its F),
    ``output_units`` (root-relative metres), ``denoiser`` and ``scheduler`` (JSON configs),
    ``root_joint``, ``flip_permutation`` (JSON list: the joint that lands on i when mirrored; x negated),
    ``joint_orders`` (JSON ``{order: [[sources, weights], ...]}``: detector orders -> this skeleton),
    ``noise`` (the sampler's noise, :data:`posynda.diffusion.NOISE_SPEC`),
    ``causal`` ("true": no output depends on a later frame; a runtime lifts frame t with the window that ends
    at it, edge-padded before the first frame, and reads that window's last frame: :data:`WINDOWING`),
    ``windowing`` (how frames are cut into windows and read back),
    ``source_checkpoint_sha256`` (when the checkpoint came from a file).
    """
    meta = {
        "posynda_version": __version__,
        "skeleton": SKELETON_NAME,
        "joint_names": json.dumps(list(H36M_JOINT_NAMES)),
        "parents": json.dumps(list(H36M_PARENTS)),
        "window_frames": str(checkpoint.config.frames),
        "input_normalization": INPUT_NORMALIZATION,
        "canonical_focal": repr(CANONICAL_FOCAL),
        "output_units": "root-relative metres, camera frame (x right, y down, z forward)",
        "denoiser": checkpoint.config.to_json(),
        "scheduler": json.dumps(checkpoint.diffusion.to_dict(), sort_keys=True),
        "root_joint": str(ROOT),
        "flip_permutation": json.dumps(list(FLIP_PERMUTATION)),
        "joint_orders": json.dumps(
            {name: [list(map(list, rule)) for rule in JOINT_ORDERS[name][1]] for name in PORTABLE_JOINT_ORDERS}
        ),
        "noise": NOISE_SPEC,
        "causal": "true" if checkpoint.config.causal else "false",
        "windowing": WINDOWING["causal" if checkpoint.config.causal else "centred"],
    }
    if checkpoint.path is not None:
        meta["source_checkpoint_sha256"] = sha256_file(checkpoint.path)
    return meta


def model_geometry(path, metadata: dict[str, str]) -> tuple[int, int, SchedulerConfig]:
    """``(window T, joints J, scheduler config)`` read back from runtime metadata.

    Raises:
        InputError: the metadata of ``path`` lacks or garbles one of them (not a posynda export).
    """
    try:
        frames = _integer(metadata, "window_frames", 1, MAX_WINDOW_FRAMES, path)
        denoiser = parse_json(metadata["denoiser"], f"{path}: metadata 'denoiser'", "JSON value", strict=True)
        joints = denoiser.get("joints")
        scheduler = parse_json(metadata["scheduler"], f"{path}: metadata 'scheduler'", "JSON value", strict=True)
        if not isinstance(scheduler, dict):
            raise TypeError("scheduler is not a JSON object")
        diffusion = SchedulerConfig(**scheduler)
    except InputError as exc:
        raise InputError(f"{path}: not a posynda export ({str(exc).removeprefix(f'{path}: ')})") from None
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: not a posynda export (runtime metadata incomplete: {exc})") from None
    if joints != MAX_JOINTS or isinstance(joints, bool):
        raise InputError(f"{path}: not a posynda export (metadata 'denoiser' joints is {joints!r}, expected 17)")
    _number(metadata, "canonical_focal", MIN_FOCAL_PX, MAX_FOCAL_PX, path)  # the C library reads it: refuse alike
    model_causal(metadata, path)
    return frames, joints, diffusion


def _number(metadata: dict[str, str], key: str, least: float, most: float, path) -> float:
    """The finite number ``metadata[key]`` in ``[least, most]`` (the C library's rule and words)."""
    text = metadata.get(key)
    try:
        value = float(text) if text is not None and len(text) <= 40 else math.nan
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and least <= value <= most):
        raise InputError(
            f"{path}: not a posynda export (metadata '{key}' must be a number in [{least:g}, {most:g}], "
            f"got {(text or '')[:40]!r})"
        )
    return value


def _integer(metadata: dict[str, str], key: str, least: int, most: int, path) -> int:
    """The decimal integer ``metadata[key]`` in ``[least, most]`` (InputError naming the key otherwise)."""
    text = metadata[key]
    if not (len(text) <= 12 and re.fullmatch(r"\s*\+?[0-9]+\s*", text)):
        raise InputError(f"{path}: metadata '{key}' must be an integer, got {text[:40]!r}")
    value = int(text)
    if not least <= value <= most:
        raise InputError(f"{path}: metadata '{key}' must be in [{least}, {most}], got {value}")
    return value


def model_causal(metadata: dict[str, str], path="the model") -> bool:
    """Whether the model of ``metadata`` is causal (key ``causal``; files without it are centred)."""
    value = metadata.get("causal", "false")
    if value not in ("true", "false"):
        raise InputError(f"{path}: metadata 'causal' must be true or false, got {value[:20]!r}")
    return value == "true"


def sampler_metadata(steps: int, hypotheses: int, flip: bool) -> dict[str, str]:
    """The keys a whole-sampler graph adds: K, H, flip, its (mean) aggregation and the noise layout."""
    values = (str(steps), str(hypotheses), "true" if flip else "false")
    return {
        **dict(zip(SAMPLER_KEYS, values)),
        "aggregation": "mean",
        "noise_shape": "[K+1, batch, H, T, J, 3] float32, N(0, 1); index 0 = x_T, k = z of step k",
    }


def sampler_settings(metadata: dict[str, str], path="the sampler graph") -> tuple[int, int, bool]:
    """``(K steps, H hypotheses, flip)`` baked into a whole-sampler graph (InputError naming ``path`` when a key is
    missing or out of range)."""
    try:
        steps = _integer(metadata, SAMPLER_KEYS[0], 1, MAX_STEPS, path)
        hypotheses = _integer(metadata, SAMPLER_KEYS[1], 1, MAX_HYPOTHESES, path)
        flip = metadata[SAMPLER_KEYS[2]]
    except KeyError as exc:
        raise InputError(f"{path}: not a posynda sampler export (no metadata {exc})") from None
    if flip not in ("true", "false"):
        raise InputError(f"{path}: metadata 'sampler_flip' must be true or false, got {flip[:20]!r}")
    return steps, hypotheses, flip == "true"
