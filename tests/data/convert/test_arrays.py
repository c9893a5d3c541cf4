"""Reading public files: missing files and keys, object arrays that must hold dicts, joint arrays of the wrong shape."""

import numpy as np
import pytest

from posynda.data.convert.arrays import as_dict, assemble, joint_array, load_npz, sequence_record
from posynda.errors import InputError


def test_required_and_optional_keys(tmp_path):
    np.savez(tmp_path / "a.npz", x=np.zeros(2), y=np.ones(3))
    got = load_npz(tmp_path / "a.npz", ("x",), ("y", "z"))
    assert set(got) == {"x", "y"}
    with pytest.raises(InputError, match="missing key 'w'"):
        load_npz(tmp_path / "a.npz", ("w",))
    with pytest.raises(InputError, match="no such dataset npz file"):
        load_npz(tmp_path / "b.npz", ("x",))


def test_object_arrays_and_joint_shapes(tmp_path):
    assert as_dict(np.array({"a": 1}, dtype=object), "f.npz", "k") == {"a": 1}
    with pytest.raises(InputError, match="key 'k' must hold a dict"):
        as_dict(np.array([1, 2]), "f.npz", "k")
    assert joint_array(np.zeros((4, 17, 2)), "f.npz", "kp", 17, 2).dtype == np.float64
    with pytest.raises(InputError, match=r"key 'kp' has shape \[4, 16, 2\], expected \[N, 17, 2\]"):
        joint_array(np.zeros((4, 16, 2)), "f.npz", "kp", 17, 2)


def test_sequences_assemble_into_one_validated_clip_set():
    cam = np.array([1000.0, 1000, 500, 500, 0, 0, 0, 0, 0])
    a = sequence_record("a", np.full((3, 17, 2), 10.0), cam, (1000, 1000), fps=25.0)
    b = sequence_record("b", np.full((2, 17, 2), 20.0), cam, (1000, 1000), fps=50.0, valid=np.array([True, False]))
    clips = assemble([a, b], "test")
    assert clips.sequence_names() == ["a", "b"] and list(clips.fps) == [25.0, 50.0]
    assert list(clips.valid) == [True, True, True, True, False] and clips.joints_3d is None
    with pytest.raises(InputError, match="no sequence to convert"):
        assemble([], "test")
