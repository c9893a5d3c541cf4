"""The side colours every picture shares: left bones blue, right red, the rest grey, and a legend saying so."""

import pytest

from posynda.skeleton import H36M_JOINT_NAMES, H36M_LEFT, H36M_PARENTS, H36M_RIGHT
from posynda.viz.colours import SIDE_COLOURS, SIDE_LABELS, bone_colours, joint_side, legend_handles


def test_left_bones_are_blue_right_red_the_rest_grey():
    bones = bone_colours()
    assert [(j, p) for j, p, _ in bones] == [(j, p) for j, p in enumerate(H36M_PARENTS) if p >= 0]
    for j, _, colour in bones:
        name = H36M_JOINT_NAMES[j]
        expected = (
            "tab:blue" if name.startswith("l_") else "tab:red" if name.startswith("r_") else SIDE_COLOURS["centre"]
        )
        assert colour == expected, name
    assert {joint_side(j) for j in H36M_LEFT} == {"left"} and {joint_side(j) for j in H36M_RIGHT} == {"right"}
    assert sum(c == "tab:blue" for *_, c in bones) == 6 and sum(c == "tab:red" for *_, c in bones) == 6


def test_the_legend_names_each_side_and_its_colour():
    pytest.importorskip("matplotlib")
    handles = legend_handles()
    assert [(h.get_label(), h.get_color()) for h in handles] == [
        ("left side (blue)", "tab:blue"),
        ("right side (red)", "tab:red"),
        ("centre (grey)", SIDE_COLOURS["centre"]),
    ]
    assert set(SIDE_LABELS) == set(SIDE_COLOURS)
