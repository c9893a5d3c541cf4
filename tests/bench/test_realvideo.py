"""The real-video benchmark: a recording folder is found or refused before any work, the measures are what they
say, and a mannequin filmed by three calibrated cameras comes out as one person seen by all three, triangulated
where it stands, scored for the lifter, BlazePose's 3D and the constant pose -- all on the frames each track has."""

import dataclasses
import json

import numpy as np
import pytest

from posynda.bench import realvideo
from posynda.errors import InputError
from tests.helpers.cli import run
from tests.helpers.multiview import film_recording, pose2sim_toml, ring_cameras
from tests.helpers.video import needs_blazepose


def test_a_folder_that_is_not_a_recording_is_refused(tmp_path):
    with pytest.raises(InputError, match="holds no \\*.toml or \\*.qca.txt calibration"):
        realvideo.find_recording(tmp_path)
    (tmp_path / "calibration").mkdir()
    (tmp_path / "videos").mkdir()
    (tmp_path / "calibration" / "Calib.toml").write_text(pose2sim_toml(ring_cameras(2)))
    (tmp_path / "videos" / "a.mp4").write_bytes(b"")
    with pytest.raises(InputError, match=r"2 cameras in Calib.toml but 1 videos .*\['cam01', 'cam02'\]"):
        realvideo.find_recording(tmp_path)
    (tmp_path / "videos" / "b.mp4").write_bytes(b"")  # as many as the cameras: matched in name order
    assert [p.name for p in realvideo.find_recording(tmp_path).videos] == ["a.mp4", "b.mp4"]


def test_the_measures():
    rng = np.random.default_rng(0)
    truth = rng.normal(0, 200, (20, 17, 3))
    truth -= truth[:, :1]
    exact = realvideo.scores(truth, truth, np.zeros((20, 3)), np.zeros((20, 3)))
    assert exact["mpjpe"] == pytest.approx(0) and exact["accel"] == pytest.approx(0) and exact["root_mm"] == 0
    distance = 2500.0 + 100.0 * np.arange(20)  # straight ahead: frames 5..15 stand 3-4 m from the camera
    root_truth = np.stack([np.zeros(20), np.zeros(20), distance], axis=-1)
    root_pred = root_truth + np.arange(20.0)[:, None] * np.array([0.0, 0.0, 1.0])  # frame i is i mm off
    placed = realvideo.scores(truth, truth, root_pred, root_truth)
    assert placed["root_mm"] == pytest.approx(9.5) and placed["root_band_frames"] == 11
    assert placed["root_band_mm"] == pytest.approx(10.0)  # the mean of 5..15
    far = realvideo.scores(truth, truth, root_pred, root_truth + np.array([0.0, 0.0, 9000.0]))
    assert far["root_band_mm"] is None and far["root_band_frames"] == 0
    rows = [{"methods": {"m": placed}}, {"methods": {"m": far}},
            {"methods": {"m": dict(placed, root_band_mm=40.0, root_band_frames=1)}}]  # fmt: skip
    assert realvideo._mean(rows, "m", "root_band_mm") == pytest.approx((11 * 10.0 + 40.0) / 12)  # by frames
    shifted = truth + np.array([0.0, 0.0, 10.0])
    shifted[:, 0] = 0.0
    off = realvideo.scores(shifted, truth)
    assert off["mpjpe"] == pytest.approx(10.0 * 16 / 17) and off["root_mm"] is None
    turned = truth @ np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]).T * 1.1
    assert realvideo.scores(turned, truth)["p_mpjpe"] == pytest.approx(0, abs=1e-9)
    moving = truth[:1] + np.arange(20)[:, None, None] * 5.0  # constant velocity: no acceleration
    assert realvideo.acceleration_error(moving, np.repeat(truth[:1], 20, 0)) == pytest.approx(0)
    truth[3, 4] = np.nan
    assert realvideo.scores(truth, truth)["frames"] == 19


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    needs_blazepose()
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tflite")
    pytest.importorskip("PIL")
    folder = tmp_path_factory.mktemp("recording")
    cameras = ring_cameras(3)
    return folder, cameras, film_recording(folder, cameras, frames=10)


