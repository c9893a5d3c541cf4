"""DeepMimic motion files: the humanoid's forward kinematics to H36M-17, and the refusals."""

import json

import numpy as np
import pytest

from posynda.data import deepmimic
from posynda.data.motion_library import motion_files
from posynda.errors import InputError
from posynda.skeleton import H36M_JOINT_NAMES, bone_lengths

J = {name: j for j, name in enumerate(H36M_JOINT_NAMES)}


def rest_frame(root=(0.0, 0.9, 0.0), dt=1 / 30):
    """One frame of the humanoid standing in its rest pose (every rotation the identity, the hinges straight)."""
    frame = [dt, *root, 1.0, 0.0, 0.0, 0.0]
    for _, width in deepmimic.CHANNELS:
        frame += [1.0, 0.0, 0.0, 0.0] if width == 4 else [0.0]
    return frame


def write(path, frames):
    path.write_text(json.dumps({"Loop": "none", "Frames": frames}))
    return path


def test_the_rest_pose_stands_on_the_humanoids_offsets(tmp_path):
    motion = deepmimic.read_deepmimic(write(tmp_path / "rest.txt", [rest_frame(), rest_frame(dt=0.0)]))
    pose = motion.positions_m[0]
    s = deepmimic.HUMANOID_SCALE
    np.testing.assert_allclose(pose[J["pelvis"]], [0.0, 0.9, 0.0])
    np.testing.assert_allclose(pose[J["r_hip"]] - pose[J["pelvis"]], [0.0, 0.0, 0.339548 * s])  # +z: the right
    np.testing.assert_allclose(pose[J["r_knee"]] - pose[J["r_hip"]], [0.0, -1.686184 * s, 0.0])
    np.testing.assert_allclose(pose[J["thorax"]] - pose[J["spine"]], [0.0, 0.895576 * s, 0.0])
    np.testing.assert_allclose(pose[J["neck"]] - pose[J["thorax"]], deepmimic.NOSE_M)
    np.testing.assert_allclose(pose[J["l_wrist"]] - pose[J["l_elbow"]], [0.0, -1.035788 * s, 0.0])
    np.testing.assert_allclose(motion.times_s, [0.0, 1 / 30])
    assert motion.fps == pytest.approx(30.0) and motion.name == "rest"


def test_a_hinge_turns_the_limb_below_it_about_z_and_the_root_quaternion_turns_everything(tmp_path):
    bent, turned = rest_frame(), rest_frame()
    knee = 8 + sum(w for name, w in deepmimic.CHANNELS[: [c[0] for c in deepmimic.CHANNELS].index("right_knee")])
    bent[knee] = np.pi / 2
    turned[4:8] = [np.cos(np.pi / 4), 0.0, np.sin(np.pi / 4), 0.0]  # 90 degrees about y (up)
    rest, b, t = deepmimic.read_deepmimic(write(tmp_path / "m.txt", [rest_frame(), bent, turned])).positions_m
    shin = 1.639480 * deepmimic.HUMANOID_SCALE
    np.testing.assert_allclose(b[J["r_ankle"]] - b[J["r_knee"]], [shin, 0.0, 0.0], atol=1e-12)  # forward
    np.testing.assert_allclose(b[J["l_ankle"]], rest[J["l_ankle"]])
    rel_rest, rel_turned = rest - rest[0], t - t[0]
    np.testing.assert_allclose(rel_turned[:, [0, 2]], np.stack([rel_rest[:, 2], -rel_rest[:, 0]], -1), atol=1e-12)


def test_the_shipped_clips_read_as_rigid_skeletons_at_their_frame_rates():
    files = {f.stem: f for f in motion_files()}
    assert len(files) == 20
    walk = deepmimic.read_deepmimic(files["humanoid3d_walk"])
    assert walk.positions_m.shape == (39, 17, 3) and walk.fps == pytest.approx(30.0, rel=1e-4)
    for name in ("humanoid3d_jump", "humanoid3d_backflip", "turn_left0"):
        bones = bone_lengths(deepmimic.read_deepmimic(files[name]).positions_m)
        assert bones.std(axis=0).max() < 1e-9  # one body in every frame
        assert 0.40 < bones[0, 1] < 0.43  # the thigh, m


@pytest.mark.parametrize(
    "text,message",
    [
        ("[1, 2]", "no 'Frames'"),
        ('{"Frames": []}', "no 'Frames'"),
        ('{"Frames": [[0.1, 0, 0]]}', "44 numbers"),
        ('{"Frames": [[0.1' + ", 0" * 42 + ', "x"]]}', "other than numbers"),
        ('{"Frames": [[0.1' + ", 0" * 42 + ", NaN]]}", "NaN"),
        ('{"Frames": [[-0.1' + ", 0" * 43 + "]]}", "durations"),
        ('{"Frames": [[0.0' + ", 0" * 43 + "], [0.1" + ", 0" * 43 + "]]}", "durations"),
        ('{"Frames": [[0.1' + ", 0" * 43 + "]]}", "quaternion of length 0"),
        ("{nope", "not a readable DeepMimic motion file"),
    ],
)
def test_a_bad_motion_file_is_refused_naming_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        deepmimic.read_deepmimic(path)


def test_a_motion_file_with_more_frames_than_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(deepmimic, "MAX_FRAMES", 2)
    with pytest.raises(InputError, match="more than the 2"):
        deepmimic.read_deepmimic(write(tmp_path / "long.txt", [rest_frame()] * 3))
