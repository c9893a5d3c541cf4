"""Joint orders, converters and the left/right flip."""

import numpy as np
import pytest
import torch

from posynda import skeleton
from posynda.errors import InputError


def test_h36m_tables_are_consistent():
    assert len(skeleton.H36M_JOINT_NAMES) == len(skeleton.H36M_PARENTS) == 17
    assert skeleton.H36M_PARENTS[0] == -1
    assert all(p < j for j, p in enumerate(skeleton.H36M_PARENTS))  # parents come first
    perm = skeleton.FLIP_PERMUTATION
    assert sorted(perm) == list(range(17)) and all(perm[perm[i]] == i for i in range(17))
    for left, right in zip(skeleton.H36M_LEFT, skeleton.H36M_RIGHT):
        assert skeleton.H36M_JOINT_NAMES[left].replace("l_", "") == skeleton.H36M_JOINT_NAMES[right].replace("r_", "")


@pytest.mark.parametrize(
    "order,source_names",
    [("3dhp", skeleton.MPI_INF_3DHP_JOINT_NAMES)],
)
def test_3dhp_mapping_is_semantic(order, source_names):
    expected = {
        "pelvis": "pelvis",
        "thorax": "neck",
        "neck": "head",
        "head": "head_top",
        "spine": "spine",
        "l_wrist": "l_wrist",
        "r_knee": "r_knee",
    }
    for h36m_name, src_name in expected.items():
        i = skeleton.H36M_JOINT_NAMES.index(h36m_name)
        assert source_names[skeleton.MPI_INF_3DHP_TO_H36M[i]] == src_name


def test_convert_3dhp_is_the_documented_gather():
    x = np.random.default_rng(0).normal(size=(3, 17, 3))
    out, conf = skeleton.convert_joints(x, "3dhp")
    np.testing.assert_array_equal(out, x[:, list(skeleton.MPI_INF_3DHP_TO_H36M)])
    assert (conf == 1).all()


def test_convert_coco_synthesises_pelvis_thorax_spine_and_head():
    x = np.random.default_rng(1).normal(size=(2, 17, 2))
    out, _ = skeleton.convert_joints(x, "coco")
    np.testing.assert_allclose(out[:, 0], (x[:, 11] + x[:, 12]) / 2)
    np.testing.assert_allclose(out[:, 8], (x[:, 5] + x[:, 6]) / 2)
    np.testing.assert_allclose(out[:, 7], (out[:, 0] + out[:, 8]) / 2)
    np.testing.assert_allclose(out[:, 10], (x[:, 1] + x[:, 2]) / 2)
    np.testing.assert_allclose(out[:, 1], x[:, 12])  # r_hip
    np.testing.assert_allclose(out[:, 16], x[:, 10])  # r_wrist


def test_convert_coco_missing_source_makes_synthesised_joint_missing():
    x = np.random.default_rng(2).normal(size=(1, 17, 2))
    conf = np.full((1, 17), 0.9)
    x[0, 11] = np.nan  # l_hip missing
    out, out_conf = skeleton.convert_joints(x, "coco", conf)
    assert np.isnan(out[0, 0]).all() and out_conf[0, 0] == 0  # pelvis needs both hips
    assert np.isnan(out[0, 4]).all() and out_conf[0, 4] == 0  # l_hip itself
    assert np.isfinite(out[0, 1]).all() and out_conf[0, 1] == pytest.approx(0.9)


def test_body_rules_of_the_coco_names_are_the_coco_rule():
    assert skeleton.body_rules(skeleton.COCO_JOINT_NAMES) == skeleton.JOINT_ORDERS["coco"][1]


