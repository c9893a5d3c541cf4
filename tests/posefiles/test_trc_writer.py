"""The TRC writer: OpenSim's header (rate, frame and marker counts, mm), markers named after posynda's joints,
frames numbered from 1 at the sequence's rate, missing positions as empty cells, one file per sequence."""

import numpy as np

from posynda.posefiles.poses import lifted_poses
from posynda.posefiles.trc_writer import trc_text, write_trc
from posynda.skeleton import H36M_JOINT_NAMES
from tests.helpers.posefiles import scene_clips


def test_the_header_and_rows_follow_opensims_layout():
    clips, result = scene_clips((12,), fps=(60.0,))
    poses = lifted_poses(result, clips, world=True)
    lines = trc_text("walk.trc", poses.sequences[0], poses.frame).splitlines()
    assert lines[0].split("\t") == ["PathFileType", "4", "(X/Y/Z)", "walk.trc"]
    assert lines[2].split("\t") == ["60.00", "60.00", "12", "17", "mm", "60.00", "1", "12"]
    names = [cell for cell in lines[3].split("\t")[2:] if cell]
    assert names == list(H36M_JOINT_NAMES)
    assert lines[4].split("\t")[2:5] == ["X1", "Y1", "Z1"] and lines[4].split("\t")[-1] == "Z17"
    rows = [line.split("\t") for line in lines[5:]]
    assert len(rows) == 12 and all(len(r) == 2 + 17 * 3 for r in rows)
    assert [int(r[0]) for r in rows] == list(range(1, 13))
    np.testing.assert_allclose([float(r[1]) for r in rows], np.arange(12) / 60.0, atol=1e-6)


def test_a_missing_position_is_an_empty_cell_and_fps_defaults_to_50():
    clips, result = scene_clips((6,))
    poses = lifted_poses(result, clips, world=False)
    seq = poses.sequences[0]
    seq.positions[2, 5] = np.nan
    lines = trc_text("p.trc", seq, poses.frame).splitlines()
    assert lines[2].startswith("50.00\t50.00\t6\t17")
    row = lines[5 + 2].split("\t")
    assert row[2 + 5 * 3 : 2 + 5 * 3 + 3] == ["", "", ""]
    assert all(cell for cell in lines[5 + 1].split("\t"))


def test_one_file_per_sequence_beside_the_requested_one(tmp_path):
    clips, result = scene_clips((30, 20), fps=(50.0, 50.0))
    paths = write_trc(tmp_path / "poses.trc", lifted_poses(result, clips, world=True))
    assert paths[0] == tmp_path / "poses.trc" and len(paths) == 2 and paths[1].parent == tmp_path
    counts = [int(p.read_text().splitlines()[2].split("\t")[2]) for p in paths]
    assert counts == [30, 20]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)  # no temporary files
