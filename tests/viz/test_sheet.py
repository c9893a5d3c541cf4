"""--viz lift.png: a contact sheet of evenly spaced frames (spread over the sequences), titled per frame, with a
background under the 2D panels when given."""

import numpy as np
import pytest

from posynda.viz.sheet import draw_lift, frame_label, write_sheet
from tests.helpers.cli import PNG
from tests.helpers.clips import make_clips
from tests.helpers.viz import gradient

pytest.importorskip("matplotlib")


def _pixels(path):
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def test_a_sheet_of_eight_frames_over_the_sequences(tmp_path):
    clips = make_clips((30, 20, 10))
    picks = draw_lift(clips, clips.joints_3d, tmp_path / "v.png")
    assert picks == [int(v) for v in np.linspace(0, 59, 8)]
    assert {int(clips.seq_index[i]) for i in picks} == {0, 1, 2}  # spread over every sequence
    data = (tmp_path / "v.png").read_bytes()
    assert data[:8] == PNG
    height, width, _ = _pixels(tmp_path / "v.png").shape
    assert 1100 <= width <= 1400 and 1100 <= height <= 1400  # 4 columns x 2 (2D above 3D) rows
    assert [p.name for p in tmp_path.iterdir()] == ["v.png"]  # no temporary file left


def test_titles_name_the_sequence_the_frame_in_it_the_time_when_fps_is_known_and_the_source_frame():
    clips = make_clips((30, 20))
    assert frame_label(clips, 35) == "seq1 · frame 5/20"
    clips.fps = np.array([50.0, 25.0], np.float32)
    assert frame_label(clips, 35) == "seq1 · frame 5/20 · 0.20 s"
    clips.source_frame = np.arange(50, dtype=np.int32) * 2 + 7  # a video's frame numbers: the written rows' own
    assert frame_label(clips, 35) == "seq1 · frame 5/20 · 0.20 s · source frame 77"


def test_a_background_is_drawn_under_the_2d_panels(tmp_path):
    clips = make_clips((12,))
    background = np.broadcast_to(gradient(1000, 1000), (12, 1000, 1000, 3))
    draw_lift(clips, clips.joints_3d, tmp_path / "plain.png", frames=4)
    draw_lift(clips, clips.joints_3d, tmp_path / "bg.png", frames=4, background=background)
    plain, bg = _pixels(tmp_path / "plain.png").astype(int), _pixels(tmp_path / "bg.png").astype(int)
    assert plain.shape == bg.shape
    top, bottom = slice(0, plain.shape[0] // 2), slice(plain.shape[0] // 2 + 40, None)  # 2D row, 3D row
    assert np.abs(plain[top] - bg[top]).mean() > 20
    assert np.abs(plain[bottom] - bg[bottom]).mean() < 1


def test_draws_evenly_spaced_frames(tmp_path):
    clips = make_clips((30,))
    picks = draw_lift(clips, clips.joints_3d, tmp_path / "v.png", frames=4)
    assert picks == [0, 9, 19, 29]
    assert (tmp_path / "v.png").read_bytes()[:8] == PNG
    assert draw_lift(make_clips((2,)), make_clips((2,)).joints_3d, tmp_path / "w.png", frames=4) == [0, 1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.png", "w.png"]  # no temporary files left


def test_write_sheet_says_which_frames_it_drew(tmp_path):
    clips = make_clips((6, 4))
    said = write_sheet(tmp_path / "v.png", clips, clips.joints_3d)
    assert said == f"{tmp_path / 'v.png'} (contact sheet, frames 0, 1, 2, 3, 5, 6, 7, 9 of the file)"
