"""libposynda's pixels-to-3D pipeline (posynda_detector + posynda_pipeline, run by examples/video_people.c) against
Python's: the same people with the same ids in every frame, their 2D within 1 px and their 3D within 1 mm of
``posynda.runtime.live.LivePipeline`` as ``posynda lift --video --stream`` runs it (BlazePose's own 3D orienting
and averaged into each pose), for the centred and the causal model and for a calibrated camera (``--stream
--calibration``: levelled, sized by the floor), on a filmed mannequin pair and on a real two-person video
(``$POSYNDA_REAL_VIDEO``, which .ci/run sets to Pose2Sim's Demo_MultiPerson cam03, all 100 frames: two people who
overlap, one lost, searched for and found again under the same id, then followed in a larger region while they
pass in front of the other);
clean under AddressSanitizer + UBSan and under qemu aarch64."""

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from posynda.detectors import PeopleDetector
from posynda.runtime import Lifter
from posynda.runtime.floor_scale import CLEARANCE_MM
from posynda.runtime.fusion import DEFAULT_WEIGHT
from posynda.runtime.live import LiveCalibration, LivePipeline
from tests.helpers.libposynda import BUILD, LIB, built, qemu_available, run_video
from tests.helpers.video import needs_blazepose

pytestmark = pytest.mark.slow  # C builds and real video (outside the quick subset)

pytest.importorskip("onnxruntime")
pytest.importorskip("imageio_ffmpeg")

REAL_VIDEO_ENV = "POSYNDA_REAL_VIDEO"
PIXELS = 1.0  # the acceptance bounds: 2D px, 3D mm
MM = 1.0


@pytest.fixture(scope="module")
def deploy(tmp_path_factory):
    """``posynda export --detector`` of the shipped model and of its causal twin: two folders with
    ``denoiser.onnx``, ``person_detector.onnx`` and ``landmarks.onnx``."""
    needs_blazepose()
    from posynda.defaults import shipped_checkpoint
    from posynda.export.exporter import ExportOptions, run_export

    folders = {}
    for causal in (False, True):
        out = tmp_path_factory.mktemp("causal" if causal else "centred")
        run_export(shipped_checkpoint(causal=causal), out, options=ExportOptions(detector=True), log=lambda _m: None)
        folders[causal] = out
    return folders


def read_frames(path, count: int | None = None) -> np.ndarray:
    """``[N, H, W, 3]`` RGB: the first ``count`` frames of the video at ``path`` (all of them by default)."""
    from posynda.data.video import VideoReader

    frames = []
    with VideoReader(path) as reader:
        for image in reader:
            frames.append(image)
            if len(frames) == count:
                break
    return np.stack(frames)


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """``{name: frames [N, H, W, 3]}``: two filmed mannequins side by side, and the real video when given."""
    from posynda.bench.live import film

    out = {"mannequins": read_frames(film(tmp_path_factory.mktemp("film"), 2, 24, (480, 320)), 24)}
    real = os.environ.get(REAL_VIDEO_ENV)
    if real:
        out["real"] = read_frames(Path(real))
    elif os.environ.get("POSYNDA_REQUIRE_CPP"):
        pytest.fail(f"{REAL_VIDEO_ENV} is not set: .ci/run fetches Pose2Sim's Demo_MultiPerson for it")
    return out


@pytest.fixture(scope="module")
def video_bin():
    return built(BUILD / "native" / "posynda_video", "the pipeline tool posynda_video", "POSYNDA_REQUIRE_CPP")


def python_people(frames: np.ndarray) -> dict:
    detector = PeopleDetector()
    return {(t, p.id): p.landmarks for t, image in enumerate(frames) for p in detector(image)}


@pytest.mark.parametrize("name", ["mannequins", "real"])
def test_c_finds_the_people_python_finds(video_bin, deploy, videos, name):
    if name not in videos:
        pytest.skip(f"no real video: set {REAL_VIDEO_ENV}")
    frames = videos[name]
    result, rows = run_video(video_bin, deploy[False] / "denoiser.onnx", deploy[False], frames, "--people")
    assert result.returncode == 0, result.stderr.decode()
    expected = python_people(frames)
    found = {(int(r[0]), int(r[1])): r for r in rows}
    assert sorted(found) == sorted(expected) and len({i for _, i in expected}) == 2  # the same people, same ids
    worst = max(np.abs(found[k][3:].reshape(33, 2) - expected[k].keypoints).max() for k in expected)
    assert worst <= PIXELS, worst
    assert max(abs(found[k][2] - expected[k].flag) for k in expected) <= 1e-4


