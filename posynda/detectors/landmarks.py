"""BlazePose's full landmark model on one person's region: 33 keypoints in image pixels, their scores, the
pose flag, and BlazePose's own 3D (world landmarks).

The region (:class:`~posynda.detectors.crops.Region`) is cut out as a 256 x 256 RGB crop in [0, 1] (zero
outside the image). Out come 39 landmarks -- the 33 of :data:`posynda.skeleton.BLAZEPOSE33_JOINT_NAMES`, then
the mid-hip (33) and the point above the head (34) that place the next frame's region, and four more -- each
``x, y`` in crop pixels, ``z``, and the logits of visibility and presence; the pose flag (the probability
that a person fills the crop); and 39 world landmarks in metres, origin between the hips, axes of the crop,
turned here by the region's rotation into the image's (x right, y down, z away from the camera) as MediaPipe's
``WorldLandmarkProjectionCalculator`` does. MediaPipe's heatmap refinement and its one-euro smoothing are
not applied: the lifter smooths over time itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posynda.detectors.crops import Region, aligned_region, crop_transform, to_image, warp

INPUT_SIDE = 256
NUM_KEYPOINTS = 33
_HIP, _ABOVE_HEAD = 33, 34  # the alignment landmarks of the next region


@dataclass(frozen=True)
class Landmarks:
    """One person's landmarks in one frame.

    Attributes:
        keypoints: ``[33, 2]`` image pixels.
        visibility: ``[33]`` in [0, 1] (the keypoint's score).
        presence: ``[33]`` in [0, 1] (the keypoint is inside the image).
        world: ``[33, 3]`` BlazePose's own 3D, metres, origin between the hips, image axes.
        flag: the pose flag in [0, 1].
        region: the region the landmarks were found in.
        next_region: the region they place for the next frame.
    """

    keypoints: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray
    flag: float
    region: Region
    next_region: Region


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60.0, 60.0)))


def landmark_input(image: np.ndarray, region: Region) -> tuple[np.ndarray, np.ndarray]:
    """``(tensor [1, 256, 256, 3] float32 in [0, 1], transform [2, 3] crop px -> image px)``."""
    transform = crop_transform(region, INPUT_SIDE)
    return (warp(image, transform, INPUT_SIDE, INPUT_SIDE) / 255.0)[None].astype(np.float32), transform


def decode(raw: np.ndarray, flag: float, world: np.ndarray, region: Region, transform: np.ndarray) -> Landmarks:
    """:class:`Landmarks` from the model's outputs ``[195]``, the flag and ``[117]``."""
    points = raw.reshape(39, 5).astype(np.float64)
    image_points = to_image(points[:, :2], transform)
    c, s = math.cos(region.rotation), math.sin(region.rotation)
    world = world.reshape(39, 3).astype(np.float64)
    turned = np.stack([c * world[:, 0] - s * world[:, 1], s * world[:, 0] + c * world[:, 1], world[:, 2]], -1)
    return Landmarks(
        keypoints=image_points[:NUM_KEYPOINTS],
        visibility=_sigmoid(points[:NUM_KEYPOINTS, 3]),
        presence=_sigmoid(points[:NUM_KEYPOINTS, 4]),
        world=turned[:NUM_KEYPOINTS],
        flag=float(flag),
        region=region,
        next_region=aligned_region(image_points[_HIP], image_points[_ABOVE_HEAD]),
    )


def find_landmarks(session, image: np.ndarray, region: Region) -> Landmarks:
    """The landmarks ONNX Runtime's ``session`` of the landmark model finds in ``region`` of an RGB ``image``."""
    tensor, transform = landmark_input(image, region)
    raw, flag, world = session.run(None, {session.get_inputs()[0].name: tensor})
    return decode(raw[0], float(np.asarray(flag).reshape(-1)[0]), world[0], region, transform)
