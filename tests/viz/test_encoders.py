"""The .mp4 encoder: H.264 in an ISO media file through ffmpeg, and without ffmpeg a refusal naming what to
install (the .gif encoder is read back in test_animation.py)."""

import sys

import pytest

from posynda.errors import InputError
from posynda.viz.animation import DEFAULT_FPS, animate_lift
from posynda.viz.encoders import ffmpeg_exe
from tests.helpers.clips import make_clips

pytest.importorskip("matplotlib")


def test_an_mp4_is_an_iso_media_file(tmp_path):
    if ffmpeg_exe() is None:
        pytest.skip("no ffmpeg (pip install imageio-ffmpeg)")
    clips = make_clips((10,))
    done = animate_lift(clips, clips.joints_3d, tmp_path / "a.mp4")
    data = (tmp_path / "a.mp4").read_bytes()
    assert len(data) > 1000 and data[4:8] == b"ftyp"
    assert done.fps == DEFAULT_FPS and len(done.frames) == 10
    assert [p.name for p in tmp_path.iterdir()] == ["a.mp4"]


def test_without_ffmpeg_an_mp4_is_refused_with_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import fails
    monkeypatch.setattr("posynda.viz.encoders.shutil.which", lambda name: None)
    assert ffmpeg_exe() is None
    clips = make_clips((5,))
    with pytest.raises(InputError, match="^viz .mp4 needs ffmpeg: pip install imageio-ffmpeg") as error:
        animate_lift(clips, clips.joints_3d, tmp_path / "a.mp4")
    assert error.value.parameter == "viz"  # the command line shows --viz
    assert not list(tmp_path.iterdir())
