"""JSON poses: the documented schema, values to 0.001 mm, strict JSON with null for missing joints."""

import json

import numpy as np
import pytest

from posynda.posefiles import json_writer, write_poses
from posynda.posefiles.poses import lifted_poses
from posynda.skeleton import H36M_JOINT_NAMES, H36M_PARENTS
from tests.helpers.posefiles import scene_clips


def _strict(path):
    def refuse(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    return json.loads(path.read_text(), parse_constant=refuse)


def test_the_document_holds_every_frame_and_joint_in_the_stated_frame(tmp_path):
    clips, result = scene_clips((60, 40), fps=(25.0, None))
    write_poses(tmp_path / "p.json", result, clips)
    doc = _strict(tmp_path / "p.json")
    assert doc["format"] == "posynda-poses-v1" and doc["units"] == "mm"
    assert doc["frame"] == "world" and doc["floor_found"] and doc["no_floor_reason"] is None
    assert set(doc["axes"]) == {"x", "y", "z", "origin"} and "floor is z = 0" in doc["axes"]["z"]
    assert doc["skeleton"] == {"name": "h36m-17", "joints": list(H36M_JOINT_NAMES), "parents": list(H36M_PARENTS)}
    assert doc["lift"] == {"backend": "test (cpu)", "hypotheses": 1, "steps": 1, "aggregate": "joint", "flip": True,
                           "seed": 7}  # fmt: skip
    expected = lifted_poses(result, clips).sequences
    assert [(s["name"], s["fps"], s["num_frames"]) for s in doc["sequences"]] == [
        ("seq0", 25.0, 60),
        ("seq1", None, 40),
    ]
    for got, want in zip(doc["sequences"], expected):
        assert [f["frame"] for f in got["frames"]] == list(range(want.num_frames))
        absolute = np.array([f["absolute"] for f in got["frames"]])
        relative = np.array([f["root_relative"] for f in got["frames"]])
        assert absolute.shape == relative.shape == (want.num_frames, 17, 3)
        np.testing.assert_array_equal(absolute, np.round(want.absolute, 3))
        np.testing.assert_array_equal(relative, np.round(want.root_relative, 3))
        assert got["camera"] == {"intrinsics": [float(v) for v in want.intrinsics], "image_size": [1000, 1000]}
        assert got["floor"]["camera_height_mm"] == pytest.approx(want.floor.camera_height_mm, abs=0.05)
        rotation, origin = np.array(got["camera_to_world"]["rotation"]), np.array(got["camera_to_world"]["origin_mm"])
        camera = result.absolute_mm[:60] if want.name == "seq0" else result.absolute_mm[60:]
        np.testing.assert_allclose((camera - origin) @ rotation.T, absolute, atol=2e-3)  # the stated transform


def test_a_missing_joint_is_null_and_camera_coordinates_say_why(tmp_path):
    clips, result = scene_clips((12,))  # too few frames for a floor
    result.absolute_mm[3, 5, 1] = np.nan
    result.root_relative_mm[3, 5, 1] = np.nan
    write_poses(tmp_path / "p.json", result, clips)
    doc = _strict(tmp_path / "p.json")
    assert doc["frame"] == "camera" and not doc["floor_found"]
    assert doc["no_floor_reason"] == "12 frames with both ankles (at least 20 needed)"
    assert doc["axes"]["y"] == "down (image y)"
    (seq,) = doc["sequences"]
    assert seq["floor"] is None and seq["camera_to_world"] is None
    assert seq["frames"][3]["absolute"][5] is None and seq["frames"][3]["root_relative"][5] is None
    assert seq["frames"][3]["absolute"][4] == [round(float(v), 3) for v in result.absolute_mm[3, 4]]


def test_joints_rounds_and_nulls():
    points = np.array([[[1.23456, 2.0, -3.0005], [np.nan, 0.0, 0.0]]])
    assert json_writer.joints(points) == [[[1.235, 2.0, -3.0], None]]
