"""For the --viz tests: a gradient background the size of a clip's image, GIF frames read back."""

import numpy as np


def gradient(width: int, height: int) -> np.ndarray:
    """``[H, W, 3]`` uint8: red grows to the right, green downwards, blue constant."""
    yy, xx = np.mgrid[0:height, 0:width]
    return np.stack([xx * 255 // max(width - 1, 1), yy * 255 // max(height - 1, 1), np.full_like(xx, 90)], -1).astype(
        np.uint8
    )


def gif_frames(path):
    """``(frames [F, H, W, 3] uint8, durations ms)`` of a GIF (Pillow)."""
    from PIL import Image

    frames, durations = [], []
    with Image.open(path) as im:
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB")))
            durations.append(im.info["duration"])
    return np.stack(frames), durations
