"""Video files to detect people in: the mannequin (posynda's own renderer) and a real photograph, panned."""

import numpy as np
import pytest

from posynda import camera

VIDEO_SIZE = (320, 240)  # small, even (H.264); BlazePose still finds the mannequin at 60 % of the height


def mannequin_motion(frames: int = 24) -> np.ndarray:
    """``[frames, 17, 3]`` camera-frame mm: the first frames of the embedded wild/test's first sequence."""
    from posynda.data import load_clips
    from posynda.defaults import default_clips_path

    clips = load_clips(default_clips_path("wild", "test"))
    return clips.joints_3d[:frames].astype(np.float64)


def film_mannequin(path, frames: int = 24, size=VIDEO_SIZE, fps: float = 25.0, blank=(0, 0)):
    """Film :func:`mannequin_motion` as a mannequin video at ``path``; ``blank = (first, last)`` frames replace
    the person by the empty background at either end. Returns ``(true 2D [frames, 17, 2] px, intrinsics [9])``."""
    from posynda.data.footage import BACKGROUND, framing_camera, render_mannequin
    from posynda.data.video import write_video

    joints = mannequin_motion(frames)
    cam = framing_camera(joints, size)
    empty = np.full((size[1], size[0], 3), BACKGROUND, np.uint8)
    pictures = [
        empty if t < blank[0] or t >= frames - blank[1] else frame
        for t, frame in enumerate(render_mannequin(joints, cam, size))
    ]
    write_video(path, pictures, fps, size)
    return camera.project(joints, cam.astype(np.float64)), cam


def film_astronaut(path, frames: int = 6, fps: float = 25.0):
    """A short video of scikit-image's bundled photograph of astronaut Eileen Collins (512x512, head to
    waist), panning a few pixels a frame; skips the test without scikit-image."""
    data = pytest.importorskip("skimage.data")
    from posynda.data.video import write_video

    image = data.astronaut()
    write_video(path, [np.roll(image, 3 * t, axis=1) for t in range(frames)], fps, (512, 512))
    return path


def needs_blazepose():
    """Skip without mediapipe (the [video] extra; no wheel for Python >= 3.13)."""
    pytest.importorskip("mediapipe")
