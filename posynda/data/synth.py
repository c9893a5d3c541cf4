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
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from posynda.data.clips import ClipSet
from posynda.data.rigs import detections, studio_cameras, to_camera_mm, unit, wild_camera
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

# Bone lengths (m) of a 1.75 m reference body.
REFERENCE_BONES = dict(
    hip_width=0.13,
    thigh=0.45,
    shin=0.44,
    spine=0.23,
    chest=0.25,
    neck=0.13,
    head=0.11,
    shoulder_width=0.16,
    upper_arm=0.28,
    forearm=0.25,
)


# ----------------------------------------------------------------------------------- subjects
@dataclass
class Subject:
    """Body size and movement style of one synthetic person."""

    bones: dict
    cadence: float  # gait frequency multiplier
    amplitude: float  # joint-angle amplitude multiplier
    arm_style: float  # arm-swing multiplier

    @classmethod
    def draw(cls, rng: np.random.Generator) -> "Subject":
        height = rng.uniform(1.50, 1.95)
        bones = {k: v * height / 1.75 * rng.uniform(0.96, 1.04) for k, v in REFERENCE_BONES.items()}
        return cls(bones, rng.uniform(0.85, 1.15), rng.uniform(0.8, 1.2), rng.uniform(0.6, 1.4))


# --------------------------------------------------------------------------------- activities
def _smooth_noise(rng: np.random.Generator, n: int, fps: float, scale: float, knot_s: float = 0.6) -> np.ndarray:
    """Slow random drift ``[n]``: Gaussian knots every ``knot_s`` seconds, linearly interpolated, smoothed."""
    knots = max(2, int(n / fps / knot_s) + 2)
    values = rng.normal(0, scale, knots)
    drift = np.interp(np.arange(n), np.linspace(0, n - 1, knots), values)
    width = max(1, int(fps * knot_s / 2))
    kernel = np.ones(width) / width
    return np.convolve(np.pad(drift, (width, width), mode="edge"), kernel, mode="same")[width:-width]


def _cycle(t: np.ndarray, period: float, phase: float = 0.0) -> np.ndarray:
    """0 -> 1 -> 0 smooth cycle ``(1 - cos) / 2`` with the given period (s)."""
    return 0.5 * (1 - np.cos(2 * np.pi * t / period + phase))


