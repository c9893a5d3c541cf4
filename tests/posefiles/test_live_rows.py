"""Live rows: a header line then one complete line per pose, in .jsonl or .csv, to a .part file renamed when
the source ends (kept as .part when the run fails), or to standard output; other outputs are refused."""

import csv
import json

import numpy as np
import pytest

from posynda.errors import InputError
from posynda.posefiles.live_rows import CSV_COLUMNS, LiveRows, check_live_out, header
from posynda.posefiles.poses import calibration_world
from posynda.runtime.live import LivePose

HEAD = header("cam.mp4", 30.0, (640, 480), "torch (cpu)")


def pose(frame: int, person: str = "0") -> LivePose:
    absolute = np.arange(51, dtype=np.float32).reshape(17, 3) + frame
    absolute[5] = np.nan
    return LivePose(frame, person, absolute - absolute[:1], absolute, frame != 2, 12.34)


def test_jsonl_rows_appear_in_a_part_file_and_the_file_is_whole_at_the_end(tmp_path):
    out = tmp_path / "live.jsonl"
    with LiveRows(str(out), HEAD) as rows:
        rows.write(pose(1))
        growing = (tmp_path / "live.jsonl.part").read_text().splitlines()
        assert len(growing) == 2 and not out.exists()  # flushed as written, the final name not yet taken
        rows.write(pose(2, "4"))
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0]["format"] == "posynda-live-v1" and lines[0]["fps"] == 30.0 and lines[0]["frame"] == "camera"
    assert [(r["source_frame"], r["person"], r["detected"]) for r in lines[1:]] == [(1, "0", True), (2, "4", False)]
    assert lines[1]["absolute_mm"][1] == [4.0, 5.0, 6.0] and lines[1]["absolute_mm"][5] == [None, None, None]
    assert lines[1]["latency_ms"] == 12.3 and not (tmp_path / "live.jsonl.part").exists()


def test_csv_rows_and_a_failed_run_leaves_only_the_part(tmp_path):
    out = tmp_path / "live.csv"
    with pytest.raises(RuntimeError), LiveRows(str(out), HEAD) as rows:
        rows.write(pose(3))
        raise RuntimeError("the source broke")
    assert not out.exists()
    text = (tmp_path / "live.csv.part").read_text().splitlines()
    body = list(csv.reader(line for line in text if not line.startswith("#")))
    assert tuple(body[0]) == CSV_COLUMNS and body[1][:4] == ["0", "3", "1", "12.3"]
    assert body[1][4:7] == ["3.000", "4.000", "5.000"] and body[1][4 + 15 : 4 + 18] == ["", "", ""]


def test_standard_output(capsys):
    with LiveRows("-", HEAD) as rows:
        rows.write(pose(0))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["source_frame"] == 0


@pytest.mark.parametrize("out", ["poses.json", "poses.bvh", "poses.npz", "poses"])
def test_whole_sequence_outputs_are_refused(out):
    with pytest.raises(InputError, match="a live stream writes rows as they come: give a .jsonl or .csv file"):
        check_live_out(out)


def test_rows_in_a_calibrations_world(tmp_path):
    rotation = np.array([[1.0, 0, 0], [0, 0, -1], [0, 1, 0]])  # a level camera in a z-up world
    world = calibration_world(rotation, np.array([0.0, 1500.0, 4000.0]), np.array([0.0, 0.0, 1.0]))
    out = tmp_path / "live.jsonl"
    with LiveRows(str(out), header("cam.mp4", 30.0, (640, 480), "torch (cpu)", world), world) as rows:
        rows.write(pose(1))
    head, row = [json.loads(line) for line in out.read_text().splitlines()]
    assert head["frame"] == "world" and head["axes"]["z"] == "up, the calibration's up axis"
    np.testing.assert_allclose(head["camera_to_world"]["rotation"], world.rotation)
    expected = world.to_world(pose(1).absolute_mm)
    np.testing.assert_allclose(np.array(row["absolute_mm"], dtype=float), expected, atol=1e-3)
    np.testing.assert_allclose(row["root_relative_mm"][1], world.rotate(pose(1).root_relative_mm[1]), atol=1e-3)
    assert HEAD["frame"] == "camera" and "camera_to_world" not in HEAD
