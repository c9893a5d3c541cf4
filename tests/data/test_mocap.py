import json

import numpy as np
import pytest

from posynda.data.bvh import read_bvh
from posynda.data.mocap import MAPPINGS, detect_mapping, h36m_positions, load_mapping, resolve_mapping
from posynda.errors import InputError
from posynda.skeleton import H36M_JOINT_NAMES
from tests.helpers.bvh import write_bvh


@pytest.mark.parametrize("kind", list(MAPPINGS))
def test_each_preset_is_detected_and_gives_a_plausible_h36m_skeleton(tmp_path, kind):
    motion = read_bvh(write_bvh(tmp_path / f"{kind}.bvh", kind))
    assert detect_mapping(motion) == kind
    pose = h36m_positions(motion, motion.kinematics(), resolve_mapping(motion, "auto"))
    assert pose.shape == (motion.num_frames, 17, 3) and np.isfinite(pose).all()
    names = list(H36M_JOINT_NAMES)
    rest = h36m_positions(motion, motion.kinematics(), MAPPINGS[kind])[0]
    # head above neck/nose above thorax above pelvis; left joints on the +x side of the test skeleton
    assert rest[names.index("head"), 1] > rest[names.index("neck"), 1] > rest[names.index("thorax"), 1] > rest[0, 1]
    assert rest[names.index("l_shoulder"), 0] > rest[names.index("r_shoulder"), 0]


def test_an_unknown_skeleton_names_the_missing_joints_and_the_mapping_fix(tmp_path):
    path = tmp_path / "odd.bvh"
    path.write_text(write_bvh(tmp_path / "b.bvh").read_text().replace("Hand_L", "Paw_L"))
    with pytest.raises(
        InputError, match=r"^mapping: .*unknown BVH skeleton: joints \['Paw_L'\].*lacks \['Hand_L'\].*give a mapping"
    ) as info:
        resolve_mapping(read_bvh(path), "auto")
    assert "\n" not in str(info.value)
    with pytest.raises(InputError, match=r"^mapping: preset 'bandai' reads BVH joints \['Hand_L'\].*give a mapping"):
        resolve_mapping(read_bvh(path), "bandai")


def test_a_user_mapping_with_every_rule_kind(tmp_path):
    motion = read_bvh(write_bvh(tmp_path / "b.bvh"))
    rules = dict(MAPPINGS["bandai"])
    rules["spine"] = {"mean": ["Hips", "Neck"]}
    rules["neck"] = {"from": "Neck", "to": "Head", "t": 2.0}
    rules["head"] = "Head"
    path = tmp_path / "map.json"
    path.write_text(json.dumps(rules))
    kin = motion.kinematics()
    pose = h36m_positions(motion, kin, resolve_mapping(motion, load_mapping(path)))
    at = {n: kin.positions[:, i] for i, n in enumerate(motion.names)}
    np.testing.assert_allclose(pose[:, 7], (at["Hips"] + at["Neck"]) / 2)
    np.testing.assert_allclose(pose[:, 9], at["Neck"] + 2 * (at["Head"] - at["Neck"]))


@pytest.mark.parametrize(
    "content, message",
    [
        ("{", "not a readable JSON mapping"),
        ("[]", "a mapping is a JSON object"),
        (json.dumps({"pelvis": "Hips"}), "missing"),
        (json.dumps({**MAPPINGS["bandai"], "nose": "Head"}), r"unknown \['nose'\]"),
        (json.dumps({**MAPPINGS["bandai"], "head": {"to": "Head"}}), "bad rule for 'head'"),
    ],
)
def test_bad_mapping_files(tmp_path, content, message):
    path = tmp_path / "map.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_mapping(path)
