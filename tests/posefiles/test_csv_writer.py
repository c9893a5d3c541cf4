"""CSV poses: comment lines that state the frame, one row per (sequence, frame), mm to 0.001."""

import csv

import numpy as np

from posynda.posefiles import csv_writer, write_poses
from posynda.posefiles.poses import lifted_poses
from tests.helpers.posefiles import scene_clips


def read(path):
    lines = path.read_text().splitlines()
    comments = [line[2:] for line in lines if line.startswith("# ")]
    rows = list(csv.reader(line for line in lines if not line.startswith("#")))
    return comments, rows[0], rows[1:]


def test_rows_per_sequence_and_frame_in_the_world_frame(tmp_path):
    clips, result = scene_clips((60, 40), fps=(25.0, None))
    write_poses(tmp_path / "p.csv", result, clips)
    comments, header, rows = read(tmp_path / "p.csv")
    assert comments[0] == "posynda-poses-v1: lifted 3D poses, one row per (sequence, frame), mm"
    assert comments[1] == "frame: world" and "floor is z = 0" in comments[2] and comments[3] == "positions: absolute"
    assert comments[-2:] == ["sequence seq0: 60 frames, 25 fps", "sequence seq1: 40 frames, unknown fps"]
    assert "r_knee<r_hip" in comments[4]
    assert header[:6] == ["sequence", "person", "frame", "source_frame", "pelvis_x", "pelvis_y"]
    assert header[-1] == "r_wrist_z" and len(header) == 4 + 17 * 3 and tuple(header) == csv_writer.COLUMNS
    expected_rows = [("seq0", "", i, i) for i in range(60)] + [("seq1", "", i, i) for i in range(40)]
    assert [(r[0], r[1], int(r[2]), int(r[3])) for r in rows] == expected_rows  # no source frames: the indices
    values = np.array([[float(v) for v in r[4:]] for r in rows]).reshape(-1, 17, 3)
    expected = np.concatenate([s.absolute for s in lifted_poses(result, clips).sequences])
    np.testing.assert_allclose(values, expected, atol=5e-4 + 1e-9)
    assert rows[0][4:7] == [f"{v:.3f}" for v in expected[0, 0]]


def test_camera_frame_says_why_and_a_missing_value_is_an_empty_cell(tmp_path):
    clips, result = scene_clips((12,))
    result.absolute_mm[2, 16, 0] = np.nan
    write_poses(tmp_path / "p.csv", result, clips)
    comments, header, rows = read(tmp_path / "p.csv")
    assert comments[1] == "frame: camera" and comments[2].startswith("axes: x = right (image x); y = down")
    assert comments[3].startswith("no floor found: ") and "frames with both ankles" in comments[3]
    assert rows[2][header.index("r_wrist_x")] == "" and rows[2][header.index("r_wrist_y")] != ""
    np.testing.assert_allclose(float(rows[5][header.index("l_knee_z")]), result.absolute_mm[5, 5, 2], atol=5e-4)
