"""The side colours every picture shares: the subject's left blue, right red, centre grey, and their legend.

A bone takes the side of its child joint (H36M_LEFT / H36M_RIGHT of :mod:`posynda.skeleton`).
"""

from __future__ import annotations

from posynda.skeleton import H36M_LEFT, H36M_PARENTS, H36M_RIGHT

SIDE_COLOURS: dict[str, str] = {"left": "tab:blue", "right": "tab:red", "centre": "0.45"}
SIDE_LABELS: dict[str, str] = {"left": "left side (blue)", "right": "right side (red)", "centre": "centre (grey)"}


def joint_side(j: int) -> str:
    """``"left"``, ``"right"`` or ``"centre"``: the subject's side of H36M joint ``j``."""
    return "left" if j in H36M_LEFT else "right" if j in H36M_RIGHT else "centre"


def bone_colours() -> list[tuple[int, int, str]]:
    """``(child, parent, colour)`` of every H36M bone; a bone takes its child joint's side."""
    return [(j, p, SIDE_COLOURS[joint_side(j)]) for j, p in enumerate(H36M_PARENTS) if p >= 0]


def legend_handles():
    """Line handles for the side colours (matplotlib must be importable)."""
    from matplotlib.lines import Line2D

    return [Line2D([], [], color=SIDE_COLOURS[s], lw=2.5, label=SIDE_LABELS[s]) for s in SIDE_COLOURS]
