"""Synthetic scenes for the output writers: people walking on a known floor seen by a known pitched camera,
and a LiftResult of them (no model needed)."""

import dataclasses

import numpy as np

from posynda.posefiles.floor import ANKLE_HEIGHT_MM
from posynda.runtime import LiftResult, SamplingSettings
from tests.helpers.clips import INTRINSICS, make_clips

# body-frame offsets (mm; x = the walker's left, y = forward, z = up) of an H36M skeleton standing upright
# with its feet together; the ankles are placed by the gait below
BODY = np.array(
    [
        [0, 0, 0],  # pelvis
        [-130, 0, -10],  # r_hip
        [-130, 20, -450],  # r_knee
        [0, 0, 0],  # r_ankle (gait)
        [130, 0, -10],  # l_hip
        [130, 20, -450],  # l_knee
        [0, 0, 0],  # l_ankle (gait)
        [0, -10, 230],  # spine
        [0, 0, 480],  # thorax
        [0, 40, 570],  # neck / nose
        [0, 10, 680],  # head
        [170, 0, 440],  # l_shoulder
        [200, 30, 170],  # l_elbow
        [210, 80, -80],  # l_wrist
        [-170, 0, 440],  # r_shoulder
        [-200, 30, 170],  # r_elbow
        [-210, 80, -80],  # r_wrist
    ],
    np.float64,
)
PELVIS_HEIGHT_MM = 920.0


def walk(frames=120, step_frames=15, radius=1500.0, step_mm=400.0, noise=0.0, seed=0):
    """World-frame poses ``[frames, 17, 3]`` (mm, z up, floor z = 0) of a walk along a circle's arc. Step k plants
    a foot (the right one for even k) on footprint k, its ankle ANKLE_HEIGHT_MM above the floor and still, while
    the other foot swings, lifted, from footprint k - 1 to k + 1."""
    rng = np.random.default_rng(seed)
    per_step = step_mm / radius  # arc angle of a step

    def along(angle):  # (centre on the arc [2], walking direction [2], the walker's left [2])
        return radius * np.array([np.sin(angle), 1 - np.cos(angle)]), np.array([np.cos(angle), np.sin(angle)])

    def footprint(k):
        centre, forward = along(k * per_step)
        left = np.array([-forward[1], forward[0]])
        side = -1.0 if k % 2 == 0 else 1.0
        return np.append(centre + side * 110.0 * left, ANKLE_HEIGHT_MM)

    poses = np.zeros((frames, 17, 3))
    for f in range(frames):
        k, phase = divmod(f, step_frames)
        s = phase / step_frames
        planted, swinging = (3, 6) if k % 2 == 0 else (6, 3)
        poses[f, planted] = footprint(k)
        poses[f, swinging] = (1 - s) * footprint(k - 1) + s * footprint(k + 1) + [0, 0, 90.0 * np.sin(np.pi * s)]
        _, forward = along((k + s) * per_step)
        left = np.array([-forward[1], forward[0], 0.0])
        axes = np.stack([left, np.append(forward, 0.0), [0.0, 0.0, 1.0]], axis=1)  # body (left, forward, up)
        root = np.append(poses[f, [3, 6], :2].mean(axis=0), PELVIS_HEIGHT_MM)
        for j in range(17):
            if j not in (3, 6):
                poses[f, j] = root + axes @ BODY[j]
    return poses + rng.normal(scale=noise, size=poses.shape)


def camera_looking_at(target, height, pitch_deg, roll_deg=0.0, distance=4500.0):
    """``(rotation world->camera [3, 3] (rows: camera x, y, z in world), position [3])`` of a camera ``height`` mm
    above the floor, pitched down by ``pitch_deg`` and rolled by ``roll_deg`` about its optical axis, ``distance``
    mm from ``target`` along the floor, looking along world +y."""
    p, r = np.radians(pitch_deg), np.radians(roll_deg)
    forward = np.array([0.0, np.cos(p), -np.sin(p)])
    right = np.array([1.0, 0.0, 0.0])
    down = np.cross(forward, right)
    right, down = np.cos(r) * right + np.sin(r) * down, -np.sin(r) * right + np.cos(r) * down
    position = np.array([target[0], target[1] - distance, height])
    return np.stack([right, down, forward]), position


def to_camera(world, rotation, position):
    return (world - position) @ rotation.T


def scene(frames=120, pitch=20.0, roll=4.0, height=1600.0, noise=8.0, seed=0):
    """``(camera-frame poses [F, 17, 3] mm, rotation, position)`` of :func:`walk` under a pitched camera."""
    world = walk(frames, noise=noise, seed=seed)
    rotation, position = camera_looking_at(world[:, 0].mean(axis=0), height, pitch, roll)
    return to_camera(world, rotation, position), rotation, position


def lift_result(absolute_mm, clips=None):
    """A LiftResult holding ``absolute_mm [N, 17, 3]`` (camera frame) and its root-relative poses."""
    absolute = np.asarray(absolute_mm, np.float32)
    return LiftResult(absolute - absolute[:, :1], absolute, "test (cpu)", SamplingSettings(seed=7), 0.5)


def scene_clips(lengths=(70, 50), fps=None, **kwargs):
    """``(clips, result)``: sequences of one walk under one pitched camera (one floor), as a lift of them;
    ``fps`` per sequence (None: unknown)."""
    poses, _, _ = scene(frames=sum(lengths), **kwargs)
    clips = make_clips(lengths)
    fps_arr = np.array([np.nan if f is None else f for f in fps or (None,) * len(lengths)], np.float32)
    clips = dataclasses.replace(
        clips, joints_3d=poses.astype(np.float32), camera=np.tile(INTRINSICS, (len(lengths), 1)), fps=fps_arr
    )
    return clips, lift_result(poses)
