"""The video bench: labelled poses filmed, detected and scored twice (true and detected 2D) per model."""

import dataclasses
import json

import numpy as np
import pytest

from posynda.bench import live, video
from posynda.bench.results import RowWriter
from posynda.bench.video import FUSED, ORIENTED, markdown, run_video
from posynda.data import load_clips
from posynda.defaults import default_clips_path
from posynda.errors import InputError
from tests.helpers.cli import markdown_rows
from tests.helpers.interrupts import Stopped, stop_at_call
from tests.helpers.video import needs_blazepose

pytest.importorskip("imageio_ffmpeg")


def _short_wild(frames: int):
    clips = load_clips(default_clips_path("wild", "test")).select_sequences([0, 1])
    keep = np.concatenate([np.arange(a, a + frames) for a, _ in clips.sequence_bounds()])
    return dataclasses.replace(
        clips,
        keypoints_2d=clips.keypoints_2d[keep],
        seq_index=clips.seq_index[keep],
        joints_3d=clips.joints_3d[keep],
        confidence=None if clips.confidence is None else clips.confidence[keep],
        valid=None if clips.valid is None else clips.valid[keep],
    )


def test_two_filmed_sequences_score_true_and_detected_2d_for_each_model(tmp_path, micro_file):
    needs_blazepose()
    clips = _short_wild(12)
    result = run_video({"micro": micro_file}, clips, tmp_path, frames=10, size=(320, 240), log=lambda *_: None,
                       end_to_end_size=(320, 240))  # fmt: skip
    assert result["sequences"] == result["sequences_with_person"] == 2
    inputs = ["BlazePose's own 3D (world landmarks)", "constant pose (mean of the truth)", "true 2D (projected joints)",
              "BlazePose on the video", ORIENTED, FUSED]  # fmt: skip
    assert [r["input"] for r in result["rows"]] == inputs and [r["model"] for r in result["rows"]][:2] == ["-", "-"]
    plain, oriented = result["rows"][3], result["rows"][4]
    assert oriented["p_mpjpe"] == pytest.approx(plain["p_mpjpe"], rel=1e-3)  # the same poses, turned
    assert 0 < result["rows"][0]["frames"] <= 20 and result["rows"][1]["frames"] == 20
    d = result["detection"]
    assert d["frames"] == 20 and d["frames_with_person"] >= 18
    assert 0 < d["error_px_median"] < 0.1 * d["person_height_px_median"]
    assert sorted(p.name for p in (tmp_path / "videos").iterdir()) == ["000.mp4", "001.mp4", "mannequin-1-320x240.mp4"]
    text = markdown(result)
    table = markdown_rows(text)
    assert table[0] == ["model", "input", "MPJPE", "P-MPJPE", "PCK"] and table[3][0] == "micro"
    # end to end: lift --video --stream (centred, causal) beside MediaPipe, on the same 10 timed frames
    rows = {r["method"]: r for r in result["end_to_end"]}
    assert list(rows) == [live.POSYNDA, live.POSYNDA_CAUSAL, live.MEDIAPIPE]
    assert all(r["frames"] == 10 and r["fps"] > 0 and r["size"] == [320, 240] for r in rows.values())
    assert rows[live.POSYNDA]["latency_frames"] > 0 == rows[live.POSYNDA_CAUSAL]["latency_frames"]
    assert rows[live.POSYNDA]["people"] == 1.0 and rows[live.POSYNDA]["lift_ms"] > 0
    assert "End to end, pixels to 3D: one person filmed at 320x240, 10 frames" in text


def test_clips_without_3d_or_an_odd_size_are_refused(tmp_path, micro_file):
    clips = _short_wild(4)
    with pytest.raises(InputError, match="no 'joints_3d'"):
        run_video({"m": micro_file}, clips.without_3d(), tmp_path)
    with pytest.raises(InputError, match="must be even"):
        run_video({"m": micro_file}, clips, tmp_path, size=(321, 240))
    with pytest.raises(InputError, match="size 640x479 must be even"):
        run_video({"m": micro_file}, clips, tmp_path, end_to_end_size=(640, 479))


def test_a_run_stopped_after_its_first_score_keeps_it(tmp_path, micro_file, monkeypatch):
    needs_blazepose()
    stop_at_call(monkeypatch, video, "evaluate", 2)
    with pytest.raises(Stopped):
        run_video({"micro": micro_file}, _short_wild(6), tmp_path, frames=5, size=(320, 240), max_sequences=1,
                  log=lambda *_: None, on_row=RowWriter(tmp_path, "video", markdown), end_to_end_size=None)  # fmt: skip
    payload = json.loads((tmp_path / "video.json").read_text())
    assert payload["complete"] is False and [r["input"] for r in payload["rows"]][-1] == "true 2D (projected joints)"