def activity_angles(activity: str, t: np.ndarray, subj: Subject, rng: np.random.Generator) -> dict:
    """Joint angles (radians) over time ``t [n]`` (s) and floor motion for one activity.

    Returns a dict of ``[n]`` arrays: hip_flex_l/r, hip_abd_l/r, knee_l/r, spine_bend, spine_lean,
    twist, sh_flex_l/r, sh_abd_l/r, elbow_l/r, neck, plus ``speed`` (m/s along the heading),
    ``turn_rate`` (rad/s) and ``lift`` (m above the floor contact, for jumps).
    """
    n, a = len(t), subj.amplitude
    z = np.zeros(n)
    ang = {
        k: z.copy()
        for k in (
            "hip_flex_l",
            "hip_flex_r",
            "hip_abd_l",
            "hip_abd_r",
            "knee_l",
            "knee_r",
            "spine_bend",
            "spine_lean",
            "twist",
            "sh_flex_l",
            "sh_flex_r",
            "sh_abd_l",
            "sh_abd_r",
            "elbow_l",
            "elbow_r",
            "neck",
            "speed",
            "turn_rate",
            "lift",
        )
    }
    ang["sh_abd_l"] += 0.12
    ang["sh_abd_r"] += 0.12
    ang["elbow_l"] += 0.25
    ang["elbow_r"] += 0.25
    phase0 = rng.uniform(0, 2 * np.pi)
    if activity in ("walk", "run", "turn"):
        fast = activity == "run"
        freq = subj.cadence * (1.45 if fast else 0.92) * (0.55 if activity == "turn" else 1.0)
        phi = 2 * np.pi * freq * t + phase0
        hip_amp = a * (0.65 if fast else 0.38) * (0.35 if activity == "turn" else 1.0)
        for side, sgn in (("l", 1.0), ("r", -1.0)):
            s = np.sin(phi if sgn > 0 else phi + np.pi)
            ang[f"hip_flex_{side}"] = hip_amp * s + (0.25 if fast else 0.05)
            swing = np.clip(np.sin((phi if sgn > 0 else phi + np.pi) + 1.3), 0, None)
            ang[f"knee_{side}"] = (0.15 if fast else 0.08) + a * (1.5 if fast else 0.65) * swing**1.5
            ang[f"sh_flex_{side}"] = -subj.arm_style * (0.55 if fast else 0.3) * s
            ang[f"elbow_{side}"] = (1.45 if fast else 0.35) + 0.15 * s
        ang["spine_bend"] += 0.18 if fast else 0.04
        ang["twist"] = 0.12 * np.sin(phi)
        ang["speed"] += (subj.cadence * (3.0 if fast else 1.3)) if activity != "turn" else 0.0
        ang["turn_rate"] += rng.choice([-1, 1]) * rng.uniform(1.0, 1.8) if activity == "turn" else 0.0
        ang["lift"] = 0.07 * np.clip(np.sin(2 * phi), 0, None) if fast else z  # flight phases of a run
    elif activity == "squat":
        s = _cycle(t, rng.uniform(2.0, 3.2) / subj.cadence, phase0)
        depth = a * rng.uniform(1.4, 2.0)
        for side in "lr":
            ang[f"knee_{side}"] = depth * s
            ang[f"hip_flex_{side}"] = 0.85 * depth * s
            ang[f"hip_abd_{side}"] += 0.15 * s
            ang[f"sh_flex_{side}"] = 1.3 * s
            ang[f"elbow_{side}"] = 0.2 + 0.2 * s
        ang["spine_bend"] = 0.45 * s
    elif activity == "sit":
        s = np.clip(1.6 * _cycle(t, rng.uniform(4.0, 6.0), phase0) - 0.3, 0, 1)
        for side in "lr":
            ang[f"knee_{side}"] = 1.5 * s
            ang[f"hip_flex_{side}"] = 1.45 * s
            ang[f"sh_flex_{side}"] = 0.35 * s
            ang[f"elbow_{side}"] = 0.3 + 0.9 * s
        lean = np.clip(np.gradient(s) * 40, -1, 1)
        ang["spine_bend"] = 0.1 + 0.35 * np.abs(lean)
    elif activity == "reach":
        period = rng.uniform(1.8, 3.0) / subj.cadence
        for side, ph in (("l", 0.0), ("r", np.pi)):
            s = _cycle(t, period, phase0 + ph)
            ang[f"sh_flex_{side}"] = a * rng.uniform(1.8, 2.7) * s
            ang[f"sh_abd_{side}"] = 0.12 + 0.3 * s
            ang[f"elbow_{side}"] = 0.2 + 0.4 * (1 - s)
        ang["spine_lean"] = 0.15 * np.sin(2 * np.pi * t / period + phase0)
        ang["hip_flex_l"] = ang["hip_flex_r"] = 0.05 + z
    elif activity == "wave":
        side = rng.choice(["l", "r"])
        raise_s = np.clip(2 * _cycle(t, rng.uniform(4.0, 7.0), phase0), 0, 1)
        ang[f"sh_abd_{side}"] = 0.12 + a * 1.35 * raise_s
        ang[f"sh_flex_{side}"] = 0.4 * raise_s
        ang[f"elbow_{side}"] = 0.4 + raise_s * (1.1 + 0.45 * np.sin(2 * np.pi * rng.uniform(1.2, 2.0) * t))
        ang["spine_lean"] = 0.05 * raise_s * (1 if side == "r" else -1)
    elif activity == "jump":
        period = rng.uniform(1.6, 2.4) / subj.cadence
        u = (t / period + phase0 / (2 * np.pi)) % 1.0  # 0..1 per jump cycle
        crouch = np.exp(-(((u - 0.25) / 0.08) ** 2)) + 0.7 * np.exp(-(((u - 0.8) / 0.07) ** 2))
        air = (u > 0.35) & (u < 0.7)
        flight = np.where(air, np.sin(np.pi * (u - 0.35) / 0.35), 0.0)
        for side in "lr":
            ang[f"knee_{side}"] = a * 1.3 * crouch + 0.35 * flight
            ang[f"hip_flex_{side}"] = a * 1.0 * crouch + 0.25 * flight
            ang[f"sh_flex_{side}"] = 2.3 * flight - 0.6 * crouch
            ang[f"elbow_{side}"] = 0.3 + 0.3 * crouch
        ang["spine_bend"] = 0.45 * crouch
        ang["lift"] = a * rng.uniform(0.25, 0.45) * flight
    elif activity == "bend":
        s = _cycle(t, rng.uniform(2.5, 4.0) / subj.cadence, phase0)
        ang["spine_bend"] = a * rng.uniform(1.1, 1.45) * s
        for side in "lr":
            ang[f"hip_flex_{side}"] = 0.35 * s
            ang[f"knee_{side}"] = 0.15 * s
            ang[f"sh_flex_{side}"] = 1.2 * s  # arms hang towards the floor
            ang[f"elbow_{side}"] = 0.15 + z
        ang["neck"] = -0.3 * s
    elif activity == "kick":
        period = rng.uniform(1.4, 2.2) / subj.cadence
        leg = rng.choice(["l", "r"])
        u = (t / period + phase0 / (2 * np.pi)) % 1.0
        chamber = np.exp(-(((u - 0.35) / 0.1) ** 2))
        extend = np.exp(-(((u - 0.55) / 0.09) ** 2))
        ang[f"hip_flex_{leg}"] = a * (1.2 * chamber + 1.5 * extend)
        ang[f"knee_{leg}"] = 1.8 * chamber + 0.1 * extend
        for side in "lr":
            ang[f"sh_abd_{side}"] = 0.5 + 0.4 * (chamber + extend)
            ang[f"elbow_{side}"] = 1.2 + z
        ang["spine_bend"] = -0.2 * extend
        ang["twist"] = 0.25 * extend * (1 if leg == "l" else -1)
    else:  # pragma: no cover - guarded by ACTIVITIES
        raise ValueError(activity)
    fps = 1.0 / max(t[1] - t[0], 1e-6) if n > 1 else 50.0
    for key, scale in (
        ("spine_bend", 0.05),
        ("twist", 0.05),
        ("neck", 0.08),
        ("sh_flex_l", 0.12),
        ("sh_flex_r", 0.12),
        ("sh_abd_l", 0.08),
        ("sh_abd_r", 0.08),
        ("hip_abd_l", 0.04),
        ("hip_abd_r", 0.04),
        ("elbow_l", 0.1),
        ("elbow_r", 0.1),
    ):
        ang[key] = ang[key] + _smooth_noise(rng, n, fps, scale)
    return ang


