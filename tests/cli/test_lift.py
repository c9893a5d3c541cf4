"""`posynda lift`: clip and JSON input, COCO order, backends agree for a seed, bad input exits 2, and --out's
extension picks the output format (an unknown one exits 2 before any work)."""

import csv
import dataclasses
import json
import sys

import numpy as np
import pytest

from posynda.data import load_clips, save_clips
from posynda.data.bvh import read_bvh
from posynda.data.detections import default_intrinsics
from posynda.defaults import shipped_checkpoint
from posynda.posefiles.poses import lifted_poses
from posynda.runtime import Lifter, LiftResult, SamplingSettings
from posynda.runtime.backends import tensorrt_sidecar as trt_env
from posynda.runtime.backends.tensorrt_sidecar import REBUILD_HINT, unavailable_reason
from posynda.runtime.root_depth import ROOT_WINDOW_S
from posynda.skeleton import convert_joints
from tests.helpers.cli import PNG, run
from tests.helpers.clips import make_clips
from tests.helpers.detections import expected_track, scene, write_coco, write_openpose
from tests.helpers.export import SAMPLER_HYPOTHESES, SAMPLER_STEPS
from tests.helpers.tensorrt import TRT_ENV as ENV


@pytest.fixture
def keypoints(tmp_path):
    clips = make_clips((35, 14), seed=8)
    return save_clips(tmp_path / "kp.npz", clips.without_3d()), clips


