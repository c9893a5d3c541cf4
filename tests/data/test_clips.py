"""The clip file format v1: round trip, validation errors that name the key, atomic writes."""

import dataclasses
import io

import numpy as np
import pytest

from posynda.data import FORMAT, ClipSet, concatenate, load_clips, save_clips
from posynda.data.clips import clips_sha256, validate
from posynda.errors import InputError
from tests.helpers.clips import make_clips, write_raw


def test_round_trip_preserves_every_key(tmp_path, clips):
    clips.confidence = np.full(clips.keypoints_2d.shape[:2], 0.8, np.float32)
    clips.valid = np.ones(clips.num_frames, bool)
    clips.fps = np.array([50.0, 25.0], np.float32)
    clips.detector_3d = np.where(np.arange(clips.num_frames)[:, None, None] % 3, clips.joints_3d, np.nan)
    clips.noise_sequence = np.array([4, 1], np.int32)
    path = save_clips(tmp_path / "c.npz", clips)
    back = load_clips(path)
    for f in dataclasses.fields(ClipSet):
        np.testing.assert_array_equal(getattr(back, f.name), getattr(clips, f.name))
    assert back.sequence_bounds().tolist() == [[0, 40], [40, 65]]


def test_missing_keypoints_are_allowed_as_nan(tmp_path, clips):
    clips.keypoints_2d[3, 5] = np.nan
    back = load_clips(save_clips(tmp_path / "c.npz", clips))
    assert np.isnan(back.keypoints_2d[3, 5]).all()
    assert back.confidence_or_ones()[3, 5] == 0


BAD_FILES = [
    ("16 joints", {"keypoints_2d": np.zeros((65, 16, 2), np.float32)}, "keypoints_2d"),
    ("NaN in 3D", "nan3d", "joints_3d"),
    ("missing camera", {"camera": None}, "camera"),
    ("missing format", {"format": None}, "format"),
    ("wrong format", {"format": np.array("other-v9")}, "format"),
    ("seq_index out of range", {"seq_index": np.full(65, 7, np.int32)}, "seq_index"),
    ("seq_index unsorted", {"seq_index": np.r_[np.ones(40), np.zeros(25)].astype(np.int32)}, "seq_index"),
    ("N mismatch", {"joints_3d": np.zeros((64, 17, 3), np.float32)}, "joints_3d"),
    ("S mismatch", {"image_size": np.ones((3, 2), np.int32)}, "image_size"),
    ("string keypoints", {"keypoints_2d": np.array(["a"] * 65)}, "keypoints_2d"),
    ("negative focal", {"camera": -np.ones((2, 9), np.float32)}, "camera"),
    ("unknown key", {"extra_stuff": np.zeros(3)}, "extra_stuff"),
    ("fps beyond video", {"fps": np.array([50.0, 3e37], np.float32)}, "fps"),
    ("zero fps", {"fps": np.array([0.0, 50.0], np.float32)}, "fps"),
    ("infinite fps", {"fps": np.array([np.inf, 50.0], np.float32)}, "fps"),
]


