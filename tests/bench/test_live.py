"""The live bench: filmed mannequins (one, and two side by side) and any video timed through the live pipeline and
MediaPipe's own BlazePose; one row per video, load and method, per stage."""

import pytest

from posynda.bench import live
from posynda.data.video import VideoReader
from tests.helpers.video import film_mannequin, needs_blazepose


def test_two_mannequins_stand_side_by_side_in_one_video(tmp_path):
    pytest.importorskip("imageio_ffmpeg")
    path = live.film(tmp_path, 2, 5, (320, 240))
    with VideoReader(path) as reader:
        frames = list(reader)
    assert reader.size == (320, 240) and len(frames) == 5
    left, right = frames[0][:, :160], frames[0][:, 160:]
    background = frames[0][0, 0]
    assert (left != background).any(-1).sum() > 200 and (right != background).any(-1).sum() > 200  # one each side


def test_rows_time_every_stage_for_each_video_and_method(tmp_path):
    needs_blazepose()
    extra = tmp_path / "walk.mp4"
    film_mannequin(extra, frames=8)
    lines = []
    result = live.run(tmp_path / "out", [str(extra)], frames=6, size=(320, 240), loads=("idle",), log=lines.append)
    rows = result["rows"]
    assert [(r["video"], r["method"]) for r in rows][::2] == [("1 mannequin, 320x240", live.POSYNDA),
                                                              ("2 mannequins, 320x240", live.POSYNDA),
                                                              ("walk.mp4", live.POSYNDA)]  # fmt: skip
    for row in rows:
        assert row["frames"] == 6 and row["fps"] > 0 and row["people_ms"] > 0 and row["load"] == "idle"
    posynda = rows[4]
    assert posynda["lift_ms"] > 0 and posynda["latency_frames"] == 26 and posynda["people"] == 1.0
    assert "| walk.mp4 " in live.markdown(result) and len(lines) == len(rows)
