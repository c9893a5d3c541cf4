"""--viz lift.gif / lift.mp4: one sequence animated at its frame rate, subsampled when long, fixed limits, a
background under the 2D panel when given, written atomically."""

import numpy as np
import pytest

from posynda.errors import InputError
from posynda.fileio import atomic_path
from posynda.viz.animation import (
    DEFAULT_FPS,
    animate_lift,
    animation_plan,
    pick_sequence,
)
from tests.helpers.clips import make_clips
from tests.helpers.viz import gif_frames, gradient

pytest.importorskip("matplotlib")


def test_a_gif_of_the_longest_sequence_at_its_frame_rate(tmp_path):
    clips = make_clips((8, 12, 12))  # the first of the longest: sequence 1
    clips.fps = np.array([50.0, 25.0, 10.0], np.float32)
    done = animate_lift(clips, clips.joints_3d, tmp_path / "a.gif")
    assert (done.sequence, done.frames, done.step, done.fps) == ("seq1", tuple(range(8, 20)), 1, 25.0)
    frames, durations = gif_frames(tmp_path / "a.gif")
    assert frames.shape == (12, 480, 960, 3)
    assert durations == [40] * 12  # ms: 25 fps
    assert len({f.tobytes() for f in frames}) == 12  # the counter (and the pose) moves every frame
    assert [p.name for p in tmp_path.iterdir()] == ["a.gif"]  # no temporary file left
    assert done.summary() == f"{tmp_path / 'a.gif'} (animation of seq1: 12 of 12 frames, 25 fps)"


def test_a_long_sequence_is_subsampled_and_plays_in_real_time(tmp_path):
    clips = make_clips((40,))
    done = animate_lift(clips, clips.joints_3d, tmp_path / "a.gif", max_frames=16)
    assert done.step == 3 and done.frames == tuple(range(0, 40, 3)) and done.fps == pytest.approx(DEFAULT_FPS / 3)
    frames, durations = gif_frames(tmp_path / "a.gif")
    assert len(frames) == 14 and durations == [120] * 14  # every 3rd frame of 25 fps, 120 ms each
    clips.fps = [30.0]  # 33.3 ms a frame: GIF counts centiseconds, so 30 or 40 ms, 1 s every 30 frames
    animate_lift(clips, clips.joints_3d, tmp_path / "b.gif")
    durations = gif_frames(tmp_path / "b.gif")[1]
    assert set(durations) == {30, 40} and sum(durations[:30]) == 1000
    assert "14 of 40 frames, every 3rd, 8.333 fps" in done.summary()


def test_animation_plan_caps_frames_and_gif_frame_rates():
    clips = make_clips((700, 30))
    assert animation_plan(clips, 0)[1:] == (3, DEFAULT_FPS / 3)  # ceil(700 / 300)
    clips.fps = np.array([120.0, 30.0], np.float32)
    frames, step, fps = animation_plan(clips, 1, max_fps=50)
    assert (step, fps) == (1, 30.0) and len(frames) == 30
    assert animation_plan(clips, 0, max_frames=1000, max_fps=50)[1:] == (3, 40.0)  # GIF: at most 50 frames a second
    assert animation_plan(clips, 0, max_frames=1000)[1:] == (1, 120.0)  # MP4: any rate


def test_a_sequence_can_be_named_or_numbered():
    clips = make_clips((5, 9, 7))
    assert pick_sequence(clips) == 1 and pick_sequence(clips, "seq2") == 2 and pick_sequence(clips, 0) == 0
    with pytest.raises(InputError, match="no sequence named 'x'; the file has seq0, seq1, seq2"):
        pick_sequence(clips, "x")
    with pytest.raises(InputError, match="the file has 3 sequences"):
        pick_sequence(clips, 3)


def test_a_background_changes_the_2d_panel_only(tmp_path):
    clips = make_clips((6,))
    background = np.broadcast_to(gradient(1000, 1000), (6, 1000, 1000, 3))
    animate_lift(clips, clips.joints_3d, tmp_path / "plain.gif")
    animate_lift(clips, clips.joints_3d, tmp_path / "bg.gif", background=background)
    (plain, _), (bg, _) = gif_frames(tmp_path / "plain.gif"), gif_frames(tmp_path / "bg.gif")
    left, right = slice(80, 420), slice(560, 900)  # inside the 2D panel, inside the 3D panel
    changed = np.abs(plain.astype(int) - bg.astype(int)).max(axis=-1) > 30  # per pixel, beyond dithering noise
    assert changed[:, 100:400, left].mean() > 0.8
    assert changed[:, 100:400, right].mean() < 0.02  # the 3D panel is the same picture (dithered a little)
    assert len(np.unique(bg[0, 100:400, left].reshape(-1, 3), axis=0)) > 50  # a gradient, not a flat canvas


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    (tmp_path / "a.gif").write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "a.gif") as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".gif"  # writers pick the format by the extension
        tmp.write_bytes(b"half")
        raise RuntimeError("encoder died")
    assert [p.name for p in tmp_path.iterdir()] == ["a.gif"] and (tmp_path / "a.gif").read_bytes() == b"old"
