"""`posynda lift --video` and `posynda detect`: a filmed video goes in, poses come out for every frame and a
picture over the footage; detect writes the 2D once for lift and adapt; bad inputs exit 2 with one line."""

import dataclasses
import json
import os
import subprocess

import numpy as np
import pytest

from posynda.data import load_clips
from tests.helpers.cli import PNG, error_lines, run
from tests.helpers.video import film_mannequin, needs_blazepose

pytest.importorskip("imageio_ffmpeg")

FRAMES = 20


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = tmp_path_factory.mktemp("footage") / "walk.mp4"
    film_mannequin(path, frames=FRAMES)
    return path


def test_lift_video_finds_the_person_and_writes_poses_for_every_frame_and_a_picture_over_the_footage(video, tmp_path):
    needs_blazepose()
    out, sheet = tmp_path / "poses.json", tmp_path / "sheet.png"
    result = run(["lift", "--video", str(video), "--out", str(out), "--viz", str(sheet), "--quiet", "-K", "2"])
    assert result.exit_code == 0, result.output
    assert "input " + str(video) + ": video, 1 sequence, 320x240, f = 320 px (default camera)" in result.output
    assert "walk/person0: 20 frames" in result.output
    assert "orientation: the detector's 3D (detector)" in result.output  # --orient auto, for a video
    poses = json.loads(out.read_text())
    (sequence,) = poses["sequences"]
    assert sequence["name"] == "walk/person0" and sequence["fps"] == 25.0 and len(sequence["frames"]) == FRAMES
    assert sheet.read_bytes().startswith(PNG)


def test_detect_writes_the_2d_once_and_lift_reads_it_to_the_same_poses(video, tmp_path):
    needs_blazepose()
    npz, js = tmp_path / "walk.npz", tmp_path / "walk.json"
    for path in (npz, js):
        result = run(["detect", str(video), "--out", str(path), "--quiet"])
        assert result.exit_code == 0, result.output
        assert f"wrote {path}" in result.output and "1 sequence, 20 frames" in result.output
    from_npz, from_json = load_clips(npz), None
    assert np.isfinite(from_npz.detector_3d).any()  # BlazePose's own 3D kept for `lift --orient` (not in the JSON)
    result = run(["lift", "--input", str(js), "--out", str(tmp_path / "j.npz"), "--quiet"])
    assert result.exit_code == 0, result.output
    from_json = load_clips(tmp_path / "j.npz")
    np.testing.assert_allclose(from_json.keypoints_2d, from_npz.keypoints_2d, atol=0.005, equal_nan=True)  # 0.01 px
    np.testing.assert_allclose(from_json.confidence, from_npz.confidence, atol=5e-5)
    assert from_json.fps.tolist() == from_npz.fps.tolist() == [25.0]
    outs = {}
    for name, source in (("video", ["--video", str(video)]), ("npz", ["--input", str(npz)])):
        result = run(["lift", *source, "--out", str(tmp_path / f"{name}.out.npz"), "--quiet"])
        assert result.exit_code == 0, result.output
        outs[name] = load_clips(tmp_path / f"{name}.out.npz").joints_3d
    np.testing.assert_array_equal(outs["video"], outs["npz"])  # the same detections, the same seed


