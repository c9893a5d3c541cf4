import numpy as np
import pytest

from posynda.data.bvh import parse_bvh, read_bvh
from posynda.errors import InputError
from tests.helpers.bvh import bvh_skeleton, bvh_text, write_bvh

TWO_JOINTS = """HIERARCHY
ROOT A
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT B
  {
    OFFSET 10 0 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 0 5 0
    }
  }
}
MOTION
Frames: 1
Frame Time: 0.02
"""


@pytest.mark.parametrize(
    "root, child, b_pos, end_pos",
    [
        ("0 0 0 0 0 0", "0 0 0", (10, 0, 0), (10, 5, 0)),  # rest pose
        ("1 2 3 0 0 0", "0 0 0", (11, 2, 3), (11, 7, 3)),  # root translation
        ("0 0 0 90 0 0", "0 0 0", (0, 10, 0), (-5, 10, 0)),  # root Z +90: x -> y
        ("0 0 0 0 0 90", "0 0 0", (0, 0, -10), (0, 5, -10)),  # root Y +90: x -> -z
        ("0 0 0 0 0 0", "0 90 0", (10, 0, 0), (10, 0, 5)),  # child X +90: y -> z
        ("0 0 0 90 90 0", "0 0 0", (0, 10, 0), (0, 10, 5)),  # ZXY order: R = Rz @ Rx, y -> z -> z
    ],
)
def test_forward_kinematics_matches_hand_computed_points(root, child, b_pos, end_pos):
    kin = parse_bvh(TWO_JOINTS + f"{root} {child}\n").kinematics()
    np.testing.assert_allclose(kin.positions[0, 1], b_pos, atol=1e-9)
    np.testing.assert_allclose(kin.end_sites[0, 1], end_pos, atol=1e-9)
    assert np.isnan(kin.end_sites[0, 0]).all()


def test_a_written_take_parses_with_its_frame_rate_and_constant_bones(tmp_path):
    motion = read_bvh(write_bvh(tmp_path / "take.bvh", frames=12, frame_time=1 / 60))
    assert motion.num_frames == 12 and motion.fps == pytest.approx(60)
    kin = motion.kinematics()
    names = motion.names
    forearm = np.linalg.norm(
        kin.positions[:, names.index("LowerArm_L")] - kin.positions[:, names.index("Hand_L")], axis=-1
    )
    np.testing.assert_allclose(forearm, 22.0, atol=1e-6)


def _take(frame_time=1 / 30, frames=3, drop_values=0):
    joints = bvh_skeleton("bandai")
    motion = np.zeros((frames, 3 + 3 * len(joints)))
    text = bvh_text(joints, motion, frame_time)
    if drop_values:
        text = text.rstrip().rsplit(" ", drop_values)[0] + "\n"
    return text


@pytest.mark.parametrize(
    "text, message",
    [
        (_take(frame_time=0), "frame time is 0"),
        (_take(frame_time=-0.1), "must be a positive number"),
        (_take(drop_values=5), "truncated BVH file"),
        (_take().split("MOTION")[0], "no MOTION section"),
        ("\n".join(_take().splitlines()[:12]) + "\nMOTION\n", "truncated BVH file"),
        ("hello\n", "no MOTION section"),
        (_take().replace("Zrotation", "Wrotation", 1), "unknown channel"),
        (_take().replace("Frames: 3", "Frames: x"), "bad BVH motion header"),
    ],
    ids=[
        "zero-frame-time",
        "negative-frame-time",
        "truncated-motion",
        "no-motion",
        "truncated-hierarchy",
        "text",
        "bad-channel",
        "bad-frames",
    ],
)
def test_bad_files_are_one_line_errors_that_name_the_file(text, message):
    with pytest.raises(InputError, match=message) as info:
        parse_bvh(text, "take.bvh")
    assert "\n" not in str(info.value) and str(info.value).startswith("take.bvh")