def test_one_mannequin_in_three_views_is_one_person_scored_per_camera(recording, tmp_path):
    folder, cameras, _ = recording
    # the ring's world is y up: the levelled rows need it
    result = realvideo.run(folder, hypotheses=1, steps=2, log=lambda line: None, adapt_to=tmp_path / "adapted",
                           adapt_steps=2, world_up="y")  # fmt: skip
    assert result["methods"] == list(realvideo.METHODS)  # every variant of both lifters, causal, the two baselines
    assert result["methods"][-6:] == ["posynda_causal", "posynda_causal_unfused", "posynda_causal_live",
                                      "posynda_causal_level_live", "blazepose_3d", "constant_pose"]  # fmt: skip
    assert result["methods"][:3] == ["posynda", "posynda_unfused", "posynda_unoriented"]
    assert result["adaptation"]["before"]["frames"] == 30 and (tmp_path / "adapted/model.safetensors").is_file()
    assert result["adaptation"]["before"]["multiview_mm"] > 0  # the three cameras' poses of the one person compared
    assert result["complete"] and result["recording"]["frames"] == [10, 10, 10]
    (person,) = result["people"]
    assert sorted(person["tracks"]) == ["cam01#0", "cam02#0", "cam03#0"] and person["frames_with_3d"] == 10
    assert person["median_reprojection_px"] < 6.0  # the views agree: BlazePose on one mannequin
    assert [r["camera"] for r in result["rows"]] == ["cam01", "cam02", "cam03"]
    for view in result["tracking"]:  # the one mannequin, followed by one track in every frame of every view
        (tracked,) = view["people"]
        assert tracked["covered_pct"] == 100.0 and tracked["id_switches"] == 0 and tracked["visible_frames"] == 10
    for row in result["rows"]:
        assert set(row["methods"]) == set(realvideo.METHODS) and row["scored_frames"] >= 5  # all 17 joints in 3D
        assert row["methods"]["posynda"]["root_mm"] < 1000 and row["methods"]["blazepose_3d"]["root_mm"] is None
        assert row["methods"]["posynda_level_live"]["root_mm"] < 1000  # live, levelled and sized by the floor
        lifted = row["methods"]
        # turning about the root keeps the shape (the root is fitted to the turned pose again)
        assert lifted["posynda_unfused"]["p_mpjpe"] == pytest.approx(lifted["posynda_unoriented"]["p_mpjpe"], rel=1e-5)
    text = realvideo.markdown(result)
    assert "| posynda lifter " in text and "BlazePose's own 3D" in text and "cam01#0" in text
    assert "label-free check on the target footage" in text and "## Tracking" in text
    assert "root error at 3-4 m |" in text and "Root error at 3-4 m: the frames where" in text


@pytest.fixture(scope="module")
def four_views(tmp_path_factory):
    needs_blazepose()
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tflite")
    pytest.importorskip("PIL")
    folder = tmp_path_factory.mktemp("four-views")
    film_recording(folder, ring_cameras(4), frames=10)
    return folder


def test_every_method_is_scored_on_the_frames_the_track_has(four_views, monkeypatch):
    """cam03's track misses frames 2 and 3 (a dropout; the three other views still triangulate them): the lifter
    fills them, BlazePose has nothing there -- every method is scored on the frames the track has."""
    folder = four_views
    detect = realvideo.detect_view

    def with_a_gap(view, path, max_frames):
        found = detect(view, path, max_frames)
        if view == 2:
            (track,) = found.tracks
            keep = ~np.isin(track.frames, [2, 3])
            found.tracks = [dataclasses.replace(track, frames=track.frames[keep], keypoints=track.keypoints[keep],
                                                scores=track.scores[keep])]  # fmt: skip
            found.world = {track.id: found.world[track.id][keep]}
        return found

    monkeypatch.setattr(realvideo, "detect_view", with_a_gap)
    result = realvideo.run(folder, hypotheses=1, steps=1, log=lambda line: None, world_up="y")
    row = next(r for r in result["rows"] if r["camera"] == "cam03")
    assert row["frames"] == 8 and 0 < row["scored_frames"] <= 8
    assert {m["frames"] for m in row["methods"].values()} == {row["scored_frames"]}  # BlazePose's too


def test_the_command_writes_its_results_and_quick_takes_30_frames(recording, tmp_path):
    folder, _, _ = recording
    result = run(["bench", "realvideo", "--data-dir", str(folder), "--quick", "-H", "1", "-K", "1", "--world-up", "y",
                  "--out", str(tmp_path / "out")])  # fmt: skip
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "out" / "realvideo.json").read_text())
    assert saved["settings"]["max_frames"] == 30 and saved["settings"]["quick"] and saved["complete"]
    assert saved["methods"] == ["posynda", "posynda_unfused", "posynda_unoriented", "posynda_upright", "posynda_level",
                                "posynda_level_unfused", "posynda_level_lifted_size", "posynda_live",
                                "posynda_level_live", "posynda_causal", "posynda_causal_unfused", "posynda_causal_live",
                                "posynda_causal_level_live", "blazepose_3d", "constant_pose"]  # fmt: skip
    assert saved["adaptation"] is None
    assert (tmp_path / "out" / "realvideo.md").read_text().startswith("# Real video")