@pytest.mark.slow
def test_adapt_takes_a_video_as_its_target(video, tmp_path):
    needs_blazepose()
    out = tmp_path / "run"
    result = run(["adapt", "--target", str(video), "--out", str(out), "--steps", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "walk/person0: 20 frames" in result.output and (out / "model.safetensors").is_file()


@pytest.mark.parametrize(
    "args, message",
    [
        (["lift", "--video", "{video}", "--input", "{video}"], "--video and --input both name the input"),
        (["lift", "--video", "{video}", "--format", "coco"], "--video reads a video; drop --format coco"),
        (["lift", "--video", "{video}", "--image-size", "640x480"], "has its own image size; drop --image-size"),
        (["lift", "--video", "{text}"], "not a video ffmpeg can read"),
        (["detect", "{video}", "--out", "{tmp}/kp.txt"], "--out {tmp}/kp.txt: unknown keypoint file format"),
        (["detect", "{tmp}/missing.mp4", "--out", "{tmp}/kp.npz"], "no such keypoint file or folder"),
        (["lift", "--video", "{video}", "--stream", "--viz", "{tmp}/v.png"], "--viz needs whole sequences"),
        (["lift", "--video", "{video}", "--stream", "--out", "{tmp}/p.json"], "a live stream writes rows as they"),
        (["lift", "--video", "{tmp}/missing.mp4", "--stream", "--out", "{tmp}/p.jsonl"], "no such video file"),
    ],
    ids=["video-and-input", "format", "image-size", "not-a-video", "detect-out", "detect-missing"]
    + ["live-viz", "live-json", "live-missing"],
)
def test_bad_video_input_exits_2_with_one_line(video, tmp_path, args, message):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n")
    fill = {"video": str(video), "text": str(text), "tmp": str(tmp_path)}
    result = run([a.format(**fill) for a in args])
    assert result.exit_code == 2, result.output
    assert len(error_lines(result)) == 1 or "Usage" in result.output, result.output
    assert message.format(**fill) in result.output
    assert not (tmp_path / "kp.npz").exists() and not (tmp_path / "kp.txt").exists()
    assert not list(tmp_path.glob("p.json*")) and not (tmp_path / "v.png").exists()


def test_rows_carry_the_video_frame_and_the_person_in_json_csv_and_trc(tmp_path):
    needs_blazepose()
    video = tmp_path / "late.mp4"
    film_mannequin(video, frames=12, blank=(3, 0))  # nobody in the first 3 frames
    outputs = {}
    for suffix in (".json", ".csv", ".trc"):
        out = tmp_path / f"poses{suffix}"
        result = run(["lift", "--video", str(video), "--out", str(out), "--person", "0", "--quiet", "-K", "2"])
        assert result.exit_code == 0, result.output
        outputs[suffix] = out
    (sequence,) = json.loads(outputs[".json"].read_text())["sequences"]
    assert sequence["person"] == "0" and [f["source_frame"] for f in sequence["frames"]] == list(range(3, 12))
    rows = [line.split(",") for line in outputs[".csv"].read_text().splitlines() if not line.startswith("#")]
    assert rows[0][:4] == ["sequence", "person", "frame", "source_frame"]
    assert [(r[1], int(r[3])) for r in rows[1:]] == [("0", t) for t in range(3, 12)]
    json_root = [f["absolute"][0] for f in sequence["frames"]]
    csv_root = [[float(v) for v in r[4:7]] for r in rows[1:]]
    np.testing.assert_allclose(csv_root, json_root, atol=1e-3)  # the same frames, row for row
    trc = outputs[".trc"].read_text().splitlines()
    assert [int(line.split("\t")[0]) for line in trc[5:]] == list(range(4, 13))  # TRC counts from 1


def test_person_and_frame_choose_what_is_written(video, tmp_path):
    needs_blazepose()
    out = tmp_path / "p.json"
    result = run(["lift", "--video", str(video), "--out", str(out), "--frame", "camera", "--quiet", "-K", "2"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["frame"] == "camera" and "the camera frame was asked for" in result.output
    result = run(["lift", "--video", str(video), "--out", str(tmp_path / "q.json"), "--person", "7", "--quiet"])
    errors = error_lines(result)
    assert result.exit_code == 2 and errors == ["posynda: error: --person 7: not in the input, which has people 0"]
    assert not (tmp_path / "q.json").exists()


def test_detect_keeps_the_video_frames_and_the_people_for_a_later_lift(tmp_path):
    needs_blazepose()
    video = tmp_path / "late.mp4"
    film_mannequin(video, frames=10, blank=(4, 0))
    result = run(["detect", str(video), "--out", str(tmp_path / "late.json"), "--quiet"])
    assert result.exit_code == 0, result.output
    result = run(["lift", "--input", str(tmp_path / "late.json"), "--out", str(tmp_path / "p.json"), "--quiet"])
    assert result.exit_code == 0, result.output
    (sequence,) = json.loads((tmp_path / "p.json").read_text())["sequences"]
    assert sequence["person"] == "0" and sequence["frames"][0]["source_frame"] == 4


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    needs_blazepose()
    pytest.importorskip("PIL")
    from tests.helpers.multiview import film_recording, ring_cameras

    folder = tmp_path_factory.mktemp("calibrated")
    world = film_recording(folder, ring_cameras(2), frames=12)
    return folder, world


def test_a_calibration_gives_the_camera_its_gravity_and_its_world(calibrated, tmp_path):
    folder, world = calibrated
    video, calibration = folder / "videos" / "cam01.mp4", folder / "calibration" / "Calib.toml"
    out = tmp_path / "p.json"
    args = ["lift", "--video", str(video), "--calibration", str(calibration), "--world-up", "y", "--quiet"]
    result = run([*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (the calibration's world coordinates, z up, mm)" in result.output
    assert "orientation:" not in result.output  # the calibration's gravity, not the detector's 3D
    assert "size: from the calibration's floor (--size floor): cam01/person0 " in result.output
    doc = json.loads(out.read_text())
    assert doc["frame"] == "world" and doc["axes"]["z"] == "up, the calibration's up axis"
    size = doc["sequences"][0]["size"]  # the scale the console line gives, in the file
    assert f"cam01/person0 x{size['scale']:.2f}" in result.output and size["from"] == "floor" and size["why"] is None
    pelvis = np.array([f["absolute"][0] for f in doc["sequences"][0]["frames"]])
    truth = world[:, 0] @ np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]]).T  # the ring's y up turned to z up
    assert np.median(np.linalg.norm(pelvis - truth, axis=-1)) < 600  # one camera's root, in the rig's world
    result = run([*args, "--camera", "cam09", "--out", str(tmp_path / "q.json")])
    assert result.exit_code == 2 and "--camera cam09: " in result.output and "cameras cam01, cam02" in result.output
    result = run([*args, "--intrinsics", "300,300,160,120", "--out", str(tmp_path / "q.json")])
    assert result.exit_code == 2 and "--calibration gives the camera: drop --intrinsics / --fov" in result.output
    result = run([*args, "--orient", "upright", "--out", str(tmp_path / "q.json")])
    assert result.exit_code == 2 and "--calibration gives the camera's up: drop --orient upright" in result.output
    from tests.helpers.multiview import pose2sim_toml, ring_cameras

    bigger = [dataclasses.replace(c, image_size=(640, 480)) for c in ring_cameras(2)]
    (tmp_path / "other.toml").write_text(pose2sim_toml(bigger))
    result = run(["lift", "--video", str(video), "--calibration", str(tmp_path / "other.toml"), "--world-up", "y",
                  "--quiet", "--out", str(tmp_path / "r.json")])  # fmt: skip
    assert result.exit_code == 2 and "camera cam01 is calibrated for 640x480 px, the input is 320x240" in result.output
    # the ring's world is y up: --world-up z, the default, makes its cameras look steeply down
    result = run(["lift", "--video", str(video), "--calibration", str(calibration), "--quiet", "--out",
                  str(tmp_path / "r.json")])  # fmt: skip
    assert result.exit_code == 2 and "with the world's z axis up, camera cam01 looks 70 degrees down" in result.output


def test_a_calibrated_live_lift_is_levelled_sized_by_the_floor_and_written_in_the_calibrations_world(
    calibrated, tmp_path
):
    folder, world = calibrated
    video, calibration = folder / "videos" / "cam01.mp4", folder / "calibration" / "Calib.toml"
    args = ["lift", "--video", str(video), "--calibration", str(calibration), "--world-up", "y", "--quiet"]
    live = tmp_path / "live.jsonl"
    result = run([*args, "--stream", "--out", str(live)])
    assert result.exit_code == 0, result.output
    assert "levelled by camera cam01's gravity, sized by its floor (the median of the frames so far)" in result.output
    assert "orientation:" not in result.output and "the detector's 3D weighs 0.5" in result.output
    assert f"rows to {live} (the calibration's world, z up, mm)" in result.output
    assert "size: from the calibration's floor, the median of each person's last frames: person 0 " in result.output
    head, *rows = [json.loads(line) for line in live.read_text().splitlines()]
    assert head["frame"] == "world" and head["axes"]["z"] == "up, the calibration's up axis"
    assert [r["source_frame"] for r in rows] == list(range(12))
    pelvis = np.array([r["absolute_mm"][0] for r in rows])
    truth = world[:, 0] @ np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]]).T  # the ring's y up turned to z up
    assert np.median(np.linalg.norm(pelvis - truth, axis=-1)) < 600
    # without the detector's 3D and at the lifter's size, the live rows are the whole calibrated lift's, frame for frame
    plain = ["--detector-weight", "0", "--size", "lifted"]
    result = run([*args, *plain, "--stream", "--out", str(live)])
    assert result.exit_code == 0, result.output
    whole = tmp_path / "whole.json"
    result = run([*args, *plain, "--root-window", "0", "--out", str(whole)])
    assert result.exit_code == 0, result.output
    expected = [f["absolute"] for f in json.loads(whole.read_text())["sequences"][0]["frames"]]
    rows = [json.loads(line) for line in live.read_text().splitlines()[1:]]
    np.testing.assert_allclose([r["absolute_mm"] for r in rows], expected, atol=0.5)
    result = run([*args, *plain, "--stream", "--frame", "camera", "--out", str(live)])
    assert result.exit_code == 0 and json.loads(live.read_text().splitlines()[0])["frame"] == "camera"
    from tests.helpers.multiview import pose2sim_toml, ring_cameras

    bigger = [dataclasses.replace(c, image_size=(640, 480)) for c in ring_cameras(2)]
    (tmp_path / "other.toml").write_text(pose2sim_toml(bigger))
    result = run(["lift", "--video", str(video), "--stream", "--calibration", str(tmp_path / "other.toml"),
                  "--world-up", "y", "--out", str(tmp_path / "r.jsonl")])  # fmt: skip
    assert result.exit_code == 2 and f"camera cam01 is calibrated for 640x480 px, {video} is 320x240" in result.output
    assert not (tmp_path / "r.jsonl").exists() and not (tmp_path / "r.jsonl.part").exists()


def test_a_pipe_fed_at_the_videos_own_rate_is_lifted_live_as_the_file_is(video, tmp_path):
    needs_blazepose()
    import imageio_ffmpeg

    fifo, out = tmp_path / "live.ts", tmp_path / "live.jsonl"
    os.mkfifo(fifo)
    feeder = subprocess.Popen([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-re", "-i", str(video),
                               "-c", "copy", "-f", "mpegts", "-y", str(fifo)])  # fmt: skip
    try:
        result = run(["lift", "--video", str(fifo), "--stream", "--out", str(out), "--orient", "none",
                      "--detector-weight", "0"])  # fmt: skip
    finally:
        feeder.wait(timeout=60)
    assert result.exit_code == 0, result.output
    assert f"live source {fifo}: 320x240 px, 25 fps" in result.output
    assert "frames/s end to end" in result.output and "pose latency p50" in result.output
    head, *rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert head["format"] == "posynda-live-v1" and head["frame"] == "camera"
    assert [r["source_frame"] for r in rows] == list(range(FRAMES)) and {r["person"] for r in rows} == {"0"}
    whole = tmp_path / "whole.json"  # the same frames lifted whole (neither uses the detector's 3D nor smooths roots)
    result = run(["lift", "--video", str(video), "--orient", "none", "--detector-weight", "0", "--frame", "camera",
                  "--root-window", "0", "--out", str(whole), "--quiet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    expected = [f["absolute"] for f in json.loads(whole.read_text())["sequences"][0]["frames"]]
    np.testing.assert_allclose([r["absolute_mm"] for r in rows], expected, atol=0.5)


def test_every_persons_live_rows_are_the_rows_of_their_detect_files_stream(tmp_path):
    """Two people: each live stream draws the noise of its person's sequence in the `detect` file (the second
    person's too), so `lift --video --stream` and `lift --input DETECTED --stream` give the same rows."""
    needs_blazepose()
    from posynda.bench.live import film

    video = film(tmp_path, 2, 24, (480, 320))
    result = run(["lift", "--video", str(video), "--stream", "--out", str(tmp_path / "live.jsonl"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert run(["detect", str(video), "--out", str(tmp_path / "two.npz"), "--quiet"]).exit_code == 0
    result = run(["lift", "--input", str(tmp_path / "two.npz"), "--stream", "--out", str(tmp_path / "s.npz")])
    assert result.exit_code == 0, result.output
    streamed = load_clips(tmp_path / "s.npz")
    assert streamed.num_sequences == 2
    from_file = {(streamed.person_of(s), int(f)): streamed.joints_3d[rows.start + i]
                 for s, rows in streamed.iter_sequences() for i, f in enumerate(streamed.source_frames(s))}  # fmt: skip
    live = {(r["person"], r["source_frame"]): r["absolute_mm"]
            for r in map(json.loads, (tmp_path / "live.jsonl").read_text().splitlines()[1:])}  # fmt: skip
    assert sorted(live) == sorted(from_file)
    for key, pose in from_file.items():
        np.testing.assert_allclose(live[key], pose, atol=0.01, err_msg=str(key))


def test_a_live_lift_uses_the_detectors_3d_by_default(video, tmp_path):
    needs_blazepose()
    result = run(["lift", "--video", str(video), "--stream", "--out", str(tmp_path / "live.csv")])
    assert result.exit_code == 0, result.output
    assert f"file source {video}: 320x240 px, 25 fps" in result.output
    assert "orientation: the detector's 3D | the detector's 3D weighs 0.5" in result.output
    assert "(camera coordinates: a live source's world needs --calibration, mm)" in result.output
    lines = (tmp_path / "live.csv").read_text().splitlines()
    assert sum(1 for line in lines if not line.startswith("#")) == FRAMES + 1  # the header and a row per frame
    # the detector's file lifted as a stream uses its 3D as the live video does: the same rows
    result = run(["lift", "--video", str(video), "--stream", "--out", str(tmp_path / "live.jsonl")])
    assert result.exit_code == 0, result.output
    assert run(["detect", str(video), "--out", str(tmp_path / "walk.npz"), "--quiet"]).exit_code == 0
    result = run(["lift", "--input", str(tmp_path / "walk.npz"), "--stream", "--out", str(tmp_path / "s.npz")])
    assert result.exit_code == 0 and "orientation: the detector's 3D (detector)" in result.output, result.output
    rows = [json.loads(line) for line in (tmp_path / "live.jsonl").read_text().splitlines()[1:]]
    np.testing.assert_allclose([r["absolute_mm"] for r in rows], load_clips(tmp_path / "s.npz").joints_3d, atol=0.01)
    result = run(["lift", "--video", str(video), "--stream", "--orient", "upright", "--out", str(tmp_path / "u.csv")])
    assert result.exit_code == 2 and "--orient upright needs whole sequences" in result.output
    result = run(["lift", "--video", str(video), "--stream", "--root-window", "1", "--out", str(tmp_path / "u.csv")])
    assert result.exit_code == 2 and "--root-window needs whole sequences" in result.output
    result = run(["lift", "--video", "rtsp://127.0.0.1:9/none", "--out", str(tmp_path / "u.json")])
    assert (
        result.exit_code == 2 and "is a live source (a camera, a stream URL or a pipe): add --stream" in result.output
    )
