"""The live bench: filmed mannequins (one, and two side by side) and any video timed through the live pipeline and
MediaPipe's own BlazePose; one row per video, load and method, per stage."""

import pytest

from posynda.bench import live
from posynda.data.video import VideoReader
from tests.helpers.libposynda import BUILD
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
    c_rows = [live.C_PIPELINE, live.C_PIPELINE_CAUSAL, live.C_ONE_BY_ONE]
    c_rows = c_rows if (BUILD / "native" / "posynda_video").is_file() else []
    methods = [live.POSYNDA, live.POSYNDA_CAUSAL, live.POSYNDA_ONE_BY_ONE, *c_rows, live.MEDIAPIPE]
    videos = ["1 mannequin, 320x240", "2 mannequins, 320x240", "walk.mp4"]
    assert [(r["video"], r["method"]) for r in rows] == [(v, m) for v in videos for m in methods]
    for row in rows:
        assert row["frames"] == 6 and row["fps"] > 0 and row["load"] == "idle"
        assert row["method"] in c_rows or row["people_ms"] > 0  # the C program times the whole frame only
    centred, causal = rows[2 * len(methods)], rows[2 * len(methods) + 1]
    assert centred["lift_ms"] > 0 and centred["latency_frames"] == 26 and centred["people"] == 1.0
    assert causal["lift_ms"] > 0 and causal["latency_frames"] == 0 and causal["people"] == 1.0
    for row in rows:
        if row["method"] in c_rows:  # the C pipeline found people (how many distinct ids it lifted)
            assert row["people"] >= 1.0 and row["latency_frames"] is None
    timed = [line for line in lines if line.endswith("frames/s")]  # a line per row as it is timed
    assert "| walk.mp4 " in live.markdown(result) and len(timed) == len(rows)
    if not c_rows:  # a machine without libposynda's build: the bench says why its rows are missing
        assert any(line.startswith("no libposynda rows: libposynda is not built") for line in lines), lines
