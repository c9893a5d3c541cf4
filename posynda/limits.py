"""The bounds of every size and setting posynda reads from a file or a caller, in one place.

A model file, a clip file or a command line can ask for any number; these bounds keep each request
far above real use and far below what would exhaust a machine. The C library enforces the same
numbers (``libposynda/src/limits.hpp``; ``tests/test_limits.py`` compares the two files), so a file
refused here is refused there with the same words.
"""

from __future__ import annotations

MAX_WINDOW_FRAMES = 2048  # T of a model (the paper's MixSTE: 243)
MAX_JOINTS = 17  # the skeleton every runtime lifts to (Human3.6M-17)
MAX_HYPOTHESES = 100  # H (D3DP reports up to 20)
MAX_STEPS = 1000  # K DDIM steps (at most the schedule's timesteps)
MAX_BATCH = 4096  # windows or clips per denoiser call
MAX_TRAIN_TIMESTEPS = 100_000  # T of the diffusion schedule (1000 in the paper)
MAX_CLIP_SAMPLE = 100.0  # the scheduler's clamp, model units (D3DP: 1.1)
MAX_IMAGE_SIDE = 32768  # pixels per side of an image (16K video is 15360 wide)
MIN_FOCAL_PX = 1.0  # focal lengths in pixels (a real camera's are tens to thousands)
MAX_FOCAL_PX = 1.0e7
MAX_SEQUENCE_FRAMES = 100_000_000  # frames of one lifted sequence (about 23 days at 50 fps)
MAX_FPS = 1000.0  # frames per second of a sequence (video is 24-240; a root window counts frames by it)
MAX_ROOT_WINDOW_S = 10.0  # seconds of the running median of a root's depth (posynda.runtime.root_depth)
MAX_MODEL_WIDTH = 8192  # a denoiser's channels / embedding width (the paper's MixSTE: 512)
MAX_MODEL_DEPTH = 128  # its blocks, heads, filter widths (the paper's: 8 + 8 blocks, 8 heads)


def in_range(value, least, most) -> bool:
    """Whether ``value`` is a finite number in ``[least, most]`` (NaN and infinities are not)."""
    try:
        return least <= value <= most
    except TypeError:
        return False
