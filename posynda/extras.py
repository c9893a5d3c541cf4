"""The optional stacks and the extra that installs each: one line naming ``pip install 'posynda[...]'``.

posynda imports its heavy optional libraries inside the functions that use them. Before such a
function does any work it calls :func:`require`, which looks the module up without importing it and
raises :class:`MissingExtra` (an :class:`~posynda.errors.InputError`: exit code 2, one line) when it is
not installed. The command line also maps any ``ModuleNotFoundError`` of a module in :data:`EXTRAS`
to the same line (:func:`missing_extra_message`), so a path that forgot to ask still says what to do.
"""

from __future__ import annotations

import importlib.util

from posynda.errors import InputError

# top-level module -> (extra that installs it, what it is)
EXTRAS: dict[str, tuple[str, str]] = {
    "onnx": ("export", "ONNX"),
    "onnxruntime": ("export", "ONNX Runtime"),
    "peft": ("adapt", "peft (LoRA adapters)"),
    "matplotlib": ("viz", "matplotlib"),
    "PIL": ("viz", "Pillow"),
    "imageio_ffmpeg": ("video", "imageio-ffmpeg (ffmpeg for video)"),
    "mediapipe": ("video", "MediaPipe (where the BlazePose models come from)"),
    "tflite": ("video", "tflite (reading the BlazePose models)"),
    "tensorrt": ("gpu", "TensorRT (NVIDIA GPUs)"),
    "triton": ("gpu", "Triton (NVIDIA GPUs)"),
}


class MissingExtra(InputError):
    """An optional library is not installed; the message names the extra that installs it."""


def missing_extra_message(module: str, purpose: str | None = None) -> str | None:
    """``"<purpose> needs <what>: pip install 'posynda[<extra>]'"`` for a module of :data:`EXTRAS` (its
    top-level package), else None."""
    top = module.split(".")[0]
    if top not in EXTRAS:
        return None
    extra, what = EXTRAS[top]
    return f"{purpose or 'this'} needs {what}: pip install 'posynda[{extra}]'"


def installed(module: str) -> bool:
    """Whether ``module`` can be imported (looked up, not imported)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a half-initialised module
        return False


def require(*modules: str, purpose: str) -> None:
    """Raise :class:`MissingExtra` for the first of ``modules`` that is not installed, naming ``purpose``
    (e.g. "posynda export") and the extra to install."""
    for module in modules:
        if not installed(module):
            raise MissingExtra(missing_extra_message(module, purpose) or f"{purpose} needs {module}")
