"""Embedded synthetic domains: procedural human motion seen by procedural cameras.

The default data of every posynda command, generated in seconds, deterministic by seed, with no
download. Two domains with a camera shift *and* a pose shift:

* ``studio`` (Human3.6M-like source): four static cameras around a capture area, about 1.5 m
  high and 4.5-6 m away, f ~ 1145 px, 1000x1000 images, mild H36M-like lens distortion; mostly
  walking, waving, turning, reaching and sitting.
* ``wild`` (MPI-INF-3DHP / in-the-wild-like target): one camera per sequence with f 700-1500 px,
  2048x2048 or 1920x1080 images, height 0.3-2.5 m, distance 2.5-8 m, pitch and roll, the subject
  off-centre; mostly squats, jumps, runs, bends, kicks, reaching and sitting.

Model of a person: an H36M-17 kinematic skeleton whose bone lengths come from the subject's body
height (1.50-1.95 m) and per-segment proportions (+-4 %); train and test splits draw different
subjects. Joint angles (hip flexion/abduction, knee, spine bend/lean/twist, shoulder
flexion/abduction, elbow, neck) are smooth functions of time per activity, with per-subject style
(cadence, amplitudes) and slow random drift, clamped to anatomical limits (knees and elbows bend
one way only). Forward kinematics gives body-frame joints; the body is then placed on the floor
(lowest ankle at ankle height, except while airborne in a jump), turned to its heading and moved
along its floor trajectory. World frame: metres, y up, floor y = 0.
"""

from __future__ import annotations

import zlib
from typing import Literal, get_args

import numpy as np

from posynda.data.clips import ClipSet
from posynda.data.rigs import detections, studio_cameras, to_camera_mm, wild_camera
from posynda.data.synth_body import Subject, activity_angles, forward_kinematics, limit_angles, smooth_noise
from posynda.errors import InputError

GENERATOR_VERSION = 1
Domain = Literal["studio", "wild"]
Split = Literal["train", "test"]
DOMAINS: tuple[str, ...] = get_args(Domain)
SPLITS: tuple[str, ...] = get_args(Split)
# A wild camera draw that misses the subject is retried; after this many misses the motion is
# re-drawn in a smaller area, and after MAX_MOTION_DRAWS motions the generator gives up.
MAX_MOTION_DRAWS = 50
ACTIVITIES = ("walk", "run", "squat", "reach", "wave", "jump", "turn", "sit", "bend", "kick")
ANKLE_HEIGHT = 0.08  # m, ankle joint above the floor when standing

# Activity mix per domain (probabilities over ACTIVITIES).
MIX = {
    "studio": {
        "walk": 0.30,
        "wave": 0.15,
        "turn": 0.15,
        "reach": 0.15,
        "sit": 0.15,
        "squat": 0.04,
        "jump": 0.03,
        "run": 0.03,
    },
    "wild": {
        "squat": 0.20,
        "jump": 0.15,
        "run": 0.13,
        "bend": 0.12,
        "kick": 0.10,
        "reach": 0.10,
        "sit": 0.10,
        "walk": 0.06,
        "wave": 0.04,
    },
}

# Split layout: subjects, sequences per subject, frames per sequence (min, max), fps.
LAYOUT = {
    ("studio", "train"): dict(subjects=5, sequences=8, frames=(400, 600), fps=50.0),
    ("studio", "test"): dict(subjects=2, sequences=6, frames=(350, 500), fps=50.0),
    ("wild", "train"): dict(subjects=8, sequences=10, frames=(350, 600), fps=None),
    ("wild", "test"): dict(subjects=6, sequences=2, frames=(300, 500), fps=None),
}


def _rot_y(theta: np.ndarray) -> np.ndarray:
    c, s = np.cos(theta), np.sin(theta)
    r = np.zeros(theta.shape + (3, 3))
    r[..., 0, 0], r[..., 0, 2], r[..., 1, 1], r[..., 2, 0], r[..., 2, 2] = c, s, 1, -s, c
    return r


def world_motion(activity: str, subj: Subject, n: int, fps: float, area: float, rng: np.random.Generator) -> np.ndarray:
    """World-frame joints ``[n, 17, 3]`` (m, y up, floor at 0) of one activity clip."""
    t = np.arange(n) / fps
    ang = limit_angles(activity_angles(activity, t, subj, rng))
    body = forward_kinematics(ang, subj.bones)
    # feet on the ground: lowest ankle at ankle height, plus the jump/run flight height
    ground = ANKLE_HEIGHT - body[:, [3, 6], 1].min(axis=1) + ang["lift"]
    heading = rng.uniform(0, 2 * np.pi) + np.cumsum(ang["turn_rate"] + smooth_noise(rng, n, fps, 0.25)) / fps
    start = rng.uniform(-area, area, 2) * 0.5
    position = np.zeros((n, 2))
    position[0] = start
    for i in range(1, n):  # steer back towards the centre when leaving the area (cheap: n ~ 500)
        pos = position[i - 1]
        if np.linalg.norm(pos) > area:
            heading[i:] += 0.08 * np.sign(np.sin(np.arctan2(-pos[0], -pos[1]) - heading[i - 1]) + 1e-9)
        step = ang["speed"][i] / fps
        position[i] = pos + step * np.array([np.sin(heading[i]), np.cos(heading[i])])
    world = np.einsum("nij,nkj->nki", _rot_y(heading), body)
    world[..., 1] += ground[:, None]
    world[..., 0] += position[:, None, 0]
    world[..., 2] += position[:, None, 1]
    return world


