"""Small BVH takes with the joint names of the presets (bandai, cmu, mixamo): skeletons, motion, files."""

import numpy as np


def _humanoid(spine, arms_on: str, arm, leg, head_end=None):
    """``[(name, parent, offset cm, end site)]`` of a small y-up humanoid, parents first: the
    ``spine`` chain on the hips (its last joint carries ``head_end``), both arms on ``arms_on``,
    both legs on the hips; ``arm(side)`` / ``leg(side)`` give a side's chain, mirrored in x."""
    joints = [("Hips", -1, (0, 95, 0), None)]
    for name, off in spine:
        joints.append((name, len(joints) - 1, off, None))
    name, parent, off, _ = joints[-1]
    joints[-1] = (name, parent, off, head_end)
    for side, sign in (("L", 1), ("R", -1)):
        for chain, start in ((arm(side), [j[0] for j in joints].index(arms_on)), (leg(side), 0)):
            parent = start
            for name, off in chain:
                joints.append((name, parent, (off[0] * sign, off[1], off[2]), None))
                parent = len(joints) - 1
    return joints


def bvh_skeleton(kind: str):
    """A BVH joint list with the names of preset ``kind`` (bandai, cmu, mixamo)."""
    if kind == "bandai":
        spine = [("Spine", (0, 15, 0)), ("Chest", (0, 9, 0)), ("Neck", (0, 16, 0)), ("Head", (0, 6.5, 0))]
        arm = lambda s: [
            (f"Shoulder_{s}", (5, 13, 0)),
            (f"UpperArm_{s}", (5, 0, 0)),
            (f"LowerArm_{s}", (24, 0, 0)),
            (f"Hand_{s}", (22, 0, 0)),
        ]
        leg = lambda s: [(f"UpperLeg_{s}", (9, -6, 0)), (f"LowerLeg_{s}", (0, -39, 0)), (f"Foot_{s}", (0, -41, 0))]
        # Bandai Namco's convention: bones along the joints' local x, the root turned +90 deg about z
        # (bvh_motion adds it), so that local x is world up -- the mapping's head rules rely on it.
        return [(n, p, (o[1], -o[0], o[2]), e) for n, p, o, e in _humanoid(spine, "Chest", arm, leg)]
    side = {"L": "Left", "R": "Right"}
    arm = lambda s: [
        (f"{side[s]}Shoulder", (5, 13, 0)),
        (f"{side[s]}Arm", (12, 0, 0)),
        (f"{side[s]}ForeArm", (26, 0, 0)),
        (f"{side[s]}Hand", (24, 0, 0)),
    ]
    leg = lambda s: [(f"{side[s]}UpLeg", (9, -6, 0)), (f"{side[s]}Leg", (0, -40, 0)), (f"{side[s]}Foot", (0, -42, 0))]
    if kind == "cmu":
        spine = [
            ("LowerBack", (0, 2, 0)),
            ("Spine", (0, 12, 0)),
            ("Spine1", (0, 12, 0)),
            ("Neck", (0, 16, 0)),
            ("Neck1", (0, 4, 0)),
            ("Head", (0, 5, 0)),
        ]
        return _humanoid(spine, "Spine1", arm, leg, head_end=(0, 18, 0))
    spine = [
        ("Spine", (0, 10, 0)),
        ("Spine1", (0, 12, 0)),
        ("Spine2", (0, 10, 0)),
        ("Neck", (0, 8, 0)),
        ("Head", (0, 8, 0)),
        ("HeadTop_End", (0, 18, 0)),
    ]
    return [("mixamorig:" + n, p, o, e) for n, p, o, e in _humanoid(spine, "Spine2", arm, leg)]


def bvh_text(joints, motion: np.ndarray, frame_time: float = 1 / 30) -> str:
    """A BVH file: the root has 6 channels (position + ZXY rotation), the others 3 (ZXY rotation);
    ``motion [F, 3 + 3 J]``."""
    children = {i: [k for k, j in enumerate(joints) if j[1] == i] for i in range(len(joints))}
    lines = ["HIERARCHY"]

    def emit(i, depth):
        name, parent, offset, end = joints[i]
        pad = "  " * depth
        lines.append(f"{pad}{'ROOT' if parent < 0 else 'JOINT'} {name}")
        lines.append(f"{pad}{{")
        lines.append(f"{pad}  OFFSET {offset[0]} {offset[1]} {offset[2]}")
        chans = "6 Xposition Yposition Zposition" if parent < 0 else "3"
        lines.append(f"{pad}  CHANNELS {chans} Zrotation Xrotation Yrotation")
        for c in children[i]:
            emit(c, depth + 1)
        if end is not None or not children[i]:
            e = end or (0, 0, 0)
            lines.extend([f"{pad}  End Site", f"{pad}  {{", f"{pad}    OFFSET {e[0]} {e[1]} {e[2]}", f"{pad}  }}"])
        lines.append(f"{pad}}}")

    emit(0, 0)
    lines += ["MOTION", f"Frames: {len(motion)}", f"Frame Time: {frame_time}"]
    lines += [" ".join(f"{v:.5f}" for v in row) for row in motion]
    return "\n".join(lines) + "\n"


def bvh_motion(
    joints, frames: int = 30, seed: int = 0, walk_cm_per_frame: float = 2.0, root_z_deg: float = 0.0
) -> np.ndarray:
    """Smooth random joint angles (degrees) and a root walking along z, ``[F, 3 + 3 J]``; the root's
    Z rotation is offset by ``root_z_deg``."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, frames)[:, None]
    angles = 15 * np.sin(2 * np.pi * (t * rng.uniform(0.5, 1.5, 3 * len(joints)) + rng.uniform(0, 1, 3 * len(joints))))
    root = np.stack([np.zeros(frames), np.full(frames, 95.0), np.arange(frames) * walk_cm_per_frame], 1)
    angles[:, 0] += root_z_deg
    return np.concatenate([root, angles], 1)


def write_bvh(path, kind: str = "bandai", frames: int = 30, seed: int = 0, frame_time: float = 1 / 30):
    """Write a small BVH take with the joint names of preset ``kind``; returns the path."""
    joints = bvh_skeleton(kind)
    motion = bvh_motion(joints, frames, seed, root_z_deg=90.0 if kind == "bandai" else 0.0)
    path.write_text(bvh_text(joints, motion, frame_time))
    return path