@pytest.mark.parametrize("name", ["mannequins", "real"])
def test_c_follows_people_side_by_side_as_one_after_another(video_bin, deploy, videos, name):
    """Two tracked people's landmarks at once (the default on 2+ cores) or one after another
    (``--one-after-another``, ``posynda_detector_options.one_after_another``): the same output, byte for byte."""
    if name not in videos:
        pytest.skip(f"no real video: set {REAL_VIDEO_ENV}")
    frames, model = videos[name], deploy[False] / "denoiser.onnx"
    outputs = [run_video(video_bin, model, deploy[False], frames, "--people", *extra)[0]
               for extra in ((), ("--one-after-another",))]  # fmt: skip
    assert all(o.returncode == 0 for o in outputs) and outputs[0].stdout == outputs[1].stdout
    assert len({line.split(b",")[1] for line in outputs[0].stdout.splitlines()}) == 2  # two people followed


@pytest.mark.parametrize("causal", [False, True], ids=["centred", "causal"])
@pytest.mark.parametrize("name", ["mannequins", "real"])
def test_c_pipeline_lifts_every_person_as_python(video_bin, deploy, videos, name, causal):
    """Every pose (frame, person, detected) in the same order and each within 1 mm of Python's live pipeline with
    `lift --video --stream`'s use of BlazePose's own 3D (which moves the poses by far more than 1 mm)."""
    if name not in videos:
        pytest.skip(f"no real video: set {REAL_VIDEO_ENV}")
    frames, model = videos[name], deploy[causal] / "denoiser.onnx"
    result, rows = run_video(video_bin, model, deploy[causal], frames)
    assert result.returncode == 0, result.stderr.decode()
    assert "frames/s" in result.stderr.decode()
    poses = {}
    for fused, (orient, weight) in (("fused", (True, DEFAULT_WEIGHT)), ("alone", (False, 0.0))):
        pipeline = LivePipeline(Lifter(model), orient=orient, detector_weight=weight)
        poses[fused] = [p for image in frames for p in pipeline.push(image)] + pipeline.finish()
    assert [(int(r[0]), int(r[1]), int(r[2])) for r in rows] == [(p.frame, int(p.person), int(p.detected))
                                                                   for p in poses["fused"]]  # fmt: skip
    c_mm = rows[:, 3:].reshape(-1, 17, 3)
    assert np.abs(c_mm - np.stack([p.absolute_mm for p in poses["fused"]])).max() <= MM
    assert np.abs(c_mm - np.stack([p.absolute_mm for p in poses["alone"]])).max() > 10 * MM  # the fusion is on


@pytest.mark.parametrize("name", ["mannequins", "real"])
def test_c_pipeline_lifts_a_calibrated_camera_as_python(video_bin, deploy, videos, name):
    """`lift --video --stream --calibration` (posynda_pipeline_options.level, size_by_floor): each frame's keypoints
    levelled by the camera's gravity, each person sized by the floor of their frames so far and turned back -- every
    pose within 1 mm of Python's, which the calibration moves by far more."""
    if name not in videos:
        pytest.skip(f"no real video: set {REAL_VIDEO_ENV}")
    frames, model = videos[name], deploy[False] / "denoiser.onnx"
    lifter, up = Lifter(model), np.array([0.0, -0.94, -0.34])  # a camera looking 20 degrees down

    def python(calibration):
        pipeline = LivePipeline(lifter, detector_weight=DEFAULT_WEIGHT, calibration=calibration)
        return [p for image in frames for p in pipeline.push(image)] + pipeline.finish(), pipeline.sizes

    unsized, _ = python(LiveCalibration(up))
    lower = np.stack([p.absolute_mm[[3, 6]] @ (up / np.linalg.norm(up)) for p in unsized]).min(axis=1)
    height = float(CLEARANCE_MM - 0.9 * np.median(lower))  # the camera's height that sizes people by about 0.9
    poses, sizes = python(LiveCalibration(up, height))
    assert any(why is None and scale < 1 for scale, why in sizes.values()), sizes  # the floor sized someone
    result, rows = run_video(video_bin, model, deploy[False], frames, "--calibrated",
                             ",".join(f"{v:.9g}" for v in (*up, height)))  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    # each person's last size, as posynda_pipeline_person_scale gives it after the end, is Python's
    said = re.findall(r"person (\d+) (?:sized x([\d.]+) by the floor|kept the lifter's size)", result.stderr.decode())
    assert sorted(who for who, _ in said) == sorted(sizes), (said, sizes)  # each person once
    for who, scale in said:
        python_scale, why = sizes[who]
        assert (scale == "") == (why is not None) and (why is not None or abs(float(scale) - python_scale) < 1e-3)
    assert [(int(r[0]), int(r[1]), int(r[2])) for r in rows] == [(p.frame, int(p.person), int(p.detected))
                                                                   for p in poses]  # fmt: skip
    c_mm = rows[:, 3:].reshape(-1, 17, 3)
    assert np.abs(c_mm - np.stack([p.absolute_mm for p in poses])).max() <= MM
    assert np.abs(c_mm - np.stack([p.absolute_mm for p in unsized])).max() > 10 * MM  # the floor's size is on