@pytest.mark.parametrize(
    "order, names",
    [
        ("body25", "OPENPOSE_BODY25_JOINT_NAMES"),
        ("coco18", "OPENPOSE_COCO18_JOINT_NAMES"),
        ("blazepose33", "BLAZEPOSE33_JOINT_NAMES"),
    ],
)
def test_detector_orders_follow_the_coco_rule_by_joint_name(order, names):
    names = getattr(skeleton, names)
    count = {"body25": 25, "coco18": 18, "blazepose33": 33}[order]
    assert len(names) == count and skeleton.JOINT_ORDERS[order][0] == count
    x = np.random.default_rng(4).normal(size=(3, count, 2))
    out, _ = skeleton.convert_joints(x, order)
    at = lambda name: x[:, names.index(name)]  # noqa: E731
    np.testing.assert_allclose(out[:, 0], (at("l_hip") + at("r_hip")) / 2)  # pelvis = mid-hips, not mid_hip
    np.testing.assert_allclose(out[:, 8], (at("l_shoulder") + at("r_shoulder")) / 2)  # thorax, not neck
    np.testing.assert_allclose(out[:, 10], (at("l_eye") + at("r_eye")) / 2)
    for h36m, name in [(1, "r_hip"), (6, "l_ankle"), (9, "nose"), (13, "l_wrist"), (14, "r_shoulder")]:
        np.testing.assert_allclose(out[:, h36m], at(name))


@pytest.mark.parametrize("order, joints", [("halpe26", 26), ("coco_wholebody", 133), ("halpe136", 136)])
def test_larger_detector_sets_use_their_first_17_joints_as_coco(order, joints):
    x = np.random.default_rng(5).normal(size=(2, joints, 2))
    np.testing.assert_array_equal(skeleton.convert_joints(x, order)[0], skeleton.convert_joints(x[:, :17], "coco")[0])


@pytest.mark.parametrize("order,shape", [("coco", (4, 16, 2)), ("spin24", (4, 17, 3)), ("openpose", (4, 17, 2))])
def test_convert_rejects_wrong_joint_count_or_unknown_order(order, shape):
    with pytest.raises(InputError):
        skeleton.convert_joints(np.zeros(shape), order)


@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_flip_is_an_involution_and_mirrors_x(lib):
    x = np.random.default_rng(3).normal(size=(5, 17, 3)).astype(np.float32)
    if lib == "torch":
        x = torch.from_numpy(x)
    flipped = skeleton.flip_left_right(x)
    back = skeleton.flip_left_right(flipped)
    np.testing.assert_allclose(np.asarray(back), np.asarray(x))
    np.testing.assert_allclose(np.asarray(flipped)[:, 4, 0], -np.asarray(x)[:, 1, 0])  # l_hip <- -r_hip.x
    np.testing.assert_allclose(np.asarray(flipped)[:, 4, 1:], np.asarray(x)[:, 1, 1:])


def test_with_bone_lengths_resizes_each_bone_along_its_own_direction():
    rng = np.random.default_rng(3)
    pose = rng.normal(size=(2, 17, 3))
    lengths = rng.uniform(0.1, 0.5, size=16)
    out = skeleton.with_bone_lengths(pose, lengths)
    np.testing.assert_allclose(skeleton.bone_lengths(out), np.broadcast_to(lengths, (2, 16)), atol=1e-12)
    np.testing.assert_array_equal(out[:, 0], pose[:, 0])  # the root stays
    children = [j for j, p in enumerate(skeleton.H36M_PARENTS) if p >= 0]
    parents = [skeleton.H36M_PARENTS[j] for j in children]
    before, after = pose[:, children] - pose[:, parents], out[:, children] - out[:, parents]
    cosine = np.sum(before * after, -1) / np.linalg.norm(before, axis=-1) / np.linalg.norm(after, axis=-1)
    np.testing.assert_allclose(cosine, 1.0, atol=1e-12)  # directions kept


def test_with_bone_lengths_leaves_a_zero_bone_at_zero():
    pose = np.zeros((17, 3))
    pose[1:] = np.arange(1, 17)[:, None] * [0.0, 0.1, 0.0]
    pose[2] = pose[1]  # r_knee on r_hip: no direction to keep
    out = skeleton.with_bone_lengths(pose, np.full(16, 0.3))
    np.testing.assert_array_equal(out[2], out[1])
    assert np.isfinite(out).all()
