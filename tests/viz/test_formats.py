"""--viz: the extension picks the picture (.png / .gif / .mp4), checked before any work; write_viz draws it."""

import pytest

from posynda.errors import InputError
from posynda.viz.encoders import ffmpeg_exe
from posynda.viz.formats import VIZ_FORMATS, VizFormat, viz_format, write_viz
from tests.helpers.cli import PNG
from tests.helpers.clips import make_clips
from tests.helpers.viz import gif_frames

pytest.importorskip("matplotlib")


def test_the_extension_picks_the_picture():
    assert list(VIZ_FORMATS) == [".png", ".gif", ".mp4"]
    assert viz_format("a.PNG").suffix == ".png" and viz_format("a.gif").suffix == ".gif"


@pytest.mark.parametrize("name, got", [("v.txt", "extension '.txt'"), ("v", "no extension")])
def test_an_unknown_extension_names_the_known_ones(name, got):
    with pytest.raises(InputError) as error:
        viz_format(name)
    message = str(error.value)
    assert message.startswith(f"viz {name}: ") and error.value.parameter == "viz"  # the CLI shows --viz
    assert got in message and "\n" not in message
    assert ".png (contact sheet of 8 frames), .gif (animation), .mp4 (animation, needs ffmpeg)" in message


def test_write_viz_draws_what_the_extension_says(tmp_path):
    clips = make_clips((6, 4))
    said = write_viz(tmp_path / "v.png", clips, clips.joints_3d)
    assert (tmp_path / "v.png").read_bytes()[:8] == PNG and "contact sheet, frames 0, 1, 2" in said
    said = write_viz(tmp_path / "v.gif", clips, clips.joints_3d)
    assert len(gif_frames(tmp_path / "v.gif")[0]) == 6 and "animation of seq0: 6 of 6 frames" in said
    if ffmpeg_exe() is not None:
        write_viz(tmp_path / "v.mp4", clips, clips.joints_3d)
        assert (tmp_path / "v.mp4").read_bytes()[4:8] == b"ftyp"


def test_a_new_picture_is_one_row_of_the_table(tmp_path, monkeypatch):
    drawn = []

    def write_strip(path, clips, poses_mm, background):
        drawn.append((path, clips.num_frames, poses_mm.shape, background))
        return f"{path} (strip)"

    monkeypatch.setitem(VIZ_FORMATS, ".strip", VizFormat(".strip", "film strip", write_strip))
    clips = make_clips((3,))
    assert write_viz(tmp_path / "v.STRIP", clips, clips.joints_3d) == f"{tmp_path / 'v.STRIP'} (strip)"
    assert drawn == [(tmp_path / "v.STRIP", 3, (3, 17, 3), None)]
