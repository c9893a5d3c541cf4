"""The output format table: the extension picks the writer, an unknown one is refused before any work, every
format reads back with the values and the frame it states, and a failing writer leaves no file."""

import contextlib
import csv
import json

import numpy as np
import pytest

from posynda.data import load_clips
from posynda.data.bvh import read_bvh
from posynda.errors import InputError
from posynda.fileio import atomic_open
from posynda.posefiles import OUTPUT_FORMATS, output_format, write_poses
from posynda.posefiles.poses import CAMERA_TO_Y_UP, WORLD_TO_Y_UP, lifted_poses
from tests.helpers.posefiles import scene_clips


def _npz(path):
    clips = load_clips(path)
    return "camera", [clips.joints_3d[s] for _, s in clips.iter_sequences()]


def _json(path):
    doc = json.loads(path.read_text())
    return doc["frame"], [np.array([f["absolute"] for f in s["frames"]], float) for s in doc["sequences"]]


def _csv(path):
    lines = path.read_text().splitlines()
    (frame,) = [line.removeprefix("# frame: ") for line in lines if line.startswith("# frame: ")]
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    names = list(dict.fromkeys(r["sequence"] for r in rows))
    columns = [c for c in rows[0] if c not in ("sequence", "person", "frame", "source_frame")]
    return frame, [np.array([[float(r[c]) for c in columns] for r in rows if r["sequence"] == n]).reshape(-1, 17, 3)
                   for n in names]  # fmt: skip


def _bvh(path):  # the root's track, back in posynda's axes and mm (the other joints: tests/.../test_bvh_writer.py)
    side = json.loads(path.with_name(path.name + ".json").read_text())
    turn = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]]) if side["frame"] == "world" else np.diag([1, -1, -1])
    tracks = []
    for entry in side["files"]:
        kin = read_bvh(path.with_name(entry["file"])).kinematics()
        tracks.append(kin.positions[:, :1] * 10.0 @ turn)  # BVH = turn @ posynda -> posynda = BVH @ turn
    return side["frame"], tracks


def _trc(path, frame):  # a TRC does not name its frame: the summary does; back from Y up to posynda's axes
    turn = WORLD_TO_Y_UP if frame == "world" else CAMERA_TO_Y_UP
    tracks = []
    for file in sorted(path.parent.glob(f"{path.stem}*.trc"), key=lambda p: (p != path, p.name)):
        rows = [line.split("\t") for line in file.read_text().splitlines()[5:]]
        assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1))
        tracks.append(np.array([[float(v) for v in r[2:]] for r in rows]).reshape(-1, 17, 3) @ turn)
    return frame, tracks


READERS = {".npz": _npz, ".json": _json, ".csv": _csv, ".bvh": _bvh, ".trc": _trc}
# (tolerance in mm, joints compared) per format: JSON/CSV/TRC keep 0.001 mm, BVH 0.0001 cm of its root
CHECKS = {
    ".npz": (0.0, slice(None)),
    ".json": (5e-4, slice(None)),
    ".csv": (5e-4, slice(None)),
    ".bvh": (1e-3, [0]),
    ".trc": (5e-4, slice(None)),
}


def test_the_table_covers_the_readers():
    assert list(OUTPUT_FORMATS) == list(READERS) == [".npz", ".json", ".csv", ".bvh", ".trc"]


@pytest.mark.parametrize("suffix", list(READERS))
@pytest.mark.parametrize("lengths", [(60, 40), (12,)], ids=["world", "camera"])
def test_every_format_reads_back_with_its_values_and_frame(tmp_path, suffix, lengths):
    clips, result = scene_clips(lengths, fps=(30.0,) * len(lengths))
    path = tmp_path / f"poses{suffix}"
    written = write_poses(path, result, clips)
    assert written.paths[0] == path and all(p.is_file() for p in written.paths)
    reader = READERS[suffix]
    frame, got = reader(path, written.frame) if reader is _trc else reader(path)
    expected = lifted_poses(result, clips, world=suffix != ".npz")
    assert frame == written.frame == expected.frame == ("world" if len(lengths) == 2 and suffix != ".npz" else "camera")
    tolerance, joints = CHECKS[suffix]
    assert len(got) == len(expected.sequences)
    for values, seq in zip(got, expected.sequences):
        want = (
            seq.absolute
            if suffix != ".npz"
            else result.absolute_mm[clips.seq_index == clips.sequence_names().index(seq.name)]
        )
        np.testing.assert_allclose(values[:, joints], want[:, joints], atol=tolerance + 1e-9, rtol=0)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