def _wild_take(activity: str, subj: Subject, n: int, fps: float, rng: np.random.Generator):
    """World motion and a wild camera that sees it: the first motion in a 0.8 m area, re-drawn in a
    0.5 m area while the camera draws miss, at most ``MAX_MOTION_DRAWS`` motions in all."""
    world = world_motion(activity, subj, n, fps, area=0.8, rng=rng)
    for _ in range(MAX_MOTION_DRAWS):
        cam = wild_camera(world, rng)
        if cam is not None:
            return world, cam
        world = world_motion(activity, subj, n, fps, area=0.5, rng=rng)
    raise RuntimeError(
        f"no wild camera sees the {activity!r} motion after {MAX_MOTION_DRAWS} motion draws "
        "(the camera ranges of wild_camera cannot frame it)"
    )


# ---------------------------------------------------------------------------------- the splits
def _rng(domain: str, split: str, seed: int | None) -> np.random.Generator:
    key = zlib.crc32(f"posynda-synth/{domain}/{split}".encode())
    return np.random.default_rng([key, 0 if seed is None else int(seed) + 1])


def generate(domain: Domain, split: Split, seed: int | None = None, scale: float = 1.0) -> ClipSet:
    """Generate one embedded split as a ClipSet (joints_3d = camera-frame absolute mm).

    Args:
        domain: "studio" or "wild".
        split: "train" or "test" (different subjects).
        seed: None for the canonical split; any int for another draw of it.
        scale: multiplies the number of sequences per subject (at least one sequence is made).
    """
    if domain not in DOMAINS:
        raise InputError(f"unknown domain {domain!r}; choose one of {DOMAINS}")
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}; choose one of {SPLITS}")
    layout = LAYOUT[(domain, split)]
    rng = _rng(domain, split, seed)
    mix = MIX[domain]
    names, probs = list(mix), np.array(list(mix.values()))
    probs = probs / probs.sum()
    per_subject = max(1, int(round(layout["sequences"] * scale)))
    kps, confs, joints, seq_cams, sizes, fps_list, seq_names = [], [], [], [], [], [], []
    for s in range(layout["subjects"]):
        subj = Subject.draw(rng)
        for q in range(per_subject):
            activity = str(rng.choice(names, p=probs))
            fps = layout["fps"] or float(rng.choice([25.0, 50.0]))
            n = int(rng.integers(*layout["frames"]))
            if domain == "studio":
                world = world_motion(activity, subj, n, fps, area=1.2, rng=rng)
                cams = [(c, f"cam{k}") for k, c in enumerate(studio_cameras(rng))]
            else:
                world, cam = _wild_take(activity, subj, n, fps, rng)
                cams = [(cam, "")]
            for (intr, rot, pos, size), cam_name in cams:
                j3d = to_camera_mm(world, rot, pos)
                sigma, drop = (1.5, 0.0) if domain == "studio" else (3.0, 0.01)
                kp, conf = detections(j3d, intr, sigma, drop, rng)
                kps.append(kp)
                confs.append(conf)
                joints.append(j3d.astype(np.float32))
                seq_cams.append(intr)
                sizes.append(size)
                fps_list.append(fps)
                if domain == "studio":
                    seq_names.append(f"studio/{split}/S{s + 1}/{activity}_{q + 1}.{cam_name}")
                else:
                    tag = "TS" if split == "test" else "S"
                    seq_names.append(f"wild/{split}/{tag}{s + 1}/{activity}_{q + 1}")
    counts = [len(k) for k in kps]
    valid = None
    if split == "test":  # a few short invalid runs, like 3DHP's valid-frame mask
        valid = np.ones(sum(counts), bool)
        starts = rng.integers(0, sum(counts), size=max(1, sum(counts) // 400))
        for st in starts:
            valid[st : st + int(rng.integers(3, 15))] = False
    return ClipSet(
        keypoints_2d=np.concatenate(kps),
        seq_index=np.repeat(np.arange(len(counts)), counts).astype(np.int32),
        camera=np.asarray(seq_cams, np.float32),
        image_size=np.asarray(sizes, np.int32),
        confidence=np.concatenate(confs),
        joints_3d=np.concatenate(joints),
        fps=np.asarray(fps_list, np.float32),
        seq_name=np.asarray(seq_names),
        valid=valid,
    )