# Anatomical limits (radians), applied after style and drift.
LIMITS = {
    "knee": (0.0, 2.4),
    "elbow": (0.0, 2.6),
    "hip_flex": (-0.6, 2.3),
    "hip_abd": (-0.3, 0.8),
    "sh_flex": (-1.0, 3.0),
    "sh_abd": (0.0, 2.8),
    "spine_bend": (-0.4, 1.5),
    "spine_lean": (-0.5, 0.5),
    "twist": (-0.7, 0.7),
    "neck": (-0.7, 0.7),
}


def limit_angles(ang: dict) -> dict:
    out = dict(ang)
    for key, value in ang.items():
        base = key[:-2] if key.endswith(("_l", "_r")) else key
        if base in LIMITS:
            out[key] = np.clip(value, *LIMITS[base])
    return out


def forward_kinematics(ang: dict, bones: dict) -> np.ndarray:
    """Body-frame joints ``[n, 17, 3]`` (m; pelvis at the origin, x = subject's left, y up, z forward)."""
    n = len(ang["knee_l"])
    out = np.zeros((n, 17, 3))
    ones = np.ones(n)
    # legs: 1 r_hip, 2 r_knee, 3 r_ankle, 4 l_hip, 5 l_knee, 6 l_ankle
    for side, sgn, (hip, knee, ankle) in (("r", -1.0, (1, 2, 3)), ("l", 1.0, (4, 5, 6))):
        flex, abd, kn = ang[f"hip_flex_{side}"], ang[f"hip_abd_{side}"], ang[f"knee_{side}"]
        out[:, hip] = np.stack([sgn * bones["hip_width"] * ones, 0 * ones, 0 * ones], -1)
        thigh = np.stack([sgn * np.sin(abd), -np.cos(abd) * np.cos(flex), np.cos(abd) * np.sin(flex)], -1)
        shin = np.stack([sgn * np.sin(abd), -np.cos(abd) * np.cos(flex - kn), np.cos(abd) * np.sin(flex - kn)], -1)
        out[:, knee] = out[:, hip] + bones["thigh"] * unit(thigh)
        out[:, ankle] = out[:, knee] + bones["shin"] * unit(shin)
    # trunk: 7 spine, 8 thorax, 9 neck/nose, 10 head
    bend, lean = ang["spine_bend"], ang["spine_lean"]
    up = unit(np.stack([np.sin(lean), np.cos(bend) * np.cos(lean), np.sin(bend) * np.cos(lean)], -1))
    out[:, 7] = bones["spine"] * up
    out[:, 8] = out[:, 7] + bones["chest"] * up
    head_bend = bend + ang["neck"]
    head_dir = unit(np.stack([np.sin(lean), np.cos(head_bend), np.sin(head_bend) + 0.25], -1))
    out[:, 9] = out[:, 8] + bones["neck"] * head_dir
    out[:, 10] = out[:, 9] + bones["head"] * unit(np.stack([np.sin(lean), np.cos(head_bend), np.sin(head_bend)], -1))
    # shoulders: lateral axis twisted about the trunk; 11-13 left arm, 14-16 right arm
    twist = ang["twist"]
    lateral = np.stack([np.cos(twist), 0 * ones, -np.sin(twist)], -1)
    lateral = unit(lateral - (lateral * up).sum(-1, keepdims=True) * up)  # perpendicular to the trunk
    for side, sgn, (sh, el, wr) in (("l", 1.0, (11, 12, 13)), ("r", -1.0, (14, 15, 16))):
        flex, abd, elb = ang[f"sh_flex_{side}"] + bend, ang[f"sh_abd_{side}"], ang[f"elbow_{side}"]
        out[:, sh] = out[:, 8] + sgn * bones["shoulder_width"] * lateral - 0.03 * up
        upper = np.stack([sgn * np.sin(abd), -np.cos(abd) * np.cos(flex), np.cos(abd) * np.sin(flex)], -1)
        fore = np.stack([sgn * np.sin(abd), -np.cos(abd) * np.cos(flex + elb), np.cos(abd) * np.sin(flex + elb)], -1)
        out[:, el] = out[:, sh] + bones["upper_arm"] * unit(upper)
        out[:, wr] = out[:, el] + bones["forearm"] * unit(fore)
    return out


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
    heading = rng.uniform(0, 2 * np.pi) + np.cumsum(ang["turn_rate"] + _smooth_noise(rng, n, fps, 0.25)) / fps
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