@pytest.mark.parametrize(
    "suffix, lengths, summary",
    [
        (".npz", (60, 40), "(camera coordinates, mm: the clip file's joints_3d)"),
        (".json", (60, 40), "(world coordinates, floor at z = 0, mm)"),
        (".csv", (12,), "(camera coordinates, mm: no floor found: 12 frames with both ankles (at least 20 needed))"),
        (
            ".bvh",
            (12,),
            "(+ 1 more beside it: poses.bvh.json) (camera coordinates turned y up, cm: no floor found: 12 ",
        ),
    ],
    ids=["npz", "json-world", "csv-camera", "bvh-camera"],
)
def test_the_summary_says_what_was_written_and_in_which_frame(tmp_path, suffix, lengths, summary):
    clips, result = scene_clips(lengths, fps=(30.0,) * len(lengths))
    written = write_poses(tmp_path / f"poses{suffix}", result, clips)
    assert written.summary().startswith(f"{tmp_path / f'poses{suffix}'} {summary}")


@pytest.mark.parametrize("name", ["poses.txt", "poses", "poses.json.gz", "poses.NPY"])
def test_an_unknown_extension_is_refused_naming_it_and_the_known_ones(name):
    with pytest.raises(InputError) as error:
        output_format(name)
    message = str(error.value)
    suffix = name.rpartition(".")[2].lower() if "." in name else None
    assert (f"'.{suffix}'" if suffix else "no extension") in message
    assert (
        ".npz (clip file with joints_3d), .json (poses per frame and joint), .csv (one row per frame), .bvh" in message
    )
    assert "\n" not in message


def test_the_extension_is_case_insensitive():
    assert output_format("POSES.Json") is OUTPUT_FORMATS[".json"]


class _Failing:
    """A file handle that writes half of its ``fail_at``-th write and then fails (a full disk)."""

    writes = 0

    def __init__(self, handle, fail_at):
        self.handle, self.fail_at = handle, fail_at

    def write(self, data):
        _Failing.writes += 1
        if _Failing.writes >= self.fail_at:
            self.handle.write(data[: len(data) // 2])
            raise OSError(28, "No space left on device")
        return self.handle.write(data)

    def __getattr__(self, name):
        return getattr(self.handle, name)


# where each writer's atomic_open is looked up, and which write fails (the BVH: the sidecar, after both takes)
FAIL_AT = {
    ".npz": ("posynda.data.clips", 1),
    ".json": ("posynda.posefiles.json_writer", 3),
    ".csv": ("posynda.posefiles.csv_writer", 20),
    ".bvh": ("posynda.posefiles.bvh_writer", 3),
}


@pytest.mark.parametrize("suffix", list(FAIL_AT))
def test_a_failing_writer_leaves_no_partial_file_and_the_old_one_intact(tmp_path, monkeypatch, suffix):
    module, fail_at = FAIL_AT[suffix]
    _Failing.writes = 0

    @contextlib.contextmanager
    def failing_open(path, mode="wb"):
        with atomic_open(path, mode) as handle:
            yield _Failing(handle, fail_at)

    monkeypatch.setattr(f"{module}.atomic_open", failing_open)
    clips, result = scene_clips((60, 40))
    path = tmp_path / f"poses{suffix}"
    path.write_bytes(b"the previous output")
    with pytest.raises(OSError, match="No space left"):
        write_poses(path, result, clips)
    assert path.read_bytes() == b"the previous output"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no second take, sidecar or temporary file