def test_the_pipeline_tool_refuses_bad_input(video_bin, deploy, videos, tmp_path):
    frames = videos["mannequins"][:2]
    model = deploy[False] / "denoiser.onnx"
    cases = [
        ((model, tmp_path, 480, 320), frames.tobytes(), 1, "no such detector file"),
        ((model, deploy[False], 480, 320), frames.tobytes()[:-5], 2, "the input ends in a partial frame"),
        ((model, deploy[False], 0, 320), b"", 2, "WIDTH and HEIGHT must be integers in [1, 32768]"),
        ((tmp_path / "none.onnx", deploy[False], 480, 320), b"", 1, "none.onnx: no such model file"),
        ((model, deploy[False], 480, 320, "--people", "--people"), b"", 2, "usage: video_people"),
        ((model, deploy[False], 480, 320, "--faster"), b"", 2, "[--people] [--one-after-another]"),
        ((model, deploy[False], 480, 320, "--calibrated", "0,-1,0"), b"", 2, "--calibrated takes UX,UY,UZ,HEIGHT_MM"),
        ((model, deploy[False], 480, 320, "--calibrated", "0,0,0,1"), frames.tobytes(), 1, "camera_up must be a"),
    ]
    for args, data, code, message in cases:
        result = subprocess.run([str(video_bin), *map(str, args)], input=data, capture_output=True, timeout=300)
        err = result.stderr.decode()
        assert result.returncode == code and message in err and err.count("\n") == 1, (args[1:], err)


def test_the_pipeline_is_clean_under_address_and_undefined_behaviour_sanitizers(video_bin, deploy, videos):
    """The sanitized build (leaks included) on ten frames: no finding, and the poses of the plain build."""
    binary = built(BUILD / "asan" / "posynda_video", "posynda_video (asan)", "POSYNDA_REQUIRE_CPP")
    env = {**os.environ, "ASAN_OPTIONS": "detect_leaks=1:halt_on_error=1",
           "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1"}  # fmt: skip
    frames = videos["mannequins"][:10]
    for causal, extra in ((False, ()), (True, ()), (True, ("--calibrated", "0,-0.94,-0.34,1800"))):
        model = deploy[causal] / "denoiser.onnx"
        result, rows = run_video(binary, model, deploy[causal], frames, *extra, env=env)
        err = result.stderr.decode()
        assert result.returncode == 0 and "ERROR: AddressSanitizer" not in err and "runtime error" not in err, err
        _, plain = run_video(video_bin, model, deploy[causal], frames, *extra)
        assert rows.shape == plain.shape and len(rows) >= 10 and np.abs(rows - plain).max() <= MM


def test_the_aarch64_pipeline_runs_under_qemu(video_bin, deploy, videos):
    """Functional: the aarch64 build finds the same people (2D within 1 px of the x86 build) under qemu-user."""
    binary = built(BUILD / "aarch64-build" / "posynda_video", "the aarch64 build", "POSYNDA_REQUIRE_AARCH64")
    if not qemu_available():
        pytest.skip("qemu-user not installed (libposynda/cross/setup.sh)")
    frames, model = videos["mannequins"][:4], deploy[False] / "denoiser.onnx"
    result, arm = run_video(binary, model, deploy[False], frames, "--people", runner=[str(LIB / "cross" / "run.sh")])
    assert result.returncode == 0, result.stderr.decode()
    _, x86 = run_video(video_bin, model, deploy[False], frames, "--people")
    assert arm.shape == x86.shape and np.abs(arm[:, 3:] - x86[:, 3:]).max() <= PIXELS