@pytest.mark.parametrize("case,override,key", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_files_raise_one_line_error_naming_the_key(tmp_path, clips, case, override, key):
    if override == "nan3d":
        clips.joints_3d[10, 3, 1] = np.nan
        override = {}
    path = tmp_path / "bad.npz"
    write_raw(path, clips, **override)
    with pytest.raises(InputError) as err:
        load_clips(path)
    message = str(err.value)
    assert key in message and "\n" not in message


def test_truncated_and_missing_files(tmp_path, clips):
    good = save_clips(tmp_path / "good.npz", clips)
    data = good.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated or corrupt"):
        load_clips(truncated)
    with pytest.raises(InputError, match="no such clip file"):
        load_clips(tmp_path / "absent.npz")


@pytest.mark.parametrize("content", [b"keypoints, as text\n", b"\x93NUMPY\x01\x00"], ids=["text", "npy"])
def test_a_file_that_is_no_zip_archive_is_not_an_npz_file(tmp_path, content):
    path = tmp_path / "renamed.npz"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        load_clips(path)
    message = str(err.value)
    assert "not an npz file" in message and "pickle" not in message and "\n" not in message


def test_invalid_save_writes_nothing_and_keeps_the_old_file(tmp_path, clips):
    path = save_clips(tmp_path / "c.npz", clips)
    before = path.read_bytes()
    broken = dataclasses.replace(clips, joints_3d=np.full_like(clips.joints_3d, np.nan))
    with pytest.raises(InputError):
        save_clips(path, broken)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"]  # no temp file left behind


def test_select_and_concatenate(clips):
    second = clips.select_sequences([1])
    assert second.num_frames == 25 and second.seq_index.max() == 0 and list(second.seq_name) == ["seq1"]
    joined = concatenate([clips, make_clips((30,), seed=1)])
    assert joined.num_sequences == 3 and joined.num_frames == 95
    assert joined.sequence_bounds().tolist() == [[0, 40], [40, 65], [65, 95]]
    assert clips.without_3d().joints_3d is None


def test_noise_sequences_are_positions_unless_named_and_selecting_keeps_named_ones(clips):
    assert clips.noise_sequences().tolist() == [0, 1] and clips.select_sequences([1]).noise_sequences().tolist() == [0]
    named = clips.with_noise_sequences()
    assert named.noise_sequence.tolist() == [0, 1] and named.select_sequences([1]).noise_sequences().tolist() == [1]
    assert named.select_sequences([1]).with_noise_sequences().noise_sequence.tolist() == [1]  # kept, not renumbered
    with pytest.raises(InputError, match="key 'noise_sequence' must be >= 0"):
        validate(dataclasses.replace(clips, noise_sequence=np.array([0, -1])))


def test_npz_object_arrays_are_refused(tmp_path, clips):
    buffer = io.BytesIO()
    np.savez(buffer, format=np.array(FORMAT), keypoints_2d=np.array([{"a": 1}], dtype=object))
    path = tmp_path / "pickle.npz"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(InputError):
        load_clips(path)


def test_an_unknown_frame_rate_is_nan_and_with_fps_keeps_to_the_bounds(tmp_path, clips):
    unknown = dataclasses.replace(clips, fps=np.array([np.nan, 30.0], np.float32))
    assert np.isnan(load_clips(save_clips(tmp_path / "c.npz", unknown)).fps[0])
    assert clips.with_fps(1000.0).fps.tolist() == [1000.0, 1000.0]
    for bad in (0.0, -1.0, 1000.5, float("nan"), float("inf")):
        with pytest.raises(InputError, match=r"fps must lie in \(0, 1000\] frames/s"):
            clips.with_fps(bad)


@pytest.mark.parametrize("fps,name", [(None, None), (30.0, "cam0")])
def test_single_sequence_is_a_valid_one_sequence_clipset(fps, name):
    kp = np.random.default_rng(0).uniform(0, 500, (12, 17, 2))
    clips = validate(ClipSet.single_sequence(kp, [900, 900, 320, 240, 0, 0, 0, 0, 0], (640, 480), fps=fps, name=name))
    assert clips.num_sequences == 1 and clips.num_frames == 12 and clips.keypoints_2d.dtype == np.float32
    assert clips.image_size.tolist() == [[640, 480]] and (clips.seq_index == 0).all()
    assert (clips.fps is None) == (fps is None) and (clips.seq_name is None) == (name is None)


def test_source_frames_and_people_survive_saving_selecting_and_joining(tmp_path, clips):
    bounds = clips.sequence_bounds()
    frames = np.concatenate([np.arange(100, 100 + stop - start) for start, stop in bounds]).astype(np.int32)
    people = np.array([str(7 + s) for s in range(clips.num_sequences)])
    tagged = dataclasses.replace(clips, source_frame=frames, person=people)
    back = load_clips(save_clips(tmp_path / "t.npz", tagged))
    np.testing.assert_array_equal(back.source_frame, frames)
    assert back.person.tolist() == people.tolist() and back.person_of(1) == "8"
    assert back.source_frames(1).tolist() == list(range(100, 100 + bounds[1, 1] - bounds[1, 0]))
    one = back.select_sequences([1])
    assert one.person.tolist() == ["8"] and one.source_frames(0).tolist() == back.source_frames(1).tolist()
    assert concatenate([back, back]).person.tolist() == people.tolist() * 2
    assert clips.source_frames(0).tolist() == list(range(bounds[0, 1])) and clips.person_of(0) is None
    backwards = frames.copy()
    backwards[1] = backwards[0]
    with pytest.raises(InputError, match="'source_frame' must be >= 0 and increase within each sequence"):
        validate(dataclasses.replace(clips, source_frame=backwards))


def test_the_digest_of_a_clip_set_follows_every_array_it_holds(clips):
    same = dataclasses.replace(clips, keypoints_2d=clips.keypoints_2d.copy())
    assert clips_sha256(same) == clips_sha256(clips)
    moved = clips.keypoints_2d.copy()
    moved[3, 5, 0] += 0.5
    renamed = dataclasses.replace(clips, seq_name=np.array(["a", "b"]))
    for other in (dataclasses.replace(clips, keypoints_2d=moved), clips.without_3d(), renamed):
        assert clips_sha256(other) != clips_sha256(clips)
