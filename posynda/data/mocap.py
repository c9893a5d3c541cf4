"""Motion capture skeletons -> Human3.6M-17: joint-name mappings and the rules for joints without a marker.

A mapping gives every H36M joint (``posynda.skeleton.H36M_JOINT_NAMES``) one rule over the joints
of a BVH hierarchy (namespace prefixes such as ``mixamorig:`` are ignored):

* ``"Name"`` -- the joint's origin; ``"Name/end"`` -- the point of its End Site;
* ``{"mean": ["A", "B", ...]}`` -- the mean of several joints (e.g. mid-hips);
* ``{"from": "A", "to": "B", "t": 1.5}`` -- ``A + t (B - A)`` along the line of two joints;
* ``{"joint": "A", "local": [x, y, z]}`` -- a point fixed in A's frame (file units), e.g. the nose
  in front of the head joint.

Presets (rules for the joints no marker gives, at Human3.6M's mean proportions); hips, knees,
ankles, shoulders, elbows and wrists are the skeletons' joints of those names:

* ``bandai`` -- Bandai Namco Research (22 joints, cm; the head's local axes: x up, y forward):
  spine = Chest, thorax = Neck, neck/nose = 4 cm above and 8 cm in front of Head, head top = 14 cm
  above and 2 cm in front of Head.
* ``cmu`` -- CMU mocap as BVH (Hahne's conversion: LowerBack, Spine1, Neck1, Head with an End
  Site): spine = Spine, thorax = Neck, neck/nose = Head, head top = Head's End Site.
* ``mixamo`` -- Mixamo (Spine, Spine1, Spine2, Neck, Head, HeadTop_End): spine = Spine1,
  thorax = Neck, neck/nose = Head, head top = HeadTop_End.

A user mapping is a JSON object with the same rules for every H36M joint name.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from posynda.data.bvh import BVHMotion, Kinematics
from posynda.errors import InputError
from posynda.reading import read_json
from posynda.skeleton import H36M_JOINT_NAMES

Rule = str | dict


def _limbs(hip: str, knee: str, ankle: str, shoulder: str, elbow: str, wrist: str) -> dict[str, str]:
    """The limb joints of one naming scheme, both sides: in each pattern ``{side}`` becomes
    Right / Left and ``{s}`` becomes R / L."""
    parts = {"hip": hip, "knee": knee, "ankle": ankle, "shoulder": shoulder, "elbow": elbow, "wrist": wrist}
    sides = {"r": ("Right", "R"), "l": ("Left", "L")}
    return {
        f"{h36m}_{part}": pattern.format(side=word, s=letter)
        for h36m, (word, letter) in sides.items()
        for part, pattern in parts.items()
    }


MAPPINGS: dict[str, dict[str, Rule]] = {
    "bandai": {
        "pelvis": "Hips",
        "spine": "Chest",
        "thorax": "Neck",
        "neck": {"joint": "Head", "local": [4.0, 8.0, 0.0]},
        "head": {"joint": "Head", "local": [14.0, 2.0, 0.0]},
        **_limbs("UpperLeg_{s}", "LowerLeg_{s}", "Foot_{s}", "UpperArm_{s}", "LowerArm_{s}", "Hand_{s}"),
    },
    "cmu": {
        "pelvis": "Hips",
        "spine": "Spine",
        "thorax": "Neck",
        "neck": "Head",
        "head": "Head/end",
        **_limbs("{side}UpLeg", "{side}Leg", "{side}Foot", "{side}Arm", "{side}ForeArm", "{side}Hand"),
    },
    "mixamo": {
        "pelvis": "Hips",
        "spine": "Spine1",
        "thorax": "Neck",
        "neck": "Head",
        "head": "HeadTop_End",
        **_limbs("{side}UpLeg", "{side}Leg", "{side}Foot", "{side}Arm", "{side}ForeArm", "{side}Hand"),
    },
}


# Joints of the preset skeletons that no rule reads (so they are not "unknown" in a message).
UNMAPPED_JOINTS = {
    "bandai": ("joint_Root", "Spine", "Shoulder_L", "Shoulder_R", "Toes_L", "Toes_R"),
    "cmu": (
        "LHipJoint",
        "RHipJoint",
        "LowerBack",
        "Spine1",
        "Neck1",
        "LeftShoulder",
        "RightShoulder",
        "LeftToeBase",
        "RightToeBase",
    ),
    "mixamo": ("Spine", "Spine2", "LeftShoulder", "RightShoulder", "LeftToeBase", "RightToeBase", "HeadTop_End"),
}


def unknown_joints(motion: BVHMotion, preset: str, limit: int = 8) -> list[str]:
    """Joints of ``motion`` that preset ``preset``'s skeleton does not have (at most ``limit``)."""
    known = {n.split("/")[0] for rule in MAPPINGS[preset].values() for n in _rule_joints(rule)}
    known |= set(UNMAPPED_JOINTS.get(preset, ()))
    return [bare_name(n) for n in motion.names if bare_name(n) not in known][:limit]


def bare_name(name: str) -> str:
    """A BVH joint name without its namespace (``mixamorig:LeftArm`` -> ``LeftArm``)."""
    return name.rsplit(":", 1)[-1]


def _rule_joints(rule: Rule) -> list[str]:
    """The BVH joints (``Name``) and End Sites (``Name/end``) a rule reads."""
    if isinstance(rule, str):
        return [rule]
    if "mean" in rule:
        return [str(r) for r in rule["mean"]]
    if "from" in rule:
        return [rule["from"], rule["to"]]
    return [rule["joint"]]


