"""The synthetic person of the embedded domains (:mod:`posynda.data.synth`): body size and style
(:class:`Subject`), joint-angle curves per activity (radians over time), anatomical limits, and forward
kinematics to body-frame H36M-17 joints (metres; pelvis at the origin, x = subject's left, y up, z forward).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posynda.data.rigs import unit

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
def smooth_noise(rng: np.random.Generator, n: int, fps: float, scale: float, knot_s: float = 0.6) -> np.ndarray:
    """Slow random drift ``[n]``: Gaussian knots every ``knot_s`` seconds, linearly interpolated, smoothed."""
    knots = max(2, int(n / fps / knot_s) + 2)
    values = rng.normal(0, scale, knots)
    drift = np.interp(np.arange(n), np.linspace(0, n - 1, knots), values)
    width = max(1, int(fps * knot_s / 2))
    kernel = np.ones(width) / width
    return np.convolve(np.pad(drift, (width, width), mode="edge"), kernel, mode="same")[width:-width]


def cycle(t: np.ndarray, period: float, phase: float = 0.0) -> np.ndarray:
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
        s = cycle(t, rng.uniform(2.0, 3.2) / subj.cadence, phase0)
        depth = a * rng.uniform(1.4, 2.0)
        for side in "lr":
            ang[f"knee_{side}"] = depth * s
            ang[f"hip_flex_{side}"] = 0.85 * depth * s
            ang[f"hip_abd_{side}"] += 0.15 * s
            ang[f"sh_flex_{side}"] = 1.3 * s
            ang[f"elbow_{side}"] = 0.2 + 0.2 * s
        ang["spine_bend"] = 0.45 * s
    elif activity == "sit":
        s = np.clip(1.6 * cycle(t, rng.uniform(4.0, 6.0), phase0) - 0.3, 0, 1)
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
            s = cycle(t, period, phase0 + ph)
            ang[f"sh_flex_{side}"] = a * rng.uniform(1.8, 2.7) * s
            ang[f"sh_abd_{side}"] = 0.12 + 0.3 * s
            ang[f"elbow_{side}"] = 0.2 + 0.4 * (1 - s)
        ang["spine_lean"] = 0.15 * np.sin(2 * np.pi * t / period + phase0)
        ang["hip_flex_l"] = ang["hip_flex_r"] = 0.05 + z
    elif activity == "wave":
        side = rng.choice(["l", "r"])
        raise_s = np.clip(2 * cycle(t, rng.uniform(4.0, 7.0), phase0), 0, 1)
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
        s = cycle(t, rng.uniform(2.5, 4.0) / subj.cadence, phase0)
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
        ang[key] = ang[key] + smooth_noise(rng, n, fps, scale)
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