@pytest.mark.parametrize("backend", ["torch", "onnxruntime"])
def test_lift_writes_absolute_poses_equal_to_the_runtime(tmp_path, keypoints, shipped_export, backend):
    path, clips = keypoints
    model = shipped_checkpoint() if backend == "torch" else shipped_export / "denoiser.onnx"
    out = tmp_path / "poses.npz"
    result = run(["lift", "--model", str(model), "--input", str(path), "--out", str(out), "-H", "2", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert f"backend: {backend} (" in result.output and "| roots: the median depth over 0.5 s" in result.output
    lifted = load_clips(out)
    np.testing.assert_array_equal(lifted.keypoints_2d, clips.keypoints_2d)
    settings = SamplingSettings(hypotheses=2, seed=3)
    expected = Lifter(shipped_checkpoint()).lift(clips.without_3d(), settings, root_window_s=ROOT_WINDOW_S)
    assert np.abs(lifted.joints_3d - expected.absolute_mm).max() <= 0.5  # mm (1e-4 m on the pose + root solve)
    assert (lifted.joints_3d[:, 0, 2] > 0).all()  # absolute camera frame, in front of the camera


def test_same_seed_same_poses_across_backends_and_seeds_matter(tmp_path, keypoints, shipped_export):
    path, _ = keypoints
    outs = {}
    for name, model, seed in [
        ("t0", shipped_checkpoint(), 0),
        ("o0", shipped_export / "denoiser.onnx", 0),
        ("o1", shipped_export / "denoiser.onnx", 1),
    ]:
        result = run(
            [
                "lift",
                "--model",
                str(model),
                "--input",
                str(path),
                "--out",
                str(tmp_path / f"{name}.npz"),
                "--seed",
                str(seed),
                "-K",
                "2",
                "--quiet",
            ]
        )
        assert result.exit_code == 0, result.output
        outs[name] = load_clips(tmp_path / f"{name}.npz").joints_3d
    rel = {k: v - v[:, :1] for k, v in outs.items()}
    assert np.abs(rel["t0"] - rel["o0"]).max() <= 0.1  # mm = 1e-4 m
    assert np.abs(rel["o0"] - rel["o1"]).max() > 1.0


def _json_payload(clips, camera=True):
    kp = clips.keypoints_2d
    frames = [[None if np.isnan(p).any() else [float(p[0]), float(p[1])] for p in frame] for frame in kp]
    payload = {"keypoints_2d": frames, "image_size": [int(v) for v in clips.image_size[0]], "fps": 50}
    if camera:
        payload["camera"] = [float(v) for v in clips.camera[0]]
    return payload


@pytest.mark.parametrize("camera", [True, False], ids=["with-camera", "default-camera"])
def test_json_input(tmp_path, camera):
    clips = make_clips((30,), seed=4).without_3d()
    clips.keypoints_2d[5, 3] = np.nan  # a missing joint becomes null in JSON
    (tmp_path / "kp.json").write_text(json.dumps(_json_payload(clips, camera)))
    if not camera:  # a file without a camera is lifted with the documented default, so the reference is too
        w, h = clips.image_size[0]
        clips = dataclasses.replace(clips, camera=np.broadcast_to(default_intrinsics(w, h), clips.camera.shape).copy())
    save_clips(tmp_path / "kp.npz", clips)
    for name in ("kp.json", "kp.npz"):
        result = run(["lift", "--input", str(tmp_path / name), "--out", str(tmp_path / f"{name}.out.npz"), "--quiet"])
        assert result.exit_code == 0, result.output
    from_json, from_npz = (load_clips(tmp_path / f"{n}.out.npz") for n in ("kp.json", "kp.npz"))
    assert np.isnan(from_json.keypoints_2d[5, 3]).all() and from_json.fps[0] == 50
    rel = lambda c: c.joints_3d - c.joints_3d[:, :1]  # noqa: E731
    np.testing.assert_allclose(rel(from_json), rel(from_npz), atol=1e-3)
    if not camera:
        np.testing.assert_array_equal(from_json.camera[0], default_intrinsics(1000, 1000))


def _to_coco(h36m_kp):
    """H36M keypoints -> COCO-17 (eyes/ears at the head, nose at the neck/nose joint)."""
    coco = np.zeros(h36m_kp.shape[:-2] + (17, 2), np.float32)
    table = {0: 9, 1: 10, 2: 10, 3: 10, 4: 10, 5: 11, 6: 14, 7: 12, 8: 15, 9: 13, 10: 16, 11: 4, 12: 1, 13: 5, 14: 2}
    table.update({15: 6, 16: 3})
    for c, h in table.items():
        coco[..., c, :] = h36m_kp[..., h, :]
    return coco


def test_coco_keypoints_are_converted(tmp_path):
    clips = make_clips((30,), seed=6).without_3d()
    coco = dataclasses.replace(clips, keypoints_2d=_to_coco(clips.keypoints_2d))
    save_clips(tmp_path / "coco.npz", coco)
    result = run(
        ["lift", "--input", str(tmp_path / "coco.npz"), "--joint-order", "coco", "--out", str(tmp_path / "o.npz")]
    )
    assert result.exit_code == 0, result.output
    lifted = load_clips(tmp_path / "o.npz")
    np.testing.assert_allclose(lifted.keypoints_2d, convert_joints(coco.keypoints_2d, "coco")[0])
    np.testing.assert_allclose(lifted.keypoints_2d[:, 1], clips.keypoints_2d[:, 1])  # r_hip back in H36M slot 1


def test_sampler_graph_model(tmp_path, keypoints, shipped_export):
    path, clips = keypoints
    out_dir = shipped_export
    results = {}
    for name, extra in [
        ("sampler.onnx", []),
        ("denoiser.onnx", ["-K", SAMPLER_STEPS, "-H", SAMPLER_HYPOTHESES, "--aggregate", "mean"]),
    ]:
        out = tmp_path / f"{name}.npz"  # the extension of --out picks the output format
        result = run(["lift", "--model", str(out_dir / name), "--input", str(path), "--out", str(out), *extra])
        assert result.exit_code == 0, result.output
        results[name] = load_clips(out).joints_3d
    assert f"H={SAMPLER_HYPOTHESES}, K={SAMPLER_STEPS}, mean" in result.output
    assert np.abs(results["sampler.onnx"] - results["denoiser.onnx"]).max() <= 0.5


def test_viz_writes_a_png(tmp_path, keypoints):
    pytest.importorskip("matplotlib")
    path, _ = keypoints
    result = run(["lift", "--input", str(path), "--out", str(tmp_path / "o.npz"), "--viz", str(tmp_path / "v.png")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "v.png").read_bytes()[:8] == PNG


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_viz_animates_the_longest_sequence(tmp_path, keypoints, suffix):
    pytest.importorskip("matplotlib")
    from posynda.viz import ffmpeg_exe
    from tests.helpers.viz import gif_frames

    if suffix == ".mp4" and ffmpeg_exe() is None:
        pytest.skip("no ffmpeg (pip install imageio-ffmpeg)")
    path, _ = keypoints  # sequences of 35 and 14 frames, no frame rate: 25 fps
    viz = tmp_path / f"v{suffix}"
    result = run(["lift", "--input", str(path), "--out", str(tmp_path / "o.npz"), "--viz", str(viz), "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"wrote {viz} (animation of seq0: 35 of 35 frames, 25 fps)" in result.output
    if suffix == ".gif":
        frames, durations = gif_frames(viz)
        assert len(frames) == 35 and set(durations) == {40}
    else:
        assert viz.read_bytes()[4:8] == b"ftyp"


def _no_lifting(monkeypatch):
    def no_lifting(*args, **kwargs):
        raise AssertionError("lifting work started")

    monkeypatch.setattr("posynda.cli.lift.Lifter", no_lifting)


def test_an_unknown_viz_extension_exits_2_before_any_work(tmp_path, keypoints, monkeypatch, in_tmp):
    pytest.importorskip("matplotlib")
    path, _ = keypoints
    _no_lifting(monkeypatch)
    result = run(["lift", "--input", str(path), "--out", str(tmp_path / "o.npz"), "--viz", str(tmp_path / "v.mov")])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("posynda: error: --viz ") and "unknown picture format (extension '.mov')" in line
    assert ".png (contact sheet of 8 frames), .gif (animation), .mp4 (animation, needs ffmpeg)" in line
    assert "input" not in result.stdout  # the keypoints were not even read
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kp.npz"]  # no poses, no picture, no run directory


def test_an_mp4_without_ffmpeg_exits_2_before_any_work(tmp_path, keypoints, monkeypatch, in_tmp):
    pytest.importorskip("matplotlib")
    path, _ = keypoints
    _no_lifting(monkeypatch)
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # not installed
    monkeypatch.setattr("posynda.viz.encoders.shutil.which", lambda name: None)  # none on PATH
    result = run(["lift", "--input", str(path), "--out", str(tmp_path / "o.npz"), "--viz", str(tmp_path / "v.mp4")])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "needs ffmpeg: pip install imageio-ffmpeg" in line and "or write a .gif" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kp.npz"]


def _wrong_joint_count_npz(tmp):
    arrays = dict(np.load(save_clips(tmp / "ok.npz", make_clips((20,)).without_3d())))
    arrays["keypoints_2d"] = arrays["keypoints_2d"][:, :16]
    np.savez(tmp / "in.npz", **arrays)
    return ["--input", str(tmp / "in.npz")]


def _wrong_joint_count_json(tmp):
    payload = _json_payload(make_clips((20,)))
    payload["keypoints_2d"] = [frame[:16] for frame in payload["keypoints_2d"]]
    (tmp / "in.json").write_text(json.dumps(payload))
    return ["--input", str(tmp / "in.json")]


def _nan_only(tmp):
    clips = make_clips((20,)).without_3d()
    clips.keypoints_2d[:] = np.nan
    save_clips(tmp / "in.npz", clips)
    return ["--input", str(tmp / "in.npz")]


def _model(name, content=b"junk"):
    def make(tmp):
        save_clips(tmp / "in.npz", make_clips((20,)).without_3d())
        (tmp / name).write_bytes(content)
        return ["--input", str(tmp / "in.npz"), "--model", str(tmp / name)]

    return make


def _backend_mismatch(tmp):
    save_clips(tmp / "in.npz", make_clips((20,)).without_3d())
    return ["--input", str(tmp / "in.npz"), "--backend", "onnxruntime"]


def _coco(tmp, *extra, frames=None):
    return ["--input", str(write_coco(tmp / "coco.json", frames or scene())), *extra]


def _text_as_npz(tmp):
    (tmp / "in.npz").write_text("x, y\n1, 2\n")
    return ["--input", str(tmp / "in.npz")]


def _unknown_json(tmp):
    (tmp / "in.json").write_text(json.dumps([{"frame": 0, "points": [1, 2]}]))
    return ["--input", str(tmp / "in.json"), "--image-size", "1920x1080"]


def _nobody(tmp):
    frames = [[(k, kp, np.full(17, 0.1)) for k, kp, _ in people] for people in scene()]
    return _coco(tmp, "--image-size", "1920x1080", frames=frames)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp: _coco(tmp), "has no image size; give it as --image-size WxH"),
        (_text_as_npz, "not an npz file"),
        (_unknown_json, "not a keypoint file posynda knows (a JSON of unknown layout)"),
        (lambda tmp: _coco(tmp, "--image-size", "1920by1080"), "expected WxH in pixels"),
        (lambda tmp: _coco(tmp, "--image-size", "1920x1080", "--fov", "60", "--intrinsics", "1,1,1,1"), "--fov both"),
        (_nobody, "no person detected with a joint scored at least 0.3"),
        (lambda tmp: _coco(tmp, "--image-size", "1920x1080", "--format", "openpose"), "no 'people' list"),
        (_wrong_joint_count_npz, "16 joints"),
        (_wrong_joint_count_json, "16 joints per frame"),
        (_nan_only, "no finite keypoint"),
        (_model("model.pt"), "unknown model file type"),
        (_model("model.onnx"), "not a loadable ONNX model"),
        (_model("model.safetensors"), "not a readable .safetensors"),
        (_backend_mismatch, "backend onnxruntime needs a .onnx"),
        (lambda tmp: _coco(tmp, "--image-size", "1920x1080", "--orient", "detector"), "needs the detector's own 3D"),
        (lambda tmp: _coco(tmp, "--format", "coco", "--orient", "upright"), "--orient upright needs the video"),
        (lambda tmp: _coco(tmp, "--image-size", "1920x1080", "--size", "floor"), "--size floor needs the floor of a"),
        (lambda tmp: _coco(tmp, "--image-size", "1920x1080", "--detector-weight", "0.5"), "0.5 needs the detector's"),
        (lambda tmp: _coco(tmp, "--image-size", "1920x1080", "--stream", "--root-window", "0.5"), "drop --stream"),
        (lambda tmp: _coco(tmp, "--image-size", "1920x1080", "--root-window", "11"), "--root-window"),
        (lambda tmp: _coco(tmp, "--image-size", "1920x1080", "--stream", "--orient", "detector"), "needs the det"),
    ],
    ids=["coco-no-size", "text-npz", "unknown-json", "bad-size", "fov-and-intrinsics", "nobody", "wrong-format"]
    + ["npz-16-joints", "json-16-joints", "nan-only", "pt-model", "junk-onnx", "junk-safetensors", "backend"]
    + ["orient-without-3d", "orient-a-keypoint-format", "floor-without-calibration", "fuse-without-3d"]
    + ["root-window-stream", "root-window-range", "stream-orient-without-3d"],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, make, message):
    args = make(tmp_path)
    out = tmp_path / "poses.npz"
    result = run(["lift", *args, "--out", str(out), "--viz", str(tmp_path / "v.png")])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists() and not (tmp_path / "v.png").exists()


def test_run_directory_and_default_input(in_tmp):
    result = run(["lift", "--quiet", "-K", "1"])
    assert result.exit_code == 0, result.output
    (run_dir,) = (in_tmp / "runs").iterdir()
    assert run_dir.name.startswith("lift-") and (run_dir / "poses.npz").is_file()
    assert load_clips(run_dir / "poses.npz").joints_3d.shape[1:] == (17, 3)


def test_cli_lift_with_an_engine_for_another_machine_exits_2(fake_engine, tmp_path, monkeypatch):
    monkeypatch.setattr(trt_env, "current_environment", lambda: {**ENV, "tensorrt_version": "10.0.1"})
    save_clips(tmp_path / "kp.npz", make_clips((20,)).without_3d())
    result = run(
        ["lift", "--model", str(fake_engine), "--input", str(tmp_path / "kp.npz"), "--out", str(tmp_path / "p.npz")]
    )
    assert result.exit_code == 2 and REBUILD_HINT in result.stderr


def test_cli_lift_with_an_engine_here_names_what_is_missing(fake_engine, tmp_path):
    if unavailable_reason() is None:
        pytest.skip("this machine has TensorRT and a GPU")
    save_clips(tmp_path / "kp.npz", make_clips((20,)).without_3d())
    result = run(
        ["lift", "--model", str(fake_engine), "--input", str(tmp_path / "kp.npz"), "--out", str(tmp_path / "p.npz")]
    )
    assert result.exit_code == 2
    assert "cannot run a TensorRT engine here" in result.stderr


def test_lift_coco_results_end_to_end_prints_the_report(tmp_path):
    path = write_coco(tmp_path / "coco.json", scene())
    out = tmp_path / "x.npz"
    result = run(["lift", "--input", path, "--image-size", "1920x1080", "--out", out, "-K", "1", "-H", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"input {path}: coco, 2 sequences, 1920x1080, f = 1920 px (default camera)"
    assert lines[1] == "  coco/person0: 4 frames, track 0 (tracker), 0.0% joints missing, mean confidence 0.88"
    assert lines[2] == "  coco/person1: 4 frames, track 1 (tracker), 5.9% joints missing, mean confidence 0.85"
    lifted = load_clips(out)
    assert lifted.sequence_names() == ["coco/person0", "coco/person1"]
    np.testing.assert_array_equal(lifted.keypoints_2d, np.concatenate([expected_track(0)[0], expected_track(1)[0]]))
    assert lifted.joints_3d.shape == (8, 17, 3) and np.isfinite(lifted.joints_3d).all()
    assert (lifted.joints_3d[:, 0, 2] > 0).all()


def test_lift_takes_an_openpose_folder_with_a_field_of_view(tmp_path):
    folder = write_openpose(tmp_path / "clip", scene(people=(0,)))
    out = tmp_path / "x.npz"
    args = ["lift", "--input", folder, "--image-size", "1920x1080", "--fov", "90", "--out", out, "-K", "1", "-H", "1"]
    result = run([*args, "--quiet"])
    assert result.exit_code == 0, result.output
    assert "openpose, 1 sequence, 1920x1080, f = 960 px (from a 90 degree field of view)" in result.output
    assert load_clips(out).camera[0, 0] == pytest.approx(960)


# ------------------------------------------------------------------------------------ --out formats
def test_an_unknown_out_extension_exits_2_before_any_work(tmp_path, keypoints, monkeypatch, in_tmp):
    path, _ = keypoints

    def no_lifting(*args, **kwargs):
        raise AssertionError("lifting work started")

    monkeypatch.setattr("posynda.cli.lift.Lifter", no_lifting)
    out = tmp_path / "poses.txt"
    result = run(["lift", "--input", str(path), "--out", str(out), "--viz", str(tmp_path / "v.png")])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("posynda: error: ") and "unknown output format (extension '.txt')" in line
    assert ".npz (clip file with joints_3d), .json (poses per frame and joint), .csv (one row per frame), .bvh" in line
    assert "input" not in result.stdout  # the keypoints were not even read
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kp.npz"]  # no output, no figure, no run directory


def _read_json(path):
    doc = json.loads(path.read_text())
    return doc["frame"], np.concatenate([[f["absolute"] for f in s["frames"]] for s in doc["sequences"]])


def _read_csv(path):
    lines = path.read_text().splitlines()
    frame = next(line.removeprefix("# frame: ") for line in lines if line.startswith("# frame: "))
    rows = list(csv.reader(line for line in lines if not line.startswith("#")))[1:]
    return frame, np.array([[float(v) for v in row[4:]] for row in rows]).reshape(-1, 17, 3)


def _read_bvh(path):
    frame = json.loads(path.with_name(path.name + ".json").read_text())["frame"]
    files = [path] + sorted(path.parent.glob(f"{path.stem}_*.bvh"))
    roots = np.concatenate([read_bvh(p).kinematics().positions[:, 0] for p in files])
    turn = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]]) if frame == "world" else np.diag([1, -1, -1])
    return frame, (roots * 10.0 @ turn)[:, None]  # the root track, back in posynda's axes, mm


@pytest.mark.parametrize(
    "suffix, read, joints, atol",
    [(".json", _read_json, slice(None), 5e-4), (".csv", _read_csv, slice(None), 5e-4), (".bvh", _read_bvh, [0], 1e-3)],
    ids=["json", "csv", "bvh"],
)
def test_lift_writes_the_format_of_the_out_extension(tmp_path, keypoints, suffix, read, joints, atol):
    path, clips = keypoints
    common = ["lift", "--input", str(path), "-K", "1", "-H", "1", "--seed", "3", "--quiet"]
    assert run([*common, "--out", str(tmp_path / "ref.npz")]).exit_code == 0
    out = tmp_path / f"poses{suffix}"
    result = run([*common, "--out", str(out)])
    assert result.exit_code == 0, result.output
    lifted = load_clips(tmp_path / "ref.npz")  # the same seed: the same poses
    expected = lifted_poses(
        LiftResult(lifted.joints_3d - lifted.joints_3d[:, :1], lifted.joints_3d, "", SamplingSettings(), 0), clips
    )
    frame, values = read(out)
    assert frame == expected.frame
    if frame == "world":
        assert f"wrote {out} " in result.output and "(world coordinates, floor at " in result.output
    else:
        units = "cm" if suffix == ".bvh" else "mm"
        turned = " turned y up" if suffix == ".bvh" else ""
        assert f"(camera coordinates{turned}, {units}: no floor found: {expected.reason})" in result.output
    want = np.concatenate([s.absolute for s in expected.sequences])
    np.testing.assert_allclose(values[:, joints], want[:, joints], atol=atol + 2e-3, rtol=0)  # + float32 of the npz


def test_stream_flag_lifts_frame_by_frame_and_reports_latency(tmp_path, keypoints, shipped_export):
    """`posynda lift --stream`: the live stream of every sequence; complete detections (make_clips has
    none missing) give the whole-sequence poses, and the latency line names L and the push times."""
    path, _ = keypoints
    model = str(shipped_export / "denoiser.onnx")
    common = ["lift", "--model", model, "--input", str(path), "-H", "2", "-K", "2", "--quiet"]
    streamed = run([*common, "--stream", "--out", str(tmp_path / "s.npz")])
    whole = run([*common, "--root-window", "0", "--out", str(tmp_path / "w.npz")])  # a stream's roots: frame by frame
    assert streamed.exit_code == 0 and whole.exit_code == 0, streamed.output
    assert "stream: latency L = 26 frames | push p50" in streamed.output and "roots: the median" not in streamed.output
    a, b = load_clips(tmp_path / "s.npz").joints_3d, load_clips(tmp_path / "w.npz").joints_3d
    assert np.abs(a - b).max() <= 1e-2


@pytest.mark.parametrize("stream", [[], ["--stream"]], ids=["whole", "stream"])
def test_person_writes_that_persons_rows_of_the_whole_lift(tmp_path, stream):
    """`--person b` lifts only b's sequence, with the noise it draws in the whole file (ClipSet.noise_sequence):
    its rows are the whole lift's rows of b, whole or streamed."""
    clips = make_clips((35, 30), seed=8).without_3d()
    path = save_clips(tmp_path / "kp.npz", dataclasses.replace(clips, person=np.array(["a", "b"])))
    common = ["lift", "--input", str(path), "-H", "2", "-K", "2", "--quiet", *stream]
    assert run([*common, "--out", str(tmp_path / "all.npz")]).exit_code == 0
    result = run([*common, "--person", "b", "--out", str(tmp_path / "b.npz")])
    assert result.exit_code == 0, result.output
    whole, only = load_clips(tmp_path / "all.npz"), load_clips(tmp_path / "b.npz")
    assert only.num_sequences == 1 and only.person.tolist() == ["b"]
    np.testing.assert_allclose(only.joints_3d, whole.joints_3d[whole.seq_index == 1], atol=1e-2)  # batch rounding


def test_a_calibrated_keypoint_files_stream_is_levelled_sized_by_the_floor_and_in_the_calibrations_world(tmp_path):
    """`posynda lift --input FILE --stream --calibration`: each frame lifted through the level camera and each person
    sized by the floor of their frames so far, as `lift --video --stream --calibration` lifts a live source; at the
    lifter's size the rows are the whole calibrated lift's (`lift --calibration`), frame for frame."""
    from posynda.camera import project
    from posynda.data.clips import ClipSet
    from tests.helpers.multiview import pose2sim_toml, ring_cameras, walking_world

    camera = ring_cameras(2)[0]
    (tmp_path / "Calib.toml").write_text(pose2sim_toml([camera]))
    world = walking_world(30)
    pixels = np.asarray(project(camera.to_camera(world), camera.intrinsics), np.float32)
    clip = ClipSet.single_sequence(pixels, camera.intrinsics, camera.image_size, name="cam01")
    path = save_clips(tmp_path / "cam01.npz", clip)
    common = ["lift", "--input", str(path), "--calibration", str(tmp_path / "Calib.toml"), "--world-up", "y"]
    common += ["-H", "2", "-K", "2", "--quiet"]
    live = run([*common, "--stream", "--out", str(tmp_path / "live.json")])
    assert live.exit_code == 0, live.output
    assert "size: from the calibration's floor (--size floor, at the end (the median of the last 600 frames)): " in (
        live.output
    )
    doc = json.loads((tmp_path / "live.json").read_text())
    assert doc["frame"] == "world" and doc["axes"]["z"] == "up, the calibration's up axis"
    size = doc["sequences"][0]["size"]  # the stream's last scale, as the console line says
    assert f"cam01 x{size['scale']:.2f}" in live.output and size["from"] == "floor"
    pelvis = np.array([f["absolute"][0] for f in doc["sequences"][0]["frames"]])
    truth = world[:, 0] @ np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]]).T  # the ring's y up turned to z up
    assert np.median(np.linalg.norm(pelvis - truth, axis=-1)) < 200  # exact 2D, sized by the floor (113 mm)
    lifted = ["--size", "lifted"]
    streamed = run([*common, *lifted, "--stream", "--out", str(tmp_path / "s.json")])
    whole = run([*common, *lifted, "--root-window", "0", "--out", str(tmp_path / "w.json")])
    assert streamed.exit_code == 0 and whole.exit_code == 0, whole.output
    a, b = (json.loads((tmp_path / f"{n}.json").read_text())["sequences"][0] for n in ("s", "w"))
    np.testing.assert_allclose([f["absolute"] for f in a["frames"]], [f["absolute"] for f in b["frames"]], atol=0.05)
    assert a["size"] is None and b["size"] is None  # --size lifted: no floor sized anyone