def _check_rule(joint: str, rule, source: str) -> None:
    ok = isinstance(rule, str) or (
        isinstance(rule, dict)
        and (
            (set(rule) == {"mean"} and isinstance(rule["mean"], list) and rule["mean"])
            or (set(rule) == {"from", "to", "t"} and isinstance(rule["t"], (int, float)))
            or (set(rule) == {"joint", "local"} and isinstance(rule["local"], list) and len(rule["local"]) == 3)
        )
    )
    if not ok:
        raise InputError(
            f"{source}: bad rule for {joint!r}: {json.dumps(rule)} (expected a joint name, 'Name/end', "
            '{"mean": [...]}, {"from": A, "to": B, "t": x} or {"joint": A, "local": [x, y, z]})'
        )


def load_mapping(path: str | os.PathLike) -> dict[str, Rule]:
    """A user mapping from a JSON file: one rule per H36M joint name (all 17)."""
    path = Path(path)
    data = read_json(path, "JSON mapping")
    if not isinstance(data, dict):
        raise InputError(f"{path}: a mapping is a JSON object from H36M joint names to rules")
    missing = [j for j in H36M_JOINT_NAMES if j not in data]
    extra = sorted(set(data) - set(H36M_JOINT_NAMES))
    if missing or extra:
        raise InputError(
            f"{path}: the mapping must give exactly the 17 H36M joints {list(H36M_JOINT_NAMES)}"
            + (f"; missing {missing}" if missing else "")
            + (f"; unknown {extra}" if extra else "")
        )
    for joint, rule in data.items():
        _check_rule(joint, rule, str(path))
    return data


def missing_joints(mapping: dict[str, Rule], motion: BVHMotion) -> list[str]:
    """BVH joints (and ``Name/end`` End Sites) that ``mapping`` reads and ``motion`` lacks."""
    have = {bare_name(j.name) for j in motion.joints}
    have |= {f"{bare_name(j.name)}/end" for j in motion.joints if j.end_site is not None}
    need = sorted({name for rule in mapping.values() for name in _rule_joints(rule)})
    return [n for n in need if n not in have]


def detect_mapping(motion: BVHMotion) -> str:
    """The name of the first preset whose joints ``motion`` all has; InputError naming the gaps otherwise."""
    gaps = {}
    for name, mapping in MAPPINGS.items():
        gaps[name] = missing_joints(mapping, motion)
        if not gaps[name]:
            return name
    closest = min(gaps, key=lambda k: len(gaps[k]))
    raise InputError(
        f"mapping: {motion.source} has an unknown BVH skeleton: joints {unknown_joints(motion, closest)} match no "
        f"preset ({', '.join(MAPPINGS)}); the closest, {closest!r}, lacks {gaps[closest]} -- give a mapping "
        "(MAP.json) with a rule for each H36M joint",
        parameter="mapping",
    )


def resolve_mapping(motion: BVHMotion, mapping: str | dict[str, Rule]) -> dict[str, Rule]:
    """The rules for ``motion``: a preset name (``"auto"`` detects it) or a mapping dict, checked against
    its joints (InputError naming the missing ones and the ``--mapping`` fix)."""
    if isinstance(mapping, str):
        if mapping == "auto":
            mapping = detect_mapping(motion)
        if mapping not in MAPPINGS:
            raise InputError(
                f"mapping: unknown skeleton preset {mapping!r}; choose auto, {', '.join(MAPPINGS)} or a mapping file",
                parameter="mapping",
            )
        label, rules = f"preset {mapping!r}", MAPPINGS[mapping]
    else:
        label, rules = "the mapping", mapping
    gaps = missing_joints(rules, motion)
    if gaps:
        raise InputError(
            f"mapping: {label} reads BVH joints {gaps} that {motion.source} lacks (it has "
            f"{[bare_name(n) for n in motion.names]}) -- give a mapping (MAP.json) naming its joints",
            parameter="mapping",
        )
    return rules


def h36m_positions(motion: BVHMotion, kin: Kinematics, rules: dict[str, Rule]) -> np.ndarray:
    """``[F, 17, 3]`` H36M joints in the file's unit and axes, by the ``rules`` of :func:`resolve_mapping`."""
    index = {bare_name(n): i for i, n in enumerate(motion.names)}

    def point(ref: str) -> np.ndarray:
        name, _, end = ref.partition("/")
        if end:
            if end != "end":
                raise InputError(f"bad joint reference {ref!r} (use 'Name' or 'Name/end')")
            site = kin.end_sites[:, index[name]]
            if np.isnan(site).any():
                raise InputError(f"{motion.source}: joint {name!r} has no End Site (rule {ref!r})")
            return site
        return kin.positions[:, index[name]]

    out = np.empty((motion.num_frames, len(H36M_JOINT_NAMES), 3))
    for j, joint in enumerate(H36M_JOINT_NAMES):
        rule = rules[joint]
        if isinstance(rule, str):
            out[:, j] = point(rule)
        elif "mean" in rule:
            out[:, j] = np.mean([point(r) for r in rule["mean"]], axis=0)
        elif "from" in rule:
            a, b = point(rule["from"]), point(rule["to"])
            out[:, j] = a + float(rule["t"]) * (b - a)
        else:
            k = index[rule["joint"]]
            out[:, j] = (
                np.einsum("fij,j->fi", kin.rotations[:, k], np.asarray(rule["local"], float)) + kin.positions[:, k]
            )
    return out