def test_causal_lifts_with_the_shipped_causal_model_and_zero_latency(tmp_path, keypoints, causal_export):
    """`posynda lift --causal`: the shipped causal model (or a causal --model): the stream returns each frame at
    its push (L = 0) and equals the whole-sequence lift; a centred --model is refused with exit 2."""
    path, _ = keypoints
    common = ["lift", "--input", str(path), "-H", "2", "--quiet"]
    streamed = run([*common, "--causal", "--stream", "--out", str(tmp_path / "s.npz")])
    assert streamed.exit_code == 0, streamed.output
    assert "stream: latency L = 0 frames | push p50" in streamed.output
    whole = run([*common, "--model", str(causal_export / "denoiser.onnx"), "--root-window", "0", "--out",
                 str(tmp_path / "w.npz")])  # fmt: skip
    assert whole.exit_code == 0, whole.output
    a, b = load_clips(tmp_path / "s.npz").joints_3d, load_clips(tmp_path / "w.npz").joints_3d
    assert np.abs(a - b).max() <= 1e-2
    refused = run([*common, "--causal", "--model", str(shipped_checkpoint()), "--out", str(tmp_path / "r.npz")])
    assert refused.exit_code == 2 and "looks 26 frames ahead (a centred model)" in refused.output
    strided = run([*common, "--causal", "--stride", "5", "--out", str(tmp_path / "r.npz")])
    assert strided.exit_code == 2 and "--stride must be 1 for a causal model" in strided.output
    assert not (tmp_path / "r.npz").exists()
